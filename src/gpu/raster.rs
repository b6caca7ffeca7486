//! Render pipelines and render targets: the raster half of the renderer.
//!
//! [`RasterPipeline`] is a render pipeline built from a binding table (as [`super::Kernel`]
//! is for compute), with the renderer's fixed vertex layout: buffer 0 holds mesh vertices
//! ([`MeshVertex`]), buffer 1 one [`DrawInstance`] per instance. [`AtlasPage`] holds the
//! targets of one atlas page. [`record_pass`] records one pass over a page.

use super::kernel::{bind_group, layout_and_module, Binding, Resource};
use super::Gpu;
use crate::layout::render::{DrawInstance, MeshVertex};
use crate::Error;

/// Colour target format: linear RGBA, 8 bits per channel.
pub const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Segmentation target format.
pub const SEG_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Uint;
/// Depth target format: 32-bit float, so linear depth recovered from it is good to about
/// 1e-6 relative at the default near plane.
pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Which colour targets a pipeline writes, at consecutive locations in this order (the
/// depth buffer for the depth test is always there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// An RGBA8 colour target.
    pub color: bool,
    /// An R32Uint segmentation target.
    pub seg: bool,
}

impl Targets {
    fn formats(self) -> Vec<Option<wgpu::ColorTargetState>> {
        [(self.color, COLOR_FORMAT), (self.seg, SEG_FORMAT)]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| Some((*f).into()))
            .collect()
    }
}

/// A render pipeline with its bind group layout.
pub struct RasterPipeline {
    label: String,
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    bindings: Vec<Binding>,
}

impl RasterPipeline {
    /// Builds the pipeline of composed WGSL `source`: vertex entry `vs`, fragment entry
    /// `fs` (none for a depth-only pass), writing `targets`, with values for the shader's
    /// `override` constants. Back faces (clockwise in NDC) are culled; depth test `Less`
    /// with writes.
    #[allow(clippy::too_many_arguments)] // reason: a pipeline's independent settings
    pub fn new(
        gpu: &Gpu,
        label: &str,
        source: &str,
        vs: &str,
        fs: Option<&str>,
        targets: Targets,
        bindings: &[Binding],
        constants: &[(&str, f64)],
    ) -> Result<RasterPipeline, Error> {
        super::shader::validate(label, source)?;
        let d = &gpu.device;
        let (layout, pipeline_layout, module) = layout_and_module(
            gpu,
            label,
            source,
            bindings,
            wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
        );
        let vertex_attrs =
            wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32, 2 => Float32x3, 5 => Float32];
        let instance_attrs = wgpu::vertex_attr_array![3 => Uint32, 4 => Uint32];
        let buffers = [
            Some(wgpu::VertexBufferLayout {
                array_stride: std::mem::size_of::<MeshVertex>() as u64,
                step_mode: wgpu::VertexStepMode::Vertex,
                attributes: &vertex_attrs,
            }),
            Some(wgpu::VertexBufferLayout {
                array_stride: std::mem::size_of::<DrawInstance>() as u64,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &instance_attrs,
            }),
        ];
        let formats = targets.formats();
        let options = wgpu::PipelineCompilationOptions {
            constants,
            ..Default::default()
        };
        let pipeline = d.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(label),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some(vs),
                compilation_options: options.clone(),
                buffers: &buffers,
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleList,
                front_face: wgpu::FrontFace::Ccw,
                cull_mode: Some(wgpu::Face::Back),
                ..Default::default()
            },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(true),
                depth_compare: Some(wgpu::CompareFunction::Less),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: Default::default(),
            fragment: fs.map(|entry| wgpu::FragmentState {
                module: &module,
                entry_point: Some(entry),
                compilation_options: options.clone(),
                targets: &formats,
            }),
            multiview_mask: None,
            cache: None,
        });
        gpu.check()?;
        Ok(RasterPipeline {
            label: label.to_string(),
            pipeline,
            layout,
            bindings: bindings.to_vec(),
        })
    }

    /// Creates the bind group for one resource set. Do this once per set.
    ///
    /// # Panics
    /// If the number of resources differs from the binding table: a programmer bug.
    pub fn bind(&self, gpu: &Gpu, resources: &[Resource<'_>]) -> wgpu::BindGroup {
        assert_eq!(
            resources.len(),
            self.bindings.len(),
            "pipeline {} has {} bindings, {} resources given",
            self.label,
            self.bindings.len(),
            resources.len()
        );
        bind_group(gpu, &self.label, &self.layout, resources)
    }
}

/// The render targets of one atlas page.
pub struct AtlasPage {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    color: Option<Target>,
    seg: Option<Target>,
    depth: Target,
}

/// A texture and its view.
struct Target {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
}

/// Which target of a page to copy out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageTarget {
    /// The RGBA8 colour target.
    Color,
    /// The Depth32Float depth buffer (raw values in [0, 1]).
    Depth,
    /// The R32Uint segmentation target.
    Seg,
}

/// Bytes per row a texture-to-buffer copy needs to be a multiple of.
pub const COPY_ROW_ALIGN: u32 = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;

fn target(gpu: &Gpu, label: &str, w: u32, h: u32, format: wgpu::TextureFormat) -> Target {
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = texture.create_view(&Default::default());
    Target { texture, view }
}

impl AtlasPage {
    /// Targets of `width` × `height` pixels: depth always, colour and segmentation as
    /// `targets` asks. Labels are `"{label}.color"` and so on.
    pub fn new(gpu: &Gpu, label: &str, width: u32, height: u32, targets: Targets) -> AtlasPage {
        AtlasPage {
            width,
            height,
            color: targets
                .color
                .then(|| target(gpu, &format!("{label}.color"), width, height, COLOR_FORMAT)),
            seg: targets
                .seg
                .then(|| target(gpu, &format!("{label}.seg"), width, height, SEG_FORMAT)),
            depth: target(gpu, &format!("{label}.depth"), width, height, DEPTH_FORMAT),
        }
    }

    /// The colour target, when there is one.
    pub fn color(&self) -> Option<&wgpu::TextureView> {
        self.color.as_ref().map(|t| &t.view)
    }

    /// The segmentation target, when there is one.
    pub fn seg(&self) -> Option<&wgpu::TextureView> {
        self.seg.as_ref().map(|t| &t.view)
    }

    /// The depth buffer.
    pub fn depth(&self) -> &wgpu::TextureView {
        &self.depth.view
    }

    /// Records a copy of rows `rows` of target `which` (4 bytes per texel) into `buffer` at
    /// byte `offset`, tightly packed. The page width × 4 must be a multiple of
    /// [`COPY_ROW_ALIGN`].
    ///
    /// # Panics
    /// If the target is absent or the width is not aligned: programmer bugs.
    pub fn copy_rows(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        which: PageTarget,
        rows: std::ops::Range<u32>,
        buffer: &wgpu::Buffer,
        offset: u64,
    ) {
        let bytes_per_row = 4 * self.width;
        assert_eq!(bytes_per_row % COPY_ROW_ALIGN, 0, "unaligned page copy");
        self.copy(encoder, which, rows, buffer, offset, bytes_per_row);
    }

    /// Bytes per row of [`AtlasPage::copy_padded`]: the row rounded up to
    /// [`COPY_ROW_ALIGN`].
    pub fn padded_row_bytes(&self) -> u32 {
        (4 * self.width).next_multiple_of(COPY_ROW_ALIGN)
    }

    /// Records a copy of the whole target `which` into `buffer` from byte 0, each row
    /// [`AtlasPage::padded_row_bytes`] long (any width).
    ///
    /// # Panics
    /// If the target is absent: a programmer bug.
    pub fn copy_padded(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        which: PageTarget,
        buffer: &wgpu::Buffer,
    ) {
        let row = self.padded_row_bytes();
        self.copy(encoder, which, 0..self.height, buffer, 0, row);
    }

    fn copy(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        which: PageTarget,
        rows: std::ops::Range<u32>,
        buffer: &wgpu::Buffer,
        offset: u64,
        bytes_per_row: u32,
    ) {
        let (t, aspect) = match which {
            PageTarget::Color => (self.color.as_ref(), wgpu::TextureAspect::All),
            PageTarget::Depth => (Some(&self.depth), wgpu::TextureAspect::DepthOnly),
            PageTarget::Seg => (self.seg.as_ref(), wgpu::TextureAspect::All),
        };
        let t = t.expect("copy of a target the page does not have");
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &t.texture,
                mip_level: 0,
                origin: wgpu::Origin3d {
                    x: 0,
                    y: rows.start,
                    z: 0,
                },
                aspect,
            },
            wgpu::TexelCopyBufferInfo {
                buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset,
                    bytes_per_row: Some(bytes_per_row),
                    rows_per_image: Some(rows.len() as u32),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: rows.len() as u32,
                depth_or_array_layers: 1,
            },
        );
    }
}

/// A 1 × 1 texture of each kind, bound where a pass skips an output.
pub struct DummyTextures {
    /// RGBA8.
    pub color: wgpu::TextureView,
    /// R32Uint.
    pub seg: wgpu::TextureView,
}

impl DummyTextures {
    /// Creates them, labelled `"{label}.dummy"`.
    pub fn new(gpu: &Gpu, label: &str) -> DummyTextures {
        let l = format!("{label}.dummy");
        DummyTextures {
            color: target(gpu, &l, 1, 1, COLOR_FORMAT).view,
            seg: target(gpu, &l, 1, 1, SEG_FORMAT).view,
        }
    }
}

/// One indexed, instanced draw: a mesh's index range for a range of instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    /// Index range of the mesh in the index buffer.
    pub indices: std::ops::Range<u32>,
    /// Added to every index (the mesh's first vertex).
    pub base_vertex: i32,
    /// Instance range in the instance buffer.
    pub instances: std::ops::Range<u32>,
}

/// Records one render pass over `page`: clears colour to `background`, segmentation to 0
/// and the depth buffer to 1, then issues `draws`.
#[allow(clippy::too_many_arguments)] // reason: one pass's inputs, each a distinct resource
pub fn record_pass(
    encoder: &mut wgpu::CommandEncoder,
    label: &str,
    pipeline: &RasterPipeline,
    bind: &wgpu::BindGroup,
    page: &AtlasPage,
    background: [f64; 4],
    vertices: &wgpu::Buffer,
    indices: &wgpu::Buffer,
    instances: &wgpu::Buffer,
    draws: &[Draw],
) {
    fn clear(view: &wgpu::TextureView, c: wgpu::Color) -> wgpu::RenderPassColorAttachment<'_> {
        wgpu::RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Clear(c),
                store: wgpu::StoreOp::Store,
            },
        }
    }
    let mut colors = Vec::new();
    if let Some(c) = &page.color {
        let [r, g, b, a] = background;
        colors.push(Some(clear(&c.view, wgpu::Color { r, g, b, a })));
    }
    if let Some(s) = &page.seg {
        colors.push(Some(clear(&s.view, wgpu::Color::TRANSPARENT)));
    }
    let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &colors,
        depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
            view: &page.depth.view,
            depth_ops: Some(wgpu::Operations {
                load: wgpu::LoadOp::Clear(1.0),
                store: wgpu::StoreOp::Store,
            }),
            stencil_ops: None,
        }),
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    });
    pass.set_pipeline(&pipeline.pipeline);
    pass.set_bind_group(0, bind, &[]);
    pass.set_vertex_buffer(0, vertices.slice(..));
    pass.set_vertex_buffer(1, instances.slice(..));
    pass.set_index_buffer(indices.slice(..), wgpu::IndexFormat::Uint32);
    for d in draws {
        if !d.instances.is_empty() {
            pass.draw_indexed(d.indices.clone(), d.base_vertex, d.instances.clone());
        }
    }
}
