//! The GPU layer: the only module that creates wgpu objects.
//!
//! - [`Gpu`] picks an adapter (hardware first, then lavapipe, then GL), opens a device and
//!   records wgpu errors so that they surface as [`Error::Gpu`] instead of aborting.
//! - [`GpuBuffer`] is a typed storage or uniform buffer.
//! - [`Kernel`] is a compute pipeline built from a binding table; [`BoundKernel`] pairs it
//!   with a bind group created once per buffer set.
//! - [`shader`] composes WGSL from `shaders/` with `#import` and a generated constants prelude.
//! - [`Readback`] is a ring of staging buffers so that the next step's compute can be
//!   queued while this step's results are still being copied out.

mod buffer;
#[cfg(all(feature = "external-memory", unix))]
pub mod external;
mod kernel;
pub mod raster;
mod readback;
pub mod shader;

pub use buffer::GpuBuffer;
pub use kernel::{Binding, BoundKernel, Kernel, Resource};
pub use readback::{Readback, ReadbackTicket};

use crate::Error;
use std::sync::{Arc, Mutex};

/// The adapter in use, as printed by every benchmark.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdapterSummary {
    /// The adapter's name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// The backend, e.g. `vulkan`.
    pub backend: String,
    /// The device type: `discrete`, `integrated`, `virtual`, `cpu` or `other`.
    pub device_type: String,
    /// The driver and its version, where the backend reports them.
    pub driver: String,
}

impl std::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {}", self.name, self.backend, self.device_type)?;
        if !self.driver.is_empty() {
            write!(f, ", {}", self.driver)?;
        }
        write!(f, ")")
    }
}

/// Which adapters the search may return, from `MANYWORLDS_BACKEND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// Hardware first, then software Vulkan, then GL (the default).
    Auto,
    /// Only adapters of these wgpu backends.
    Backends(wgpu::Backends),
    /// Only CPU adapters (lavapipe on Vulkan, llvmpipe on GL).
    Software,
}

impl BackendChoice {
    /// Reads `MANYWORLDS_BACKEND`, falling back to wgpu's own `WGPU_BACKEND`.
    pub fn from_env() -> Result<BackendChoice, Error> {
        if let Ok(v) = std::env::var("MANYWORLDS_BACKEND") {
            return BackendChoice::parse(&v).ok_or(Error::BadEnvVar {
                name: "MANYWORLDS_BACKEND",
                value: v,
                allowed: "auto, software, or a comma list of vulkan, metal, dx12, gl",
            });
        }
        Ok(match wgpu::Backends::from_env() {
            Some(b) if !b.is_empty() => BackendChoice::Backends(b),
            _ => BackendChoice::Auto,
        })
    }

    /// Parses `auto`, `software`, or a comma list of backend names.
    pub fn parse(s: &str) -> Option<BackendChoice> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "" | "auto" => return Some(BackendChoice::Auto),
            "software" | "cpu" | "lavapipe" => return Some(BackendChoice::Software),
            _ => {}
        }
        let mut b = wgpu::Backends::empty();
        for part in s.split(',') {
            b |= match part.trim() {
                "vulkan" | "vk" => wgpu::Backends::VULKAN,
                "metal" | "mtl" => wgpu::Backends::METAL,
                "dx12" | "d3d12" => wgpu::Backends::DX12,
                "gl" | "gles" | "opengl" => wgpu::Backends::GL,
                _ => return None,
            };
        }
        Some(BackendChoice::Backends(b))
    }

    fn backends(self) -> wgpu::Backends {
        match self {
            BackendChoice::Auto | BackendChoice::Software => {
                wgpu::Backends::VULKAN
                    | wgpu::Backends::METAL
                    | wgpu::Backends::DX12
                    | wgpu::Backends::GL
            }
            BackendChoice::Backends(b) => b,
        }
    }
}

/// An open GPU device and its queue, plus the facts about the adapter.
#[derive(Clone)]
pub struct Gpu {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    adapter: AdapterSummary,
    limits: wgpu::Limits,
    features: wgpu::Features,
    downlevel: wgpu::DownlevelFlags,
    errors: Arc<Mutex<Vec<String>>>,
    /// Compute pipelines already built on this device ([`kernel::Kernel::new`]).
    kernels: Arc<Mutex<kernel::KernelCache>>,
}

/// Ranks an adapter: lower is better. Hardware on a native API first, then a CPU Vulkan
/// adapter (lavapipe), then anything on GL.
fn rank(info: &wgpu::AdapterInfo) -> u32 {
    use wgpu::DeviceType as T;
    let gl = info.backend == wgpu::Backend::Gl;
    let kind = match info.device_type {
        T::DiscreteGpu => 0,
        T::IntegratedGpu => 1,
        T::VirtualGpu => 2,
        T::Other => 3,
        T::Cpu => 10,
    };
    if gl {
        20 + kind
    } else {
        kind
    }
}

fn device_type_name(t: wgpu::DeviceType) -> &'static str {
    match t {
        wgpu::DeviceType::DiscreteGpu => "discrete",
        wgpu::DeviceType::IntegratedGpu => "integrated",
        wgpu::DeviceType::VirtualGpu => "virtual",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    }
}

impl Gpu {
    /// Opens the best adapter, honouring `MANYWORLDS_BACKEND`, `WGPU_BACKEND` and
    /// `WGPU_ADAPTER_NAME`.
    pub fn new() -> Result<Gpu, Error> {
        Gpu::with_choice(BackendChoice::from_env()?)
    }

    /// Opens the best adapter among those `choice` allows (`WGPU_ADAPTER_NAME` still applies).
    pub fn with_choice(choice: BackendChoice) -> Result<Gpu, Error> {
        // Mesa warns on every start when XDG_RUNTIME_DIR is unset; the warning is harmless.
        let backends = choice.backends();
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends,
            flags: wgpu::InstanceFlags::from_build_config().with_env(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let adapters = pollster::block_on(instance.enumerate_adapters(backends));
        let name_filter = std::env::var("WGPU_ADAPTER_NAME")
            .ok()
            .map(|s| s.to_ascii_lowercase());
        let mut excluded = Vec::new();
        let mut best: Option<(u32, wgpu::Adapter)> = None;
        for adapter in adapters {
            let info = adapter.get_info();
            let label = format!("{} ({:?})", info.name, info.backend);
            let name_ok = name_filter
                .as_ref()
                .is_none_or(|f| info.name.to_ascii_lowercase().contains(f));
            let kind_ok =
                choice != BackendChoice::Software || info.device_type == wgpu::DeviceType::Cpu;
            if !(name_ok && kind_ok) {
                excluded.push(label);
                continue;
            }
            let r = rank(&info);
            if best.as_ref().is_none_or(|(b, _)| r < *b) {
                best = Some((r, adapter));
            }
        }
        let Some((_, adapter)) = best else {
            return Err(Error::NoAdapter {
                tried: format!("{backends:?}"),
                found: excluded,
            });
        };
        let info = adapter.get_info();
        let limits = adapter.limits();
        // The renderer crops each view to its atlas tile with clip distances; ask for them
        // wherever the adapter has them (Vulkan, Metal, DX12 and GL do).
        let features = adapter.features() & wgpu::Features::CLIP_DISTANCES;
        let downlevel = adapter.get_downlevel_capabilities().flags;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("gpu.device"),
            required_features: features,
            // Take every limit the adapter offers: big batches need big bindings.
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| Error::RequestDevice(e.to_string()))?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.to_string());
        }));
        let lost = errors.clone();
        device.set_device_lost_callback(move |reason, msg| {
            lost.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("device lost ({reason:?}): {msg}"));
        });
        Ok(Gpu {
            device,
            queue,
            kernels: Arc::default(),
            adapter: AdapterSummary {
                name: info.name.clone(),
                backend: info.backend.to_str().to_string(),
                device_type: device_type_name(info.device_type).to_string(),
                driver: [info.driver.as_str(), info.driver_info.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
            },
            limits,
            features,
            downlevel,
            errors,
        })
    }

    /// What the adapter can do below full WebGPU (the GL backend lacks some of it).
    pub fn downlevel(&self) -> wgpu::DownlevelFlags {
        self.downlevel
    }

    /// The optional features the device was opened with.
    pub fn features(&self) -> wgpu::Features {
        self.features
    }

    /// The adapter in use.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// The device limits (equal to the adapter's).
    pub fn limits(&self) -> &wgpu::Limits {
        &self.limits
    }

    /// The wgpu device, for embedders who build their own passes on our buffers.
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The wgpu queue.
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// Returns the first wgpu error recorded since the last call, as [`Error::Gpu`], with a
    /// count of the others (which are dropped).
    pub fn check(&self) -> Result<(), Error> {
        let mut errs = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errs.is_empty() {
            return Ok(());
        }
        let all = std::mem::take(&mut *errs);
        let more = match all.len() {
            1 => String::new(),
            n => format!(" (and {} more errors)", n - 1),
        };
        Err(Error::Gpu(format!("{}{more}", all[0])))
    }

    /// Blocks until all submitted work is done.
    pub fn wait_idle(&self) -> Result<(), Error> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(e.to_string()))?;
        self.check()
    }

    /// Starts a command encoder labelled `label`.
    pub fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Submits one command buffer and returns its index.
    pub fn submit(&self, encoder: wgpu::CommandEncoder) -> wgpu::SubmissionIndex {
        self.queue.submit(std::iter::once(encoder.finish()))
    }
}
