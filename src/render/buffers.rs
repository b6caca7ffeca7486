//! The renderer's GPU buffers: the uploaded tables with the per-frame poses the prepare
//! pass writes ([`TableBuffers`]), the packed outputs ([`OutputBuffers`]), and the look
//! tables as other kernels see them ([`LookTables`]).

use super::atlas::AtlasPlan;
use super::config::{Outputs, RenderConfig};
use super::tables::SceneTables;
use crate::gpu::{Gpu, GpuBuffer};
use crate::layout::render::{
    GeomPose, LightPose, RenderCamera, RenderLight, RenderParams, ViewPose,
};
use crate::Error;

/// `n` copies of `v`, back to back.
fn repeat<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    v.iter().cloned().cycle().take(v.len() * n).collect()
}

/// The per-frame parameters of rendering `worlds` with `config` (`num_worlds` in the
/// batch, `state_dim` words of State per world).
pub(super) fn render_params(
    config: &RenderConfig,
    num_worlds: usize,
    state_dim: u32,
    tables: &SceneTables,
    atlas: &AtlasPlan,
    worlds: &[usize],
) -> RenderParams {
    let per = config.per_world;
    let copies = |on: bool| if on { num_worlds } else { 1 };
    RenderParams {
        num_views: atlas.views.len() as u32,
        num_slots: worlds.len() as u32,
        num_geoms: tables.geoms.len() as u32,
        num_lights: tables.lights.len() as u32,
        num_cameras: tables.cameras.len() as u32,
        state_dim,
        color_worlds: copies(per.colors) as u32,
        light_worlds: copies(per.lights) as u32,
        camera_worlds: copies(per.cameras) as u32,
        head_ambient: config.headlight[0],
        head_diffuse: config.headlight[1],
        pad0: 0,
        background: [
            config.background[0],
            config.background[1],
            config.background[2],
            1.0,
        ],
    }
}

/// A storage buffer `render.{name}` holding `bytes`: at least one record of the largest
/// struct, so empty tables still bind.
fn storage_with(gpu: &Gpu, name: &str, bytes: &[u8]) -> Result<wgpu::Buffer, Error> {
    let words = (bytes.len() / 4).max(16);
    let b = GpuBuffer::<u32>::storage(gpu, &format!("render.{name}"), words)?;
    if !bytes.is_empty() {
        gpu.queue.write_buffer(b.raw(), 0, bytes);
    }
    Ok(b.raw().clone())
}

/// The tables on the GPU, and the poses `render.prepare` writes each frame.
pub(super) struct TableBuffers {
    /// [`RenderParams`], uniform.
    pub params: GpuBuffer<RenderParams>,
    /// `RenderBody` per MJCF body.
    pub bodies: wgpu::Buffer,
    /// `RenderGeom` per geom.
    pub geoms: wgpu::Buffer,
    /// `RenderMaterial` per textured material.
    pub materials: wgpu::Buffer,
    /// Geom colours, `[color_worlds][geom]`.
    pub colors: GpuBuffer<[f32; 4]>,
    /// Geom size scales (1: as modelled), per world with the colours.
    pub scales: GpuBuffer<f32>,
    /// Cameras, `[camera_worlds][camera]`.
    pub cameras: GpuBuffer<RenderCamera>,
    /// Lights, `[light_worlds][light]`.
    pub lights: GpuBuffer<RenderLight>,
    /// `RenderView` per view.
    pub views: wgpu::Buffer,
    /// The rendered worlds, in output order (`u32`).
    pub slots: wgpu::Buffer,
    /// World pose of every geom of every rendered world.
    pub geom_pose: GpuBuffer<GeomPose>,
    /// Camera pose and projection of every view.
    pub view_pose: GpuBuffer<ViewPose>,
    /// World pose of every light of every rendered world.
    pub light_pose: GpuBuffer<LightPose>,
}

impl TableBuffers {
    /// Uploads `tables` (the look tables in as many copies as `params` says), the views
    /// of `atlas` and the rendered `worlds`, and makes the pose buffers.
    pub fn new(
        gpu: &Gpu,
        params: &RenderParams,
        tables: &SceneTables,
        atlas: &AtlasPlan,
        worlds: &[usize],
    ) -> Result<TableBuffers, Error> {
        let color_copies = params.color_worlds as usize;
        let camera_copies = params.camera_worlds as usize;
        let light_copies = params.light_worlds as usize;
        let params = GpuBuffer::uniform(gpu, "render.params", params);
        let bodies = storage_with(gpu, "bodies", bytemuck::cast_slice(&tables.bodies))?;
        let geoms = storage_with(gpu, "geoms", bytemuck::cast_slice(&tables.geoms))?;
        let materials = storage_with(gpu, "materials", bytemuck::cast_slice(&tables.materials))?;
        let ngeom = tables.colors.len();
        let colors = GpuBuffer::<[f32; 4]>::storage(gpu, "render.colors", ngeom * color_copies)?;
        colors.write(gpu, 0, &repeat(&tables.colors, color_copies));
        let scales = GpuBuffer::<f32>::storage(gpu, "render.scales", ngeom * color_copies)?;
        scales.write(gpu, 0, &vec![1.0; ngeom * color_copies]);
        let cameras = GpuBuffer::<RenderCamera>::storage(
            gpu,
            "render.cameras",
            tables.cameras.len() * camera_copies,
        )?;
        cameras.write(gpu, 0, &repeat(&tables.cameras, camera_copies));
        let lights = GpuBuffer::<RenderLight>::storage(
            gpu,
            "render.lights",
            tables.lights.len() * light_copies,
        )?;
        if !tables.lights.is_empty() {
            lights.write(gpu, 0, &repeat(&tables.lights, light_copies));
        }
        let views = storage_with(gpu, "views", bytemuck::cast_slice(&atlas.views))?;
        let slots: Vec<u32> = worlds.iter().map(|&w| w as u32).collect();
        let slots = storage_with(gpu, "slots", bytemuck::cast_slice(&slots))?;
        let geom_pose = GpuBuffer::<GeomPose>::storage(
            gpu,
            "render.geom_pose",
            worlds.len() * tables.geoms.len(),
        )?;
        let view_pose = GpuBuffer::<ViewPose>::storage(gpu, "render.view_pose", atlas.views.len())?;
        let light_pose = GpuBuffer::<LightPose>::storage(
            gpu,
            "render.light_pose",
            worlds.len() * tables.lights.len(),
        )?;
        Ok(TableBuffers {
            params,
            bodies,
            geoms,
            materials,
            colors,
            scales,
            cameras,
            lights,
            views,
            slots,
            geom_pose,
            view_pose,
            light_pose,
        })
    }
}

/// The packed outputs (layouts in the [module docs](super)) and the buffers the copy-out
/// passes use on the way.
pub(super) struct OutputBuffers {
    /// The requested outputs.
    pub outputs: Outputs,
    /// RGBA8 per pixel, if requested.
    pub rgb: Option<GpuBuffer<u32>>,
    /// Depth per pixel, metres, if requested.
    pub depth: Option<GpuBuffer<f32>>,
    /// Segmentation id per pixel, if requested.
    pub seg: Option<GpuBuffer<u32>>,
    /// Pixels of each output.
    pub pixels: usize,
    /// One page's raw depth, rows padded to whole copy rows, before linearization or the
    /// resolve pass (one element when depth is not requested).
    pub depth_scratch: GpuBuffer<f32>,
    /// Bound in place of the outputs that are not requested.
    pub unused: GpuBuffer<u32>,
}

impl OutputBuffers {
    /// The `outputs` requested, for the views of `atlas`.
    pub fn new(gpu: &Gpu, outputs: Outputs, atlas: &AtlasPlan) -> Result<OutputBuffers, Error> {
        let pixels = atlas.pixels;
        let output = |on: bool, name: &str| -> Result<Option<GpuBuffer<u32>>, Error> {
            on.then(|| GpuBuffer::storage(gpu, &format!("render.{name}"), pixels))
                .transpose()
        };
        let rgb = output(outputs.rgb, "rgb")?;
        let seg = output(outputs.seg, "seg")?;
        let depth = outputs
            .depth
            .then(|| GpuBuffer::<f32>::storage(gpu, "render.depth", pixels))
            .transpose()?;
        let unused = GpuBuffer::<u32>::storage(gpu, "render.unused_output", 1)?;
        // Depth textures copy only whole, so each page's depth goes through this first.
        let depth_scratch = GpuBuffer::<f32>::storage(
            gpu,
            "render.depth_scratch",
            if outputs.depth {
                atlas.padded_page_pixels()
            } else {
                1
            },
        )?;
        Ok(OutputBuffers {
            outputs,
            rgb,
            depth,
            seg,
            pixels,
            depth_scratch,
            unused,
        })
    }
}

/// The renderer's look tables, for kernels that change them on the GPU (the randomizer's
/// looks pass): one copy per world where [`RenderConfig::per_world`] asks.
pub struct LookTables<'a> {
    /// Geom colours (linear RGBA), `[world][geom]`.
    pub colors: &'a wgpu::Buffer,
    /// Geom size scales, `[world][geom]` (per world with the colours).
    pub scales: &'a wgpu::Buffer,
    /// Cameras (`RenderCamera`), `[world][camera]`.
    pub cameras: &'a wgpu::Buffer,
    /// Lights (`RenderLight`), `[world][light]`.
    pub lights: &'a wgpu::Buffer,
    /// The rendered worlds, in output order (`u32`).
    pub slots: &'a wgpu::Buffer,
    /// Geoms per world.
    pub num_geoms: u32,
    /// Cameras per world.
    pub num_cameras: u32,
    /// Lights per world.
    pub num_lights: u32,
    /// Rendered worlds.
    pub num_slots: u32,
    /// Pixels of all views of one rendered world.
    pub pixels_per_world: u32,
}
