//! Compute kernels built from a binding table, and bind groups created once.

use super::Gpu;
use crate::Error;

/// One entry of a kernel's binding table, in `@binding` order inside `@group(0)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// `var<uniform>`.
    Uniform,
    /// `var<storage, read>`.
    StorageRead,
    /// `var<storage, read_write>`.
    Storage,
}

/// A compute pipeline plus the layout its binding table describes.
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
        super::shader::validate(label, source)?;
        let entries: Vec<wgpu::BindGroupLayoutEntry> = bindings
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupLayoutEntry {
                binding: i as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
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
                },
                count: None,
            })
            .collect();
        let d = &gpu.device;
        let layout = d.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(label),
            entries: &entries,
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
        let pipeline = d.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
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
        assert_eq!(
            buffers.len(),
            self.bindings.len(),
            "kernel {} has {} bindings, {} buffers given",
            self.label,
            self.bindings.len(),
            buffers.len()
        );
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(&self.label),
            layout: &self.layout,
            entries: &entries,
        });
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
}
