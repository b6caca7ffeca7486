//! Pipelined readback: a ring of staging buffers.
//!
//! Each submission copies its outputs into the next free slot and starts mapping it right
//! away. While the host reads slot *t*, the GPU can already be running the work that fills
//! slot *t + 1*. With one slot this degenerates to a blocking readback; two is the default.

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
}

/// A ring of `MAP_READ` staging buffers, each `bytes` long.
pub struct Readback {
    slots: Vec<Slot>,
    next: usize,
    bytes: u64,
}

/// Names the slot one submission copies into; redeem it with [`Readback::read`].
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
            })
            .collect();
        Readback { slots, next: 0, bytes }
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Size of one slot in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Claims the next slot, waiting for it if an earlier read of it is still outstanding,
    /// and returns it with the buffer to copy into.
    pub fn claim(&mut self, gpu: &Gpu) -> Result<(ReadbackTicket, &wgpu::Buffer), Error> {
        let i = self.next;
        self.next = (self.next + 1) % self.slots.len();
        if self.slots[i].state.load(Ordering::Acquire) != IDLE {
            // The caller never redeemed this slot's previous ticket: drain it.
            self.read(gpu, ReadbackTicket(i), |_| ())?;
        }
        Ok((ReadbackTicket(i), &self.slots[i].buffer))
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

    /// Waits for the slot, hands its bytes to `f`, unmaps it and frees the slot.
    pub fn read<R>(
        &mut self,
        gpu: &Gpu,
        ticket: ReadbackTicket,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, Error> {
        let slot = &mut self.slots[ticket.0];
        while slot.state.load(Ordering::Acquire) == PENDING {
            let poll = match slot.submission.clone() {
                Some(s) => wgpu::PollType::Wait { submission_index: Some(s), timeout: None },
                None => wgpu::PollType::wait_indefinitely(),
            };
            gpu.device
                .poll(poll)
                .map_err(|e| Error::Gpu(format!("waiting for readback: {e}")))?;
        }
        slot.submission = None;
        let state = slot.state.swap(IDLE, Ordering::AcqRel);
        if state != MAPPED {
            gpu.check()?;
            return Err(Error::Gpu("mapping a readback buffer failed".into()));
        }
        let out = {
            let view = slot
                .buffer
                .get_mapped_range(..)
                .map_err(|e| Error::Gpu(format!("reading a readback buffer: {e}")))?;
            f(&view)
        };
        slot.buffer.unmap();
        Ok(out)
    }
}
