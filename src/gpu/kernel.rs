//! Compute kernels built from a binding table, and bind groups created once.

use super::Gpu;
use crate::Error;

/// One entry of a kernel's binding table, in `@binding` order inside `@group(0)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binding {
    /// `var<uniform>`.
    Uniform,
    /// `var<storage, read>`.
    StorageRead,
    /// `var<storage, read_write>`.
    Storage,
    /// `texture_2d<f32>` (a colour target read by a compute pass).
    TextureFloat,
    /// `texture_2d<u32>`.
    TextureUint,
}

/// One resource of a bind group, in binding-table order.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A whole buffer.
    Buffer(&'a wgpu::Buffer),
    /// A texture view.
    Texture(&'a wgpu::TextureView),
}

/// Bind group layout entries for a binding table, visible to `visibility`.
pub(crate) fn layout_entries(
    bindings: &[Binding],
    visibility: wgpu::ShaderStages,
) -> Vec<wgpu::BindGroupLayoutEntry> {
    let texture = |sample_type| wgpu::BindingType::Texture {
        sample_type,
        view_dimension: wgpu::TextureViewDimension::D2,
        multisampled: false,
    };
    bindings
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupLayoutEntry {
            binding: i as u32,
            visibility,
            ty: match b {
                Binding::Uniform => wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                Binding::StorageRead | Binding::Storage => wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage {
                        read_only: *b == Binding::StorageRead,
                    },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                Binding::TextureFloat => {
                    texture(wgpu::TextureSampleType::Float { filterable: false })
                }
                Binding::TextureUint => texture(wgpu::TextureSampleType::Uint),
            },
            count: None,
        })
        .collect()
}

/// The bind group layout of a binding table, the pipeline layout around it, and the shader
/// module of `source`: what every compute and render pipeline starts from.
pub(crate) fn layout_and_module(
    gpu: &Gpu,
    label: &str,
    source: &str,
    bindings: &[Binding],
    visibility: wgpu::ShaderStages,
) -> (
    wgpu::BindGroupLayout,
    wgpu::PipelineLayout,
    wgpu::ShaderModule,
) {
    let d = &gpu.device;
    let layout = d.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &layout_entries(bindings, visibility),
    });
    let pipeline_layout = d.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let module = d.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    (layout, pipeline_layout, module)
}

/// Creates a bind group of `resources` for `layout`.
pub(crate) fn bind_group(
    gpu: &Gpu,
    label: &str,
    layout: &wgpu::BindGroupLayout,
    resources: &[Resource<'_>],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: match r {
                Resource::Buffer(b) => b.as_entire_binding(),
                Resource::Texture(t) => wgpu::BindingResource::TextureView(t),
            },
        })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &entries,
    })
}

/// What identifies a compute pipeline: label, composed source, entry point, binding table.
type KernelKey = (String, String, String, Vec<Binding>);

/// The compute pipelines built on one device, by [`KernelKey`]. Every env builds its
/// kernels, and many envs share a source (every scene on the generic kernel, every
/// cartpole env): one pipeline each means one driver compile each. lavapipe compiles a
/// pipeline at its first dispatch, minutes for the scene kernel, and separate pipelines of
/// the same source built by concurrent envs were compiled concurrently, once each.
pub(crate) type KernelCache = std::collections::HashMap<KernelKey, Kernel>;

/// A compute pipeline plus the layout its binding table describes.
#[derive(Clone)]
pub struct Kernel {
    label: String,
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    bindings: Vec<Binding>,
}

impl Kernel {
    /// Builds `entry` of the composed WGSL `source`. `label` follows `"module.stage"`.
    ///
    /// The source is validated with naga first, so that a bad shader is an [`Error::Shader`]
    /// rather than a wgpu panic.
    pub fn new(
        gpu: &Gpu,
        label: &str,
        source: &str,
        entry: &str,
        bindings: &[Binding],
    ) -> Result<Kernel, Error> {
        let key: KernelKey = (
            label.to_string(),
            source.to_string(),
            entry.to_string(),
            bindings.to_vec(),
        );
        let mut cache = gpu.kernels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = cache.get(&key) {
            return Ok(k.clone());
        }
        let k = Kernel::build(gpu, label, source, entry, bindings)?;
        cache.insert(key, k.clone());
        Ok(k)
    }

    /// [`Kernel::new`] without the cache.
    fn build(
        gpu: &Gpu,
        label: &str,
        source: &str,
        entry: &str,
        bindings: &[Binding],
    ) -> Result<Kernel, Error> {
        super::shader::validate(label, source)?;
        let (layout, pipeline_layout, module) =
            layout_and_module(gpu, label, source, bindings, wgpu::ShaderStages::COMPUTE);
        let pipeline = gpu
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            });
        gpu.check()?;
        Ok(Kernel {
            label: label.to_string(),
            pipeline,
            layout,
            bindings: bindings.to_vec(),
        })
    }

    /// Creates the bind group for one buffer set, in binding-table order. Do this once per
    /// buffer set, never per dispatch.
    ///
    /// # Panics
    /// If the number of buffers differs from the binding table: a programmer bug.
    pub fn bind(&self, gpu: &Gpu, buffers: &[&wgpu::Buffer]) -> BoundKernel {
        let resources: Vec<Resource> = buffers.iter().map(|b| Resource::Buffer(b)).collect();
        self.bind_resources(gpu, &resources)
    }

    /// [`Kernel::bind`] with textures among the resources.
    ///
    /// # Panics
    /// If the number of resources differs from the binding table: a programmer bug.
    pub fn bind_resources(&self, gpu: &Gpu, resources: &[Resource<'_>]) -> BoundKernel {
        assert_eq!(
            resources.len(),
            self.bindings.len(),
            "kernel {} has {} bindings, {} resources given",
            self.label,
            self.bindings.len(),
            resources.len()
        );
        let bind_group = bind_group(gpu, &self.label, &self.layout, resources);
        BoundKernel {
            label: self.label.clone(),
            pipeline: self.pipeline.clone(),
            bind_group,
        }
    }
}

/// A kernel with its bind group: ready to dispatch.
pub struct BoundKernel {
    label: String,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
}

impl BoundKernel {
    /// Records one dispatch of `groups` workgroups along x into `encoder`.
    pub fn dispatch(&self, encoder: &mut wgpu::CommandEncoder, groups: u32) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(&self.label),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(groups, 1, 1);
    }

    /// Records one dispatch of `x` × `y` workgroups into `encoder`.
    pub fn dispatch_2d(&self, encoder: &mut wgpu::CommandEncoder, x: u32, y: u32) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(&self.label),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}
