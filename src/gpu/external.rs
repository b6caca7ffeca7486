//! Vulkan external memory: storage buffers whose memory another API (CUDA) imports and
//! reads where it is, without a copy through the host.
//!
//! wgpu has no API to export a buffer, so [`ExportableBuffer::new`] creates the Vulkan buffer
//! and its memory itself (through wgpu's raw Vulkan handles), with one dedicated allocation
//! declared exportable as an opaque POSIX file descriptor, and hands it to wgpu, which then
//! owns both and frees them when the last wgpu reference goes. wgpu-hal enables
//! `VK_KHR_external_memory_fd` on every device whose driver has it (wgpu 30), so the device
//! need not be opened differently.
//!
//! Synchronisation is the host's: an importer may read the memory after the host has waited
//! for the submission that wrote it (as `VecEnv::step_wait` does) and until the next
//! submission that writes it.

use super::buffer::STORAGE_USAGES;
use super::Gpu;
use crate::Error;
use ash::vk;
use std::os::fd::{FromRawFd, OwnedFd};
use wgpu::hal::api::Vulkan;

const HANDLE: vk::ExternalMemoryHandleTypeFlags = vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD;

/// A storage buffer (`STORAGE | COPY_SRC | COPY_DST`) whose memory can be exported.
pub struct ExportableBuffer {
    buffer: wgpu::Buffer,
    memory: vk::DeviceMemory,
    allocation_size: u64,
    fd_loader: ash::khr::external_memory_fd::Device,
    device_uuid: [u8; 16],
}

/// One export of an [`ExportableBuffer`]'s memory, as CUDA's `cuImportExternalMemory` and
/// Vulkan's `VkImportMemoryFdInfoKHR` take it.
#[derive(Debug)]
pub struct ExportedMemory {
    /// An opaque file descriptor of the memory (`CU_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD`);
    /// a successful import takes its ownership.
    pub fd: OwnedFd,
    /// Bytes of the allocation, which the importer must be told (it may exceed `bytes`).
    pub allocation_size: u64,
    /// Bytes of the buffer, from offset 0 of the allocation.
    pub bytes: u64,
    /// Always true: the memory is a dedicated allocation
    /// (`CUDA_EXTERNAL_MEMORY_DEDICATED`).
    pub dedicated: bool,
    /// The exporting device's `VkPhysicalDeviceIDProperties::deviceUUID`, which CUDA's
    /// `cuDeviceGetUuid` reports for the same GPU: how an importer finds its device.
    pub device_uuid: [u8; 16],
}

fn vk_err(what: &str) -> impl Fn(vk::Result) -> Error + '_ {
    move |e| Error::Gpu(format!("external memory: {what}: {e}"))
}

impl ExportableBuffer {
    /// A zero-filled exportable buffer of `bytes` (rounded up to 4), labelled `label`.
    ///
    /// The adapter must be Vulkan with `VK_KHR_external_memory_fd` (wgpu's
    /// `Features::VULKAN_EXTERNAL_MEMORY_FD`); elsewhere this is an
    /// [`Error::InvalidArgument`] naming the adapter.
    pub fn new(gpu: &Gpu, label: &str, bytes: u64) -> Result<ExportableBuffer, Error> {
        let bytes = bytes.max(4).next_multiple_of(4);
        let unsupported = || Error::InvalidArgument {
            field: "device".into(),
            value: gpu.adapter().to_string(),
            allowed: "a Vulkan adapter with VK_KHR_external_memory_fd".into(),
        };
        if gpu.adapter().backend != "vulkan" {
            return Err(unsupported());
        }
        // SAFETY: the raw handles are used only while `hal` lives, on objects this function
        // creates; the buffer and memory go to wgpu (`from_raw_managed`), which frees them.
        let (hal_buffer, memory, allocation_size, fd_loader, device_uuid) = unsafe {
            let hal = gpu.device.as_hal::<Vulkan>().ok_or_else(unsupported)?;
            let exts = hal.enabled_device_extensions();
            if !exts.contains(&ash::khr::external_memory_fd::NAME) {
                return Err(unsupported());
            }
            let device = hal.raw_device();
            let instance = hal.shared_instance().raw_instance();
            let physical = hal.raw_physical_device();
            let mut ext_info = vk::ExternalMemoryBufferCreateInfo::default().handle_types(HANDLE);
            let info = vk::BufferCreateInfo::default()
                .size(bytes)
                .usage(
                    vk::BufferUsageFlags::STORAGE_BUFFER
                        | vk::BufferUsageFlags::TRANSFER_SRC
                        | vk::BufferUsageFlags::TRANSFER_DST,
                )
                .sharing_mode(vk::SharingMode::EXCLUSIVE)
                .push_next(&mut ext_info);
            let buffer = device
                .create_buffer(&info, None)
                .map_err(vk_err("vkCreateBuffer"))?;
            let req = device.get_buffer_memory_requirements(buffer);
            let local = vk::MemoryPropertyFlags::DEVICE_LOCAL;
            let Some(type_index) = memory_type(instance, physical, &req, local) else {
                device.destroy_buffer(buffer, None);
                return Err(Error::Gpu(
                    "external memory: no device-local memory type for the buffer".into(),
                ));
            };
            let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(HANDLE);
            let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(buffer);
            let alloc = vk::MemoryAllocateInfo::default()
                .allocation_size(req.size)
                .memory_type_index(type_index)
                .push_next(&mut export)
                .push_next(&mut dedicated);
            let memory = match device.allocate_memory(&alloc, None) {
                Ok(m) => m,
                Err(e) => {
                    device.destroy_buffer(buffer, None);
                    return Err(Error::Capacity {
                        limit: format!("exportable GPU memory ({e})"),
                        max: 0,
                        attempted: req.size,
                    });
                }
            };
            if let Err(e) = device.bind_buffer_memory(buffer, memory, 0) {
                device.destroy_buffer(buffer, None);
                device.free_memory(memory, None);
                return Err(vk_err("vkBindBufferMemory")(e));
            }
            let mut id = vk::PhysicalDeviceIDProperties::default();
            let mut props2 = vk::PhysicalDeviceProperties2::default().push_next(&mut id);
            instance.get_physical_device_properties2(physical, &mut props2);
            let uuid = id.device_uuid;
            let fd_loader = ash::khr::external_memory_fd::Device::new(instance, device);
            let hal_buffer =
                wgpu::hal::vulkan::Buffer::from_raw_managed(buffer, memory, 0, req.size);
            (hal_buffer, memory, req.size, fd_loader, uuid)
        };
        // SAFETY: the buffer was created on this device with the usages below, its memory is
        // bound, and it is not empty.
        let buffer = unsafe {
            gpu.device.create_buffer_from_hal::<Vulkan>(
                hal_buffer,
                &wgpu::BufferDescriptor {
                    label: Some(label),
                    size: bytes,
                    usage: STORAGE_USAGES,
                    mapped_at_creation: false,
                },
            )
        };
        // Fresh Vulkan memory holds whatever was there before: zero it, as wgpu does.
        let mut enc = gpu.encoder("gpu.export_clear");
        enc.clear_buffer(&buffer, 0, None);
        gpu.submit(enc);
        gpu.check()?;
        Ok(ExportableBuffer {
            buffer,
            memory,
            allocation_size,
            fd_loader,
            device_uuid,
        })
    }

    /// The wgpu buffer, to bind or copy into.
    pub fn raw(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Bytes of the buffer.
    pub fn bytes(&self) -> u64 {
        self.buffer.size()
    }

    /// A new file descriptor of the memory. Each call exports again; the memory lives
    /// while this buffer does (the importer must release its mapping first).
    pub fn export(&self) -> Result<ExportedMemory, Error> {
        let info = vk::MemoryGetFdInfoKHR::default()
            .memory(self.memory)
            .handle_type(HANDLE);
        // SAFETY: `memory` is alive (wgpu frees it only with `buffer`, which `self` holds)
        // and was allocated exportable as `HANDLE`.
        let fd =
            unsafe { self.fd_loader.get_memory_fd(&info) }.map_err(vk_err("vkGetMemoryFdKHR"))?;
        // SAFETY: vkGetMemoryFdKHR returns a new descriptor that the caller owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(ExportedMemory {
            fd,
            allocation_size: self.allocation_size,
            bytes: self.bytes(),
            dedicated: true,
            device_uuid: self.device_uuid,
        })
    }
}

/// Reads exported memory back through a second Vulkan device on the same adapter, as
/// another API would import it: a check of the export path that needs no CUDA. It
/// needs a host-visible memory type for the import (lavapipe and integrated GPUs have
/// one; discrete GPUs may not, and then this is an error).
pub fn read_through_import(gpu: &Gpu, mem: ExportedMemory) -> Result<Vec<u8>, Error> {
    // SAFETY: the second device and everything made on it are destroyed before return;
    // the imported descriptor is consumed by a successful vkAllocateMemory.
    unsafe {
        let hal = gpu
            .device
            .as_hal::<Vulkan>()
            .ok_or_else(|| Error::Gpu("external memory: the adapter is not Vulkan".into()))?;
        let instance = hal.shared_instance().raw_instance();
        let physical = hal.raw_physical_device();
        let family = hal.queue_family_index();
        let priorities = [1.0];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(family)
            .queue_priorities(&priorities)];
        let names = [ash::khr::external_memory_fd::NAME.as_ptr()];
        let info = vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_extension_names(&names);
        let d2 = instance
            .create_device(physical, &info, None)
            .map_err(vk_err("vkCreateDevice (importer)"))?;
        let result = import_and_map(instance, physical, &d2, mem);
        d2.destroy_device(None);
        result
    }
}

/// The first memory type that `req` allows and that has every flag of `flags`.
fn memory_type(
    instance: &ash::Instance,
    physical: vk::PhysicalDevice,
    req: &vk::MemoryRequirements,
    flags: vk::MemoryPropertyFlags,
) -> Option<u32> {
    // SAFETY: a query on a live physical device of this instance.
    let props = unsafe { instance.get_physical_device_memory_properties(physical) };
    (0..props.memory_type_count).find(|&i| {
        req.memory_type_bits & (1 << i) != 0
            && props.memory_types[i as usize]
                .property_flags
                .contains(flags)
    })
}

/// Imports `mem` on `device`, maps it and copies its bytes out.
///
/// # Safety
/// `device` was created on `physical` with `VK_KHR_external_memory_fd`.
unsafe fn import_and_map(
    instance: &ash::Instance,
    physical: vk::PhysicalDevice,
    device: &ash::Device,
    mem: ExportedMemory,
) -> Result<Vec<u8>, Error> {
    let mut ext_info = vk::ExternalMemoryBufferCreateInfo::default().handle_types(HANDLE);
    let info = vk::BufferCreateInfo::default()
        .size(mem.bytes)
        .usage(vk::BufferUsageFlags::TRANSFER_SRC)
        .push_next(&mut ext_info);
    let buffer = device
        .create_buffer(&info, None)
        .map_err(vk_err("vkCreateBuffer (importer)"))?;
    let req = device.get_buffer_memory_requirements(buffer);
    let visible = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
    let Some(type_index) = memory_type(instance, physical, &req, visible) else {
        device.destroy_buffer(buffer, None);
        return Err(Error::Gpu(
            "external memory: no host-visible memory type to import into".into(),
        ));
    };
    let fd = std::os::fd::IntoRawFd::into_raw_fd(mem.fd);
    let mut import = vk::ImportMemoryFdInfoKHR::default()
        .handle_type(HANDLE)
        .fd(fd);
    let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(buffer);
    let alloc = vk::MemoryAllocateInfo::default()
        .allocation_size(mem.allocation_size)
        .memory_type_index(type_index)
        .push_next(&mut import)
        .push_next(&mut dedicated);
    let memory = match device.allocate_memory(&alloc, None) {
        Ok(m) => m,
        Err(e) => {
            // A failed import leaves the descriptor with us.
            drop(OwnedFd::from_raw_fd(fd));
            device.destroy_buffer(buffer, None);
            return Err(vk_err("vkAllocateMemory (import)")(e));
        }
    };
    let out = (|| {
        device
            .bind_buffer_memory(buffer, memory, 0)
            .map_err(vk_err("vkBindBufferMemory (importer)"))?;
        let ptr = device
            .map_memory(memory, 0, mem.bytes, vk::MemoryMapFlags::empty())
            .map_err(vk_err("vkMapMemory (importer)"))?;
        let bytes = std::slice::from_raw_parts(ptr as *const u8, mem.bytes as usize).to_vec();
        device.unmap_memory(memory);
        Ok(bytes)
    })();
    device.destroy_buffer(buffer, None);
    device.free_memory(memory, None);
    out
}

impl std::fmt::Debug for ExportableBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportableBuffer")
            .field("bytes", &self.bytes())
            .field("allocation_size", &self.allocation_size)
            .finish()
    }
}
