//! Typed GPU buffers.

use super::Gpu;
use crate::Error;
use bytemuck::Pod;
use std::marker::PhantomData;

/// A GPU buffer holding `len` values of `T`.
///
/// The type parameter keeps byte sizes out of calling code: lengths are in elements.
/// Cloning shares the same GPU buffer.
#[derive(Clone)]
pub struct GpuBuffer<T: Pod> {
    buffer: wgpu::Buffer,
    len: usize,
    _t: PhantomData<T>,
}

/// The usages of every storage buffer: bound to kernels, copied out (read-back) and in.
pub(crate) const STORAGE_USAGES: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

impl<T: Pod> GpuBuffer<T> {
    /// A storage buffer of `len` elements, zero-initialised, usable as a copy source and
    /// destination. `len` of 0 allocates one element so that the binding stays valid.
    pub fn storage(gpu: &Gpu, label: &str, len: usize) -> Result<GpuBuffer<T>, Error> {
        let bytes = (len.max(1) * std::mem::size_of::<T>()) as u64;
        let max = gpu.limits().max_storage_buffer_binding_size;
        if bytes > max {
            return Err(Error::Capacity {
                limit: "bytes per storage binding".into(),
                max,
                attempted: bytes,
            });
        }
        let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: STORAGE_USAGES,
            mapped_at_creation: false,
        });
        Ok(GpuBuffer {
            buffer,
            len,
            _t: PhantomData,
        })
    }

    /// A vertex buffer holding `data` (for the renderer's meshes and draw instances).
    pub fn vertex(gpu: &Gpu, label: &str, data: &[T]) -> GpuBuffer<T> {
        Self::with_data(gpu, label, data, wgpu::BufferUsages::VERTEX)
    }

    /// An index buffer holding `data` (`T` is `u32`).
    pub fn index(gpu: &Gpu, label: &str, data: &[T]) -> GpuBuffer<T> {
        Self::with_data(gpu, label, data, wgpu::BufferUsages::INDEX)
    }

    fn with_data(gpu: &Gpu, label: &str, data: &[T], usage: wgpu::BufferUsages) -> GpuBuffer<T> {
        let bytes = (data.len().max(1) * std::mem::size_of::<T>()) as u64;
        let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT),
            usage: usage | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        if !data.is_empty() {
            gpu.queue
                .write_buffer(&buffer, 0, bytemuck::cast_slice(data));
        }
        GpuBuffer {
            buffer,
            len: data.len(),
            _t: PhantomData,
        }
    }

    /// A buffer of parameters holding one `T`, bindable as a uniform or as a read-only
    /// storage buffer (the scene kernel reads its parameters from storage: see
    /// `shaders/scene.wgsl`).
    pub fn uniform(gpu: &Gpu, label: &str, value: &T) -> GpuBuffer<T> {
        let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: std::mem::size_of::<T>() as u64,
            usage: wgpu::BufferUsages::UNIFORM
                | wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        gpu.queue
            .write_buffer(&buffer, 0, bytemuck::bytes_of(value));
        GpuBuffer {
            buffer,
            len: 1,
            _t: PhantomData,
        }
    }

    /// Queues a write of `data` starting at element `first`. It lands before the next submit.
    ///
    /// # Panics
    /// If the write would run past the end: that is a programmer bug.
    pub fn write(&self, gpu: &Gpu, first: usize, data: &[T]) {
        assert!(
            first + data.len() <= self.len.max(1),
            "write of {} elements at {first} past the end of a buffer of {}",
            data.len(),
            self.len
        );
        if data.is_empty() {
            return;
        }
        let offset = (first * std::mem::size_of::<T>()) as u64;
        gpu.queue
            .write_buffer(&self.buffer, offset, bytemuck::cast_slice(data));
    }

    /// Queues a write of a repeated 32-bit pattern over the whole buffer (used to poison
    /// outputs in tests: a kernel that forgets an element leaves the pattern visible).
    pub fn fill_u32(&self, gpu: &Gpu, pattern: u32) {
        let words = self.bytes() as usize / 4;
        gpu.queue
            .write_buffer(&self.buffer, 0, bytemuck::cast_slice(&vec![pattern; words]));
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size in bytes (at least one element).
    pub fn bytes(&self) -> u64 {
        self.buffer.size()
    }

    /// The raw wgpu buffer, for embedders.
    pub fn raw(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Copies the whole buffer to the host, waiting for the GPU (for inspection and
    /// records, not per-step data: that travels in the pipelined readback).
    pub fn read(&self, gpu: &Gpu) -> Result<Vec<T>, Error> {
        let bytes = self.bytes();
        let mut rb = super::readback::Readback::new(gpu, "buffer.read", bytes, 1);
        let (ticket, staging) = rb.claim();
        let mut enc = gpu.encoder("buffer.read");
        enc.copy_buffer_to_buffer(&self.buffer, 0, staging, 0, bytes);
        let index = gpu.submit(enc);
        rb.start_map(ticket, index);
        rb.wait(gpu, ticket)?;
        let mut v: Vec<T> = bytemuck::pod_collect_to_vec(rb.bytes_of(ticket));
        v.truncate(self.len);
        Ok(v)
    }
}
