//! Pipelined readback: a ring of staging buffers.
//!
//! Each submission copies its outputs into the next slot and starts mapping it at once.
//! A slot stays mapped after it is read, so callers borrow results straight from mapped
//! memory with no host copy; it is unmapped only when the ring comes back round to it.
//! With two slots (the default), step *t*'s results stay readable in one slot while step
//! *t + 1* is computed and copied into the other.

use super::Gpu;
use crate::Error;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

const IDLE: u8 = 0;
const PENDING: u8 = 1;
const MAPPED: u8 = 2;
const FAILED: u8 = 3;

struct Slot {
    buffer: wgpu::Buffer,
    state: Arc<AtomicU8>,
    submission: Option<wgpu::SubmissionIndex>,
    view: Option<wgpu::BufferView>,
}

impl Slot {
    /// Drops a held view and unmaps, so the GPU may write the slot again.
    fn release(&mut self) {
        if self.view.take().is_some() {
            self.buffer.unmap();
        }
    }
}

/// A ring of `MAP_READ` staging buffers, each `bytes` long.
pub struct Readback {
    slots: Vec<Slot>,
    next: usize,
    bytes: u64,
}

/// Names the slot one submission copies into; redeem it with [`Readback::wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadbackTicket(usize);

impl Readback {
    /// A ring of `slots` staging buffers of `bytes` each, labelled `label`.
    pub fn new(gpu: &Gpu, label: &str, bytes: u64, slots: usize) -> Readback {
        let slots = (0..slots.max(1))
            .map(|_| Slot {
                buffer: gpu.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: bytes.max(4).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT),
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                }),
                state: Arc::new(AtomicU8::new(IDLE)),
                submission: None,
                view: None,
            })
            .collect();
        Readback {
            slots,
            next: 0,
            bytes,
        }
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Size of one slot in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Claims the next slot and returns it with the buffer to copy into. A view still held
    /// on that slot is dropped and the slot unmapped.
    ///
    /// # Panics
    /// If the slot's previous submission was never waited for: callers keep at most
    /// `slots()` submissions in flight.
    pub fn claim(&mut self) -> (ReadbackTicket, &wgpu::Buffer) {
        let i = self.next;
        self.next = (self.next + 1) % self.slots.len();
        let slot = &mut self.slots[i];
        assert_ne!(
            slot.state.load(Ordering::Acquire),
            PENDING,
            "readback slot claimed while its previous submission is still in flight"
        );
        slot.release();
        slot.state.store(IDLE, Ordering::Release);
        (ReadbackTicket(i), &slot.buffer)
    }

    /// Starts mapping the slot after the submission that fills it. Call right after submit.
    pub fn start_map(&mut self, ticket: ReadbackTicket, submission: wgpu::SubmissionIndex) {
        let slot = &mut self.slots[ticket.0];
        slot.state.store(PENDING, Ordering::Release);
        slot.submission = Some(submission);
        let state = slot.state.clone();
        slot.buffer.map_async(wgpu::MapMode::Read, .., move |r| {
            state.store(if r.is_ok() { MAPPED } else { FAILED }, Ordering::Release);
        });
    }

    /// Waits until the slot is mapped and keeps a view of it for [`Readback::bytes_of`].
    pub fn wait(&mut self, gpu: &Gpu, ticket: ReadbackTicket) -> Result<(), Error> {
        let slot = &mut self.slots[ticket.0];
        if slot.view.is_some() {
            return Ok(());
        }
        while slot.state.load(Ordering::Acquire) == PENDING {
            let poll = match slot.submission.clone() {
                Some(s) => wgpu::PollType::Wait {
                    submission_index: Some(s),
                    timeout: None,
                },
                None => wgpu::PollType::wait_indefinitely(),
            };
            if let Err(e) = gpu.device.poll(poll) {
                // A failed submission shows up here; its validation error says why.
                gpu.check()?;
                return Err(Error::Gpu(format!("waiting for readback: {e}")));
            }
        }
        slot.submission = None;
        if slot.state.load(Ordering::Acquire) != MAPPED {
            slot.state.store(IDLE, Ordering::Release);
            gpu.check()?;
            return Err(Error::Gpu("mapping a readback buffer failed".into()));
        }
        let view = slot
            .buffer
            .get_mapped_range(..)
            .map_err(|e| Error::Gpu(format!("reading a readback buffer: {e}")))?;
        slot.view = Some(view);
        Ok(())
    }

    /// The bytes of a slot that [`Readback::wait`] has mapped.
    ///
    /// # Panics
    /// If the slot is not mapped: a programmer bug.
    pub fn bytes_of(&self, ticket: ReadbackTicket) -> &[u8] {
        self.slots[ticket.0]
            .view
            .as_deref()
            .expect("readback slot read before wait")
    }
}
