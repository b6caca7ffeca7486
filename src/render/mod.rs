//! The batch renderer: RGB, depth and segmentation of every camera of every world, straight
//! into GPU buffers.
//!
//! # Passes (one submission, after the physics step)
//! 1. `render.prepare` (compute): world poses of every geom, camera and light of the
//!    rendered worlds, from the env's State.
//! 2. `render.raster` (one render pass per atlas page): every view is a tile of the page;
//!    one instanced, indexed draw per mesh draws that mesh for every (view, geom) of the
//!    page, and clip distances crop each view to its tile. Depth test, back faces culled,
//!    no blending and no anti-aliasing, so depth and segmentation are exact per pixel.
//! 3. `render.resolve` (compute, one per page): copies each tile into the packed outputs.
//!
//! # Outputs
//! Views are ordered world-major (the rendered worlds in [`RenderConfig::worlds`] order),
//! then camera. Each view's pixels are row-major from the top-left, tightly packed, and
//! views follow each other with no gap; when all cameras have one size the buffers have
//! the logical shape `[world, camera, H, W, C]`. [`ViewInfo::offset`] gives each view's
//! first pixel.
//! - RGB: 4 bytes per pixel, R G B A (A is always 255), linear colour as 8-bit unorm.
//! - Depth: `f32` metres along the camera axis (not along the ray);
//!   [`DEPTH_BACKGROUND`] (0) where nothing was drawn or beyond the far plane.
//! - Segmentation: `u32` per pixel: 0 is the background; with [`SegmentIds::Geom`] id
//!   `g + 1` is `Model::geoms[g]`, with [`SegmentIds::Body`] id `b + 1` is
//!   `Model::bodies[b]` (the world body is 1). [`BatchRenderer::seg_names`] maps ids to
//!   MJCF names.
//!
//! Each output is computed only when requested: without RGB the colour target and its
//! shading are gone, without segmentation its target, and depth-only passes have no
//! fragment shader at all.
//!
//! # Looks
//! Lambert shading: MuJoCo's headlight (ambient 0.1, diffuse 0.4, along the camera axis)
//! plus every MJCF light (directional or point, diffuse × max(0, n·l) + ambient); no
//! specular, no shadows, no transparency (alpha is ignored; geoms whose alpha is 0 are not
//! drawn, as MuJoCo hides them). Colours are the geom's rgba, or its material's when the
//! geom keeps MJCF's default rgba; a material with a `checker` texture multiplies it by the
//! two checker colours, in cells of 1 / (2 × texrepeat) metres of the geom's local x and y.
//!
//! # Per-world looks
//! Geom colours, cameras and lights are tables with one copy shared by all worlds or one
//! per world ([`VisualPerWorld`]); [`BatchRenderer::set_color`], [`BatchRenderer::set_camera`]
//! and [`BatchRenderer::set_light`] write them, for domain randomization.

mod atlas;
mod buffers;
mod camera;
mod config;
pub mod files;
mod images;
pub mod mesh;
mod passes;
mod tables;

pub use crate::layout::render::DEPTH_BACKGROUND;
pub use atlas::MAX_PAGE_SIDE;
pub use buffers::LookTables;
pub use camera::{
    camera_name, select_cameras, CameraSpec, Intrinsics, ViewCamera, DEFAULT_FAR, DEFAULT_NEAR,
};
pub use config::{Outputs, RenderConfig, SegmentIds, VisualPerWorld};
pub use images::{ImageBuffers, Images, ViewInfo};
pub use tables::{DEFAULT_GEOM_RGBA, INFINITE_PLANE_HALF_SIZE};

use crate::gpu::Gpu;
use crate::layout::render::{RenderLight, RenderParams};
use crate::sim::compile::Compiled;
use crate::sim::model::Model;
use crate::Error;
use atlas::AtlasPlan;
use buffers::{OutputBuffers, TableBuffers};
use glam::Quat;
use passes::Passes;
use tables::{camera_record, SceneTables};

/// Renders the worlds of one env. Built by the env (`EnvConfig::render`); see the
/// [module docs](self).
pub struct BatchRenderer {
    gpu: Gpu,
    /// The views, in output order.
    views: Vec<ViewInfo>,
    /// Names of the segmentation ids.
    seg_names: Vec<String>,
    /// Geoms per world.
    num_geoms: usize,
    /// Worlds in the batch (rendered or not).
    num_worlds: usize,
    /// The per-frame parameters (a copy of the uniform).
    params: RenderParams,
    /// The selected cameras, in camera-index order.
    camera_specs: Vec<CameraSpec>,
    /// The tables and poses on the GPU.
    tables: TableBuffers,
    /// The packed outputs.
    out: OutputBuffers,
    /// The passes, ready to record.
    passes: Passes,
}

impl BatchRenderer {
    /// A renderer for `num_worlds` worlds of `model`, reading body poses from `state`
    /// (the env's State buffer, laid out as `compiled` says).
    pub fn new(
        gpu: &Gpu,
        model: &Model,
        compiled: &Compiled,
        state: &wgpu::Buffer,
        num_worlds: usize,
        config: &RenderConfig,
    ) -> Result<BatchRenderer, Error> {
        // What to render: outputs the adapter can make, the cameras, the worlds.
        config::check_outputs(gpu, config.outputs)?;
        let cams = select_cameras(model, config)?;
        let worlds = config.rendered_worlds(num_worlds)?;
        // On the CPU: the model and look tables, and where every view goes.
        let scene = SceneTables::new(model, compiled, &cams, config.segmentation);
        let atlas = AtlasPlan::new(gpu.limits(), &worlds, &cams)?;
        // On the GPU: the tables, the outputs, then the passes over them.
        let state_dim = compiled.params.state_dim;
        let params = buffers::render_params(config, num_worlds, state_dim, &scene, &atlas, &worlds);
        let tables = TableBuffers::new(gpu, &params, &scene, &atlas, &worlds)?;
        let out = OutputBuffers::new(gpu, config.outputs, &atlas)?;
        let passes = Passes::new(gpu, state, &params, &scene, &atlas, &tables, &out)?;
        gpu.check()?;
        Ok(BatchRenderer {
            gpu: gpu.clone(),
            views: atlas.infos,
            seg_names: scene.seg_names,
            num_geoms: scene.geoms.len(),
            num_worlds,
            params,
            camera_specs: cams,
            tables,
            out,
            passes,
        })
    }

    /// The look tables and their sizes.
    pub fn look_tables(&self) -> LookTables<'_> {
        LookTables {
            colors: self.tables.colors.raw(),
            scales: self.tables.scales.raw(),
            cameras: self.tables.cameras.raw(),
            lights: self.tables.lights.raw(),
            slots: &self.tables.slots,
            num_geoms: self.num_geoms as u32,
            num_cameras: self.camera_specs.len() as u32,
            num_lights: self.params.num_lights,
            num_slots: self.params.num_slots,
            pixels_per_world: (self.out.pixels / self.params.num_slots.max(1) as usize) as u32,
        }
    }

    /// Records the passes into `encoder`, after the step that wrote the State: prepare,
    /// then per page the raster pass and the copy-out (texture copies and depth
    /// linearization, or the resolve pass).
    pub fn encode(&self, encoder: &mut wgpu::CommandEncoder) {
        let background = self.params.background.map(|c| c as f64);
        self.passes.encode(encoder, background, &self.out);
    }

    /// Bytes [`BatchRenderer::copy_out`] writes: the requested outputs back to back
    /// (RGB, then depth, then segmentation).
    pub fn output_bytes(&self) -> u64 {
        4 * self.out.pixels as u64 * self.out.outputs.names().len() as u64
    }

    /// Records copies of the outputs into `staging` from byte `offset` on.
    pub fn copy_out(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        staging: &wgpu::Buffer,
        offset: u64,
    ) {
        let bytes = 4 * self.out.pixels as u64;
        let mut at = offset;
        for b in [
            self.out.rgb.as_ref().map(|b| b.raw()),
            self.out.depth.as_ref().map(|b| b.raw()),
            self.out.seg.as_ref().map(|b| b.raw()),
        ]
        .into_iter()
        .flatten()
        {
            encoder.copy_buffer_to_buffer(b, 0, staging, at, bytes);
            at += bytes;
        }
    }

    /// The images in `bytes`, which hold what [`BatchRenderer::copy_out`] copied.
    ///
    /// # Panics
    /// If `bytes` is shorter than [`BatchRenderer::output_bytes`] or misaligned: a
    /// programmer bug.
    pub fn images<'a>(&'a self, bytes: &'a [u8]) -> Images<'a> {
        Images::from_bytes(&self.views, self.out.outputs, self.out.pixels, bytes)
    }

    /// The output buffers.
    pub fn buffers(&self) -> ImageBuffers<'_> {
        ImageBuffers {
            rgb: self.out.rgb.as_ref().map(|b| b.raw()),
            depth: self.out.depth.as_ref().map(|b| b.raw()),
            seg: self.out.seg.as_ref().map(|b| b.raw()),
        }
    }

    /// Fills the outputs with values the resolve pass never writes: RGB 0 (alpha 0),
    /// depth NaN, segmentation `u32::MAX`. For tests that every pixel gets written.
    pub fn poison(&self) {
        if let Some(b) = &self.out.rgb {
            b.fill_u32(&self.gpu, 0);
        }
        if let Some(b) = &self.out.depth {
            b.fill_u32(&self.gpu, u32::MAX);
        }
        if let Some(b) = &self.out.seg {
            b.fill_u32(&self.gpu, u32::MAX);
        }
    }

    /// Every view's camera as it was for the last frame rendered (after randomization of
    /// camera poses and fields of view, and following bodies), read back from the GPU: for
    /// labels, not for per-step use. In output order, like [`views`](Self::views).
    pub fn view_cameras(&self) -> Result<Vec<ViewCamera>, Error> {
        let poses = self.tables.view_pose.read(&self.gpu)?;
        Ok(poses
            .iter()
            .zip(&self.views)
            .map(|(p, v)| ViewCamera::from_pose(p, v.width, v.height))
            .collect())
    }

    /// The views, in output order.
    pub fn views(&self) -> &[ViewInfo] {
        &self.views
    }

    /// The cameras, in camera-index order.
    pub fn cameras(&self) -> &[CameraSpec] {
        &self.camera_specs
    }

    /// The requested outputs.
    pub fn outputs(&self) -> Outputs {
        self.out.outputs
    }

    /// Names of the segmentation ids: entry `id - 1` names id `id`.
    pub fn seg_names(&self) -> &[String] {
        &self.seg_names
    }

    /// Atlas pages, as (width, height) in pixels.
    pub fn pages(&self) -> Vec<(u32, u32)> {
        self.passes.page_sizes()
    }

    /// The copy of the `what` table (`per_world` copies) that `world` names, or why none.
    fn table_index(
        &self,
        what: &str,
        per_world: u32,
        world: Option<usize>,
    ) -> Result<usize, Error> {
        match world {
            None if per_world == 1 => Ok(0),
            Some(w) if per_world as usize == self.num_worlds && w < self.num_worlds => Ok(w),
            _ => Err(Error::InvalidArgument {
                field: format!("{what} world"),
                value: format!("{world:?}"),
                allowed: if per_world == 1 {
                    format!("None: the {what} table is shared (set RenderConfig::per_world.{what} for one copy per world)")
                } else {
                    format!("Some(world) with world below {}", self.num_worlds)
                },
            }),
        }
    }

    /// Sets geom `geom`'s colour (linear RGBA) in `world`'s table (`None`: the shared
    /// table). Takes effect from the next render.
    pub fn set_color(
        &mut self,
        world: Option<usize>,
        geom: usize,
        rgba: [f32; 4],
    ) -> Result<(), Error> {
        let w = self.table_index("colors", self.params.color_worlds, world)?;
        if geom >= self.num_geoms || rgba.iter().any(|c| !c.is_finite()) {
            return Err(Error::InvalidArgument {
                field: format!("color of geom {geom}"),
                value: format!("{rgba:?}"),
                allowed: format!("a geom below {} and finite components", self.num_geoms),
            });
        }
        self.tables
            .colors
            .write(&self.gpu, w * self.num_geoms + geom, &[rgba]);
        Ok(())
    }

    /// Replaces camera `camera` of `world` (`None`: the shared table). Takes effect from
    /// the next render. The image size cannot change.
    pub fn set_camera(
        &mut self,
        world: Option<usize>,
        camera: usize,
        spec: &CameraSpec,
    ) -> Result<(), Error> {
        let w = self.table_index("cameras", self.params.camera_worlds, world)?;
        let ncam = self.camera_specs.len();
        let old = self
            .camera_specs
            .get(camera)
            .ok_or_else(|| Error::InvalidArgument {
                field: "camera".into(),
                value: camera.to_string(),
                allowed: format!("a camera index below {ncam}"),
            })?;
        if (spec.width, spec.height) != (old.width, old.height) || spec.track {
            return Err(Error::InvalidArgument {
                field: format!("camera `{}`", spec.name),
                value: format!("{}x{}, track {}", spec.width, spec.height, spec.track),
                allowed: format!(
                    "the rendered size {}x{} and a fixed mode",
                    old.width, old.height
                ),
            });
        }
        if !(spec.near > 0.0 && spec.far > spec.near) {
            return Err(Error::InvalidArgument {
                field: format!("camera `{}`.near/far", spec.name),
                value: format!("{}/{}", spec.near, spec.far),
                allowed: "0 < near < far".into(),
            });
        }
        // A fixed camera (checked above): its pose stays in its body's frame.
        let rc = camera_record(spec, Quat::IDENTITY);
        self.tables
            .cameras
            .write(&self.gpu, w * ncam + camera, &[rc]);
        Ok(())
    }

    /// Replaces light `light` of `world` (`None`: the shared table). Takes effect from the
    /// next render.
    pub fn set_light(
        &mut self,
        world: Option<usize>,
        light: usize,
        value: &RenderLight,
    ) -> Result<(), Error> {
        let w = self.table_index("lights", self.params.light_worlds, world)?;
        let n = self.params.num_lights as usize;
        if light >= n {
            return Err(Error::InvalidArgument {
                field: "light".into(),
                value: light.to_string(),
                allowed: format!("a light index below {n}"),
            });
        }
        self.tables
            .lights
            .write(&self.gpu, w * n + light, &[*value]);
        Ok(())
    }
}
