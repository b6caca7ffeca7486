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

mod camera;
mod config;
pub mod files;
mod images;
pub mod mesh;
use mesh::{mesh_cylinder, mesh_sphere, MESH_BOX, MESH_PLANE};

pub use camera::{
    camera_name, select_cameras, CameraSpec, Intrinsics, ViewCamera, DEFAULT_FAR, DEFAULT_NEAR,
};
pub use config::{Outputs, RenderConfig, SegmentIds, VisualPerWorld};
pub use images::{ImageBuffers, Images, ViewInfo};

use crate::gpu::raster::{self, AtlasPage, DummyTextures, RasterPipeline, Targets};
use crate::gpu::{shader, Binding, BoundKernel, Gpu, GpuBuffer, Kernel, Resource};
use crate::layout::physics::NONE;
use crate::layout::render::*;
use crate::sim::compile::Compiled;
use crate::sim::model::{GeomKind, Model};
use crate::Error;
use glam::{Quat, Vec3, Vec4};
use mesh::MeshTable;

pub use crate::layout::render::DEPTH_BACKGROUND;

/// Half-size, m, used for planes MJCF declares infinite (size 0): beyond the default far
/// plane from any camera near the origin.
pub const INFINITE_PLANE_HALF_SIZE: f32 = 100.0;

/// Binding tables of the three passes (see the shaders' `@binding` lists).
const PREPARE_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::Storage,
    Binding::Storage,
    Binding::Storage,
    Binding::StorageRead, // geom size scales
];
const RASTER_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
];
const RESOLVE_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::TextureFloat,
    Binding::StorageRead,
    Binding::TextureUint,
    Binding::Storage,
    Binding::Storage,
    Binding::Storage,
];

const DEPTH_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::Storage,
];

/// The views of one atlas page and its draws.
struct Page {
    targets: AtlasPage,
    draws: Vec<raster::Draw>,
    out: PageOut,
    views: std::ops::Range<u32>,
    max_pixels: u32,
    /// First pixel of the page's first view in the outputs.
    first_pixel: u64,
    /// Rows its views fill (the page may be taller).
    rows: u32,
}

/// How a page's pixels reach the outputs.
enum PageOut {
    /// Texture copies (rows aligned), then `render.depth` linearizes depth in place.
    Copy { linearize: Option<BoundKernel> },
    /// `render.resolve` reads the targets and writes the outputs.
    Resolve(BoundKernel),
}

/// Largest atlas page side, pixels, whatever the adapter allows: 4096² pages keep each
/// target at 64 MiB and a clear cheap.
pub const MAX_PAGE_SIDE: u32 = 4096;

/// Renders the worlds of one env. Built by the env (`EnvConfig::render`); see the
/// [module docs](self).
pub struct BatchRenderer {
    gpu: Gpu,
    views: Vec<ViewInfo>,
    seg_names: Vec<String>,
    outputs: Outputs,
    num_geoms: usize,
    num_worlds: usize,
    params: RenderParams,
    prepare: BoundKernel,
    prepare_groups: u32,
    raster: RasterPipeline,
    raster_bind: wgpu::BindGroup,
    pages: Vec<Page>,
    mesh_vertices: GpuBuffer<MeshVertex>,
    mesh_indices: GpuBuffer<u32>,
    instances: GpuBuffer<DrawInstance>,
    colors: GpuBuffer<[f32; 4]>,
    scales: GpuBuffer<f32>,
    cameras: GpuBuffer<RenderCamera>,
    lights: GpuBuffer<RenderLight>,
    camera_specs: Vec<CameraSpec>,
    slots: wgpu::Buffer,
    rgb: Option<GpuBuffer<u32>>,
    depth: Option<GpuBuffer<f32>>,
    seg: Option<GpuBuffer<u32>>,
    pixels: usize,
    depth_scratch: wgpu::Buffer,
    view_pose: GpuBuffer<ViewPose>,
    // Held for the bind groups.
    _keep: Vec<wgpu::Buffer>,
}

/// `n` copies of `v`, back to back.
fn repeat<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    v.iter().cloned().cycle().take(v.len() * n).collect()
}

fn v4(v: Vec3, w: f32) -> [f32; 4] {
    [v.x, v.y, v.z, w]
}

fn q4(q: Quat) -> [f32; 4] {
    [q.x, q.y, q.z, q.w]
}

/// MuJoCo's default geom colour; a geom that keeps it shows its material's colour.
pub const DEFAULT_GEOM_RGBA: Vec4 = Vec4::new(0.5, 0.5, 0.5, 1.0);

/// Mesh entry, scale and capsule half-length of a geom; round geoms take level of detail
/// `lod` of [`mesh::ROUND_LODS`].
fn geom_shape(kind: GeomKind, size: Vec3, lod: usize) -> (u32, Vec3, f32) {
    match kind {
        GeomKind::Plane => {
            let half = |s: f32| if s > 0.0 { s } else { INFINITE_PLANE_HALF_SIZE };
            (MESH_PLANE, Vec3::new(half(size.x), half(size.y), 1.0), 0.0)
        }
        GeomKind::Sphere => (mesh_sphere(lod), Vec3::splat(size.x), 0.0),
        GeomKind::Capsule => (mesh_sphere(lod), Vec3::splat(size.x), size.y),
        GeomKind::Cylinder => (mesh_cylinder(lod), Vec3::new(size.x, size.x, size.y), 0.0),
        GeomKind::Box => (MESH_BOX, size, 0.0),
        GeomKind::Ellipsoid => (mesh_sphere(lod), size, 0.0),
    }
}

/// Level of detail of a round geom: the coarsest of [`mesh::ROUND_LODS`] whose polygon
/// stays within half a pixel of the true silhouette, r·(1 − cos(π/n)) ≤ 0.5 px, for the
/// largest radius in pixels the geom shows in any camera at the initial configuration,
/// doubled to allow for motion towards the camera. `radius` and `extent` (bounding
/// radius) in m; `cams` holds each camera's initial position and fy in pixels.
fn round_lod(radius: f32, centre: Vec3, extent: f32, cams: &[(Vec3, f32)], near: f32) -> usize {
    let px = cams
        .iter()
        .map(|&(c, fy)| 2.0 * fy * radius / ((centre - c).length() - extent).max(near))
        .fold(0.0f32, f32::max);
    mesh::ROUND_LODS
        .iter()
        .position(|&n| px * (1.0 - (std::f32::consts::PI / n as f32).cos()) <= 0.5)
        .unwrap_or(mesh::ROUND_LODS.len() - 1)
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
        config::check_outputs(gpu, config.outputs)?;
        let o = config.outputs;
        let cams = select_cameras(model, config)?;
        let worlds = config.rendered_worlds(num_worlds)?;

        // Model tables.
        let init_poses = compiled.body_poses(&compiled.init_state);
        let bodies: Vec<RenderBody> = compiled
            .mjcf_bodies
            .iter()
            .map(|&(sim, p, q)| RenderBody {
                sim,
                pad: [0; 3],
                pos: v4(p, 0.0),
                quat: q4(q),
            })
            .collect();
        let mut materials = Vec::new();
        let mut material_of = vec![NONE; model.materials.len()];
        for (i, m) in model.materials.iter().enumerate() {
            let checker = m
                .texture
                .map(|t| &model.textures[t])
                .filter(|t| t.builtin == "checker");
            if let Some(t) = checker {
                material_of[i] = materials.len() as u32;
                materials.push(RenderMaterial {
                    kind: MATERIAL_CHECKER,
                    pad: [0; 3],
                    rgb1: v4(t.rgb1, 0.0),
                    rgb2: v4(t.rgb2, 0.0),
                    repeat: [2.0 * m.texrepeat[0], 2.0 * m.texrepeat[1], 0.0, 0.0],
                });
            }
        }
        let cam_init: Vec<(Vec3, f32)> = cams
            .iter()
            .map(|c| {
                let (bp, bq) = init_poses[c.body];
                (bp + bq * c.pos, c.pixels()[1])
            })
            .collect();
        let near = cams.iter().map(|c| c.near).fold(f32::INFINITY, f32::min);
        let mut geoms = Vec::new();
        let mut colors = Vec::new();
        for (g, geom) in model.geoms.iter().enumerate() {
            let (bp, bq) = init_poses[geom.body];
            let centre = bp + bq * geom.pos;
            let lod = match geom.kind {
                GeomKind::Sphere => round_lod(geom.size.x, centre, geom.size.x, &cam_init, near),
                GeomKind::Capsule | GeomKind::Cylinder => round_lod(
                    geom.size.x,
                    centre,
                    geom.size.x + geom.size.y,
                    &cam_init,
                    near,
                ),
                GeomKind::Ellipsoid => {
                    let r = geom.size.max_element();
                    round_lod(r, centre, r, &cam_init, near)
                }
                _ => 0,
            };
            let (mesh, scale, ext) = geom_shape(geom.kind, geom.size, lod);
            let mut rgba = geom.rgba;
            if let Some(m) = geom.material {
                if geom.rgba == DEFAULT_GEOM_RGBA {
                    rgba = model.materials[m].rgba;
                }
            }
            geoms.push(RenderGeom {
                body: geom.body as u32,
                mesh,
                material: geom.material.map_or(NONE, |m| material_of[m]),
                seg_id: match config.segmentation {
                    SegmentIds::Geom => g as u32 + 1,
                    SegmentIds::Body => geom.body as u32 + 1,
                },
                pos: v4(geom.pos, ext),
                quat: q4(geom.quat.normalize()),
                scale: v4(scale, 0.0),
            });
            colors.push(rgba.to_array());
        }
        let seg_names = match config.segmentation {
            SegmentIds::Geom => (0..model.geoms.len())
                .map(|g| {
                    model.geoms[g]
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("geom{g}"))
                })
                .collect(),
            SegmentIds::Body => compiled.body_names.clone(),
        };
        let render_cams: Vec<RenderCamera> = cams
            .iter()
            .map(|c| {
                let (pos, quat) = if c.track {
                    let (_, bq) = init_poses[c.body];
                    (bq * c.pos, (bq * c.quat).normalize())
                } else {
                    (c.pos, c.quat.normalize())
                };
                RenderCamera {
                    body: c.body as u32,
                    mode: if c.track { CAMERA_TRACK } else { CAMERA_FIXED },
                    width: c.width,
                    height: c.height,
                    pos: v4(pos, 0.0),
                    quat: q4(quat),
                    intrinsics: c.pixels(),
                    clip: [c.near, c.far, 0.0, 0.0],
                }
            })
            .collect();
        let lights: Vec<RenderLight> = model
            .lights
            .iter()
            .map(|l| RenderLight {
                body: l.body as u32,
                directional: l.directional as u32,
                pad: [0; 2],
                pos: v4(l.pos, 0.0),
                dir: v4(l.dir.normalize_or(Vec3::NEG_Z), 0.0),
                diffuse: v4(l.diffuse, 0.0),
                ambient: v4(l.ambient, 0.0),
            })
            .collect();
        let ncam = cams.len();
        let per = config.per_world;
        let copies = |on: bool| if on { num_worlds } else { 1 };

        // Views and atlas pages. A page is a column of consecutive views of one size,
        // stacked top to bottom, so its rows are the views' rows in output order: when a
        // row is a multiple of 256 bytes (width a multiple of 64 pixels) one texture copy
        // per page moves them into the packed outputs with no resolve pass. Each 64 × 64
        // view is then also exactly one of lavapipe's rasterizer tiles.
        let max_side = gpu.limits().max_texture_dimension_2d.min(MAX_PAGE_SIDE);
        let max_views_per_page = gpu.limits().max_compute_workgroups_per_dimension;
        let widest = cams.iter().map(|c| c.width).max().unwrap_or(1);
        let tallest = cams.iter().map(|c| c.height).max().unwrap_or(1);
        if widest > max_side || tallest > max_side {
            return Err(Error::Capacity {
                limit: "camera image side (pixels; the atlas page side)".into(),
                max: max_side as u64,
                attempted: widest.max(tallest) as u64,
            });
        }
        let mut views: Vec<RenderView> = Vec::new();
        let mut infos = Vec::new();
        let mut page_sizes: Vec<(u32, u32)> = Vec::new();
        let mut offset = 0usize;
        for (slot, &w) in worlds.iter().enumerate() {
            for (ci, c) in cams.iter().enumerate() {
                let fits = views.last().is_some_and(|l| {
                    let (pw, ph) = page_sizes[l.page as usize];
                    (l.width, l.height) == (c.width, c.height)
                        && pw == c.width
                        && ph + c.height <= max_side
                        && ph / c.height < max_views_per_page
                });
                if !fits {
                    page_sizes.push((c.width, 0));
                }
                let page = page_sizes.len() - 1;
                let tile_y = page_sizes[page].1;
                page_sizes[page].1 += c.height;
                views.push(RenderView {
                    world: w as u32,
                    slot: slot as u32,
                    camera: ci as u32,
                    page: page as u32,
                    tile_x: 0,
                    tile_y,
                    width: c.width,
                    height: c.height,
                    page_w: c.width,
                    page_h: 0,
                    out_offset: offset as u32,
                    pad: 0,
                });
                infos.push(ViewInfo {
                    world: w,
                    camera: ci,
                    camera_name: c.name.clone(),
                    width: c.width,
                    height: c.height,
                    offset,
                });
                offset += (c.width * c.height) as usize;
            }
        }
        // Every page is full height, whatever the batch: a view's tile transform then
        // depends only on its index, so world i renders bit for bit the same at any batch
        // size (a tile at another height rounds the clip-space transform differently, and
        // a rare edge pixel can flip).
        for (i, p) in page_sizes.iter_mut().enumerate() {
            let h = views
                .iter()
                .find(|v| v.page as usize == i)
                .map_or(1, |v| v.height);
            p.1 = (max_side / h).min(max_views_per_page) * h;
        }
        for v in &mut views {
            v.page_h = page_sizes[v.page as usize].1;
        }
        let pixels = offset;
        let max_binding = gpu.limits().max_storage_buffer_binding_size;
        if 4 * pixels as u64 > max_binding || pixels > u32::MAX as usize {
            return Err(Error::Capacity {
                limit:
                    "bytes of one render output (views × width × height × 4) per storage binding"
                        .into(),
                max: max_binding,
                attempted: 4 * pixels as u64,
            });
        }

        // GPU tables.
        let label = "render";
        let storage_with = |name: &str, bytes: &[u8]| -> Result<wgpu::Buffer, Error> {
            // At least one record of the largest struct, so empty tables still bind.
            let words = (bytes.len() / 4).max(16);
            let b = GpuBuffer::<u32>::storage(gpu, &format!("{label}.{name}"), words)?;
            if !bytes.is_empty() {
                gpu.queue.write_buffer(b.raw(), 0, bytes);
            }
            Ok(b.raw().clone())
        };
        let params = RenderParams {
            num_views: views.len() as u32,
            num_slots: worlds.len() as u32,
            num_geoms: geoms.len() as u32,
            num_lights: lights.len() as u32,
            num_cameras: ncam as u32,
            state_dim: compiled.params.state_dim,
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
        };
        let params_buf = GpuBuffer::uniform(gpu, "render.params", &params);
        let bodies_buf = storage_with("bodies", bytemuck::cast_slice(&bodies))?;
        let geoms_buf = storage_with("geoms", bytemuck::cast_slice(&geoms))?;
        let materials_buf = storage_with("materials", bytemuck::cast_slice(&materials))?;
        let colors_buf = GpuBuffer::<[f32; 4]>::storage(
            gpu,
            "render.colors",
            colors.len() * copies(per.colors),
        )?;
        colors_buf.write(gpu, 0, &repeat(&colors, copies(per.colors)));
        // Size scale of each geom (1: as modelled), per world with the colours.
        let scales_buf =
            GpuBuffer::<f32>::storage(gpu, "render.scales", colors.len() * copies(per.colors))?;
        scales_buf.write(gpu, 0, &vec![1.0; colors.len() * copies(per.colors)]);
        let cameras_buf =
            GpuBuffer::<RenderCamera>::storage(gpu, "render.cameras", ncam * copies(per.cameras))?;
        cameras_buf.write(gpu, 0, &repeat(&render_cams, copies(per.cameras)));
        let lights_buf = GpuBuffer::<RenderLight>::storage(
            gpu,
            "render.lights",
            lights.len() * copies(per.lights),
        )?;
        if !lights.is_empty() {
            lights_buf.write(gpu, 0, &repeat(&lights, copies(per.lights)));
        }
        let views_buf = storage_with("views", bytemuck::cast_slice(&views))?;
        let slots: Vec<u32> = worlds.iter().map(|&w| w as u32).collect();
        let slots_buf = storage_with("slots", bytemuck::cast_slice(&slots))?;
        let geom_pose =
            GpuBuffer::<GeomPose>::storage(gpu, "render.geom_pose", worlds.len() * geoms.len())?;
        let view_pose = GpuBuffer::<ViewPose>::storage(gpu, "render.view_pose", views.len())?;
        let light_pose =
            GpuBuffer::<LightPose>::storage(gpu, "render.light_pose", worlds.len() * lights.len())?;

        // Passes.
        let prepare = Kernel::new(
            gpu,
            "render.prepare",
            &shader::kernel_source("render_prepare")?,
            "prepare",
            PREPARE_BINDINGS,
        )?
        .bind(
            gpu,
            &[
                params_buf.raw(),
                &bodies_buf,
                &geoms_buf,
                colors_buf.raw(),
                cameras_buf.raw(),
                lights_buf.raw(),
                &views_buf,
                &slots_buf,
                state,
                geom_pose.raw(),
                view_pose.raw(),
                light_pose.raw(),
                scales_buf.raw(),
            ],
        );
        let targets = Targets {
            color: o.rgb,
            seg: o.seg,
        };
        // One fragment entry point per colour-target set; none for depth only.
        let fs = match (o.rgb, o.seg) {
            (true, true) => Some("fs_cs"),
            (true, false) => Some("fs_c"),
            (false, true) => Some("fs_s"),
            (false, false) => None,
        };
        let raster = RasterPipeline::new(
            gpu,
            "render.raster",
            &shader::kernel_source("render")?,
            "vs",
            fs,
            targets,
            RASTER_BINDINGS,
            &[
                ("HAS_CHECKER", if materials.is_empty() { 0.0 } else { 1.0 }),
                (
                    "HAS_POINT_LIGHTS",
                    if lights.iter().all(|l| l.directional != 0) {
                        0.0
                    } else {
                        1.0
                    },
                ),
            ],
        )?;
        let raster_bind = raster.bind(
            gpu,
            &[
                Resource::Buffer(params_buf.raw()),
                Resource::Buffer(&views_buf),
                Resource::Buffer(geom_pose.raw()),
                Resource::Buffer(view_pose.raw()),
                Resource::Buffer(light_pose.raw()),
                Resource::Buffer(&materials_buf),
                Resource::Buffer(&geoms_buf),
            ],
        );
        let output = |on: bool, name: &str| -> Result<Option<GpuBuffer<u32>>, Error> {
            on.then(|| GpuBuffer::storage(gpu, &format!("render.{name}"), pixels))
                .transpose()
        };
        let rgb = output(o.rgb, "rgb")?;
        let seg = output(o.seg, "seg")?;
        let depth = o
            .depth
            .then(|| GpuBuffer::<f32>::storage(gpu, "render.depth", pixels))
            .transpose()?;
        let dummy_buf = GpuBuffer::<u32>::storage(gpu, "render.unused_output", 1)?;
        let dummy = DummyTextures::new(gpu, "render");
        let resolve = Kernel::new(
            gpu,
            "render.resolve",
            &shader::kernel_source("render_resolve")?,
            "resolve",
            RESOLVE_BINDINGS,
        )?;
        // Depth textures copy only whole, so each page's depth goes through this first.
        let page_px = page_sizes
            .iter()
            .map(|&(w, h)| {
                (4 * w).next_multiple_of(raster::COPY_ROW_ALIGN) as usize / 4 * h as usize
            })
            .max()
            .unwrap_or(1);
        let depth_scratch = GpuBuffer::<f32>::storage(
            gpu,
            "render.depth_scratch",
            if o.depth { page_px } else { 1 },
        )?;
        let linearize = Kernel::new(
            gpu,
            "render.depth",
            &shader::kernel_source("render_depth")?,
            "linearize",
            DEPTH_BINDINGS,
        )?;

        // Instances: page → mesh → view → geom, so each (page, mesh) is one draw.
        let table = MeshTable::builtin();
        let visible: Vec<usize> = (0..geoms.len()).filter(|&g| colors[g][3] > 0.0).collect();
        let mut instances = Vec::new();
        let mut pages = Vec::new();
        for (p, &(pw, ph)) in page_sizes.iter().enumerate() {
            let in_page: Vec<u32> = (0..views.len() as u32)
                .filter(|&v| views[v as usize].page == p as u32)
                .collect();
            let first = in_page[0];
            let count = in_page.len() as u32;
            let mut draws = Vec::new();
            for (m, entry) in table.entries.iter().enumerate() {
                let start = instances.len() as u32;
                for &v in &in_page {
                    for &g in &visible {
                        if geoms[g].mesh == m as u32 {
                            instances.push(DrawInstance {
                                view: v,
                                geom: g as u32,
                            });
                        }
                    }
                }
                draws.push(raster::Draw {
                    indices: entry.indices.clone(),
                    base_vertex: entry.base_vertex as i32,
                    instances: start..instances.len() as u32,
                });
            }
            let targets_p = AtlasPage::new(gpu, &format!("render.page{p}"), pw, ph, targets);
            let max_pixels = in_page
                .iter()
                .map(|&v| views[v as usize].width * views[v as usize].height)
                .max()
                .unwrap_or(0);
            let page_uniform = GpuBuffer::uniform(
                gpu,
                "render.resolve_page",
                &ResolvePage {
                    first_view: first,
                    num_views: count,
                    outputs: o.bits(),
                    max_pixels,
                    depth_row: targets_p.padded_row_bytes() / 4,
                    pad0: 0,
                    pad1: 0,
                    pad2: 0,
                },
            );
            let aligned = (4 * pw) % raster::COPY_ROW_ALIGN == 0;
            let out = if aligned {
                PageOut::Copy {
                    linearize: depth.as_ref().map(|d| {
                        linearize.bind(
                            gpu,
                            &[
                                page_uniform.raw(),
                                &views_buf,
                                view_pose.raw(),
                                depth_scratch.raw(),
                                d.raw(),
                            ],
                        )
                    }),
                }
            } else {
                PageOut::Resolve(resolve.bind_resources(
                    gpu,
                    &[
                        Resource::Buffer(page_uniform.raw()),
                        Resource::Buffer(&views_buf),
                        Resource::Buffer(view_pose.raw()),
                        Resource::Texture(targets_p.color().unwrap_or(&dummy.color)),
                        Resource::Buffer(depth_scratch.raw()),
                        Resource::Texture(targets_p.seg().unwrap_or(&dummy.seg)),
                        Resource::Buffer(rgb.as_ref().map_or(dummy_buf.raw(), |b| b.raw())),
                        Resource::Buffer(depth.as_ref().map_or(dummy_buf.raw(), |b| b.raw())),
                        Resource::Buffer(seg.as_ref().map_or(dummy_buf.raw(), |b| b.raw())),
                    ],
                ))
            };
            pages.push(Page {
                targets: targets_p,
                draws,
                out,
                views: first..first + count,
                max_pixels,
                first_pixel: views[first as usize].out_offset as u64,
                rows: in_page.iter().map(|&v| views[v as usize].height).sum(),
            });
        }
        let mesh_vertices = GpuBuffer::vertex(gpu, "render.mesh_vertices", &table.vertices);
        let mesh_indices = GpuBuffer::index(gpu, "render.mesh_indices", &table.indices);
        let instances = GpuBuffer::vertex(gpu, "render.instances", &instances);
        gpu.check()?;
        Ok(BatchRenderer {
            gpu: gpu.clone(),
            views: infos,
            seg_names,
            outputs: o,
            num_geoms: geoms.len(),
            num_worlds,
            params,
            prepare,
            prepare_groups: (params.num_slots + params.num_views).div_ceil(RENDER_WORKGROUP),
            raster,
            raster_bind,
            pages,
            mesh_vertices,
            mesh_indices,
            instances,
            colors: colors_buf,
            scales: scales_buf,
            cameras: cameras_buf,
            lights: lights_buf,
            camera_specs: cams,
            slots: slots_buf.clone(),
            rgb,
            depth,
            seg,
            pixels,
            depth_scratch: depth_scratch.raw().clone(),
            view_pose: view_pose.clone(),
            _keep: vec![
                bodies_buf,
                geoms_buf,
                materials_buf,
                views_buf,
                slots_buf,
                geom_pose.raw().clone(),
                view_pose.raw().clone(),
                light_pose.raw().clone(),
                dummy_buf.raw().clone(),
            ],
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

impl BatchRenderer {
    /// The look tables and their sizes.
    pub fn look_tables(&self) -> LookTables<'_> {
        LookTables {
            colors: self.colors.raw(),
            scales: self.scales.raw(),
            cameras: self.cameras.raw(),
            lights: self.lights.raw(),
            slots: &self.slots,
            num_geoms: self.num_geoms as u32,
            num_cameras: self.camera_specs.len() as u32,
            num_lights: self.params.num_lights,
            num_slots: self.params.num_slots,
            pixels_per_world: (self.pixels / self.params.num_slots.max(1) as usize) as u32,
        }
    }

    /// Records the passes into `encoder`, after the step that wrote the State: prepare,
    /// then per page the raster pass and the copy-out (texture copies and depth
    /// linearization, or the resolve pass).
    pub fn encode(&self, encoder: &mut wgpu::CommandEncoder) {
        self.prepare.dispatch(encoder, self.prepare_groups);
        let bg = self.params.background.map(|c| c as f64);
        for (i, page) in self.pages.iter().enumerate() {
            raster::record_pass(
                encoder,
                &format!("render.raster.page{i}"),
                &self.raster,
                &self.raster_bind,
                &page.targets,
                bg,
                self.mesh_vertices.raw(),
                self.mesh_indices.raw(),
                self.instances.raw(),
                &page.draws,
            );
            let groups = page
                .max_pixels
                .div_ceil(RENDER_WORKGROUP * PIXELS_PER_THREAD);
            let nviews = page.views.len() as u32;
            match &page.out {
                PageOut::Resolve(k) => {
                    if self.depth.is_some() {
                        page.targets.copy_padded(
                            encoder,
                            raster::PageTarget::Depth,
                            &self.depth_scratch,
                        );
                    }
                    k.dispatch_2d(encoder, groups, nviews)
                }
                PageOut::Copy { linearize } => {
                    let rows = 0..page.rows;
                    let at = 4 * page.first_pixel;
                    use raster::PageTarget;
                    if let Some(b) = &self.rgb {
                        page.targets.copy_rows(
                            encoder,
                            PageTarget::Color,
                            rows.clone(),
                            b.raw(),
                            at,
                        );
                    }
                    if let Some(b) = &self.seg {
                        page.targets
                            .copy_rows(encoder, PageTarget::Seg, rows.clone(), b.raw(), at);
                    }
                    if self.depth.is_some() {
                        let all = 0..page.targets.height;
                        page.targets.copy_rows(
                            encoder,
                            PageTarget::Depth,
                            all,
                            &self.depth_scratch,
                            0,
                        );
                    }
                    if let Some(k) = linearize {
                        k.dispatch_2d(encoder, groups, nviews);
                    }
                }
            }
        }
    }

    /// Bytes [`BatchRenderer::copy_out`] writes: the requested outputs back to back
    /// (RGB, then depth, then segmentation).
    pub fn output_bytes(&self) -> u64 {
        4 * self.pixels as u64 * self.outputs.names().len() as u64
    }

    /// Records copies of the outputs into `staging` from byte `offset` on.
    pub fn copy_out(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        staging: &wgpu::Buffer,
        offset: u64,
    ) {
        let bytes = 4 * self.pixels as u64;
        let mut at = offset;
        for b in [
            self.rgb.as_ref().map(|b| b.raw()),
            self.depth.as_ref().map(|b| b.raw()),
            self.seg.as_ref().map(|b| b.raw()),
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
        Images::from_bytes(&self.views, self.outputs, self.pixels, bytes)
    }

    /// The output buffers.
    pub fn buffers(&self) -> ImageBuffers<'_> {
        ImageBuffers {
            rgb: self.rgb.as_ref().map(|b| b.raw()),
            depth: self.depth.as_ref().map(|b| b.raw()),
            seg: self.seg.as_ref().map(|b| b.raw()),
        }
    }

    /// Fills the outputs with values the resolve pass never writes: RGB 0 (alpha 0),
    /// depth NaN, segmentation `u32::MAX`. For tests that every pixel gets written.
    pub fn poison(&self) {
        if let Some(b) = &self.rgb {
            b.fill_u32(&self.gpu, 0);
        }
        if let Some(b) = &self.depth {
            b.fill_u32(&self.gpu, u32::MAX);
        }
        if let Some(b) = &self.seg {
            b.fill_u32(&self.gpu, u32::MAX);
        }
    }

    /// Every view's camera as it was for the last frame rendered (after randomization of
    /// camera poses and fields of view, and following bodies), read back from the GPU: for
    /// labels, not for per-step use. In output order, like [`views`](Self::views).
    pub fn view_cameras(&self) -> Result<Vec<ViewCamera>, Error> {
        let poses = self.view_pose.read(&self.gpu)?;
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
        self.outputs
    }

    /// Names of the segmentation ids: entry `id - 1` names id `id`.
    pub fn seg_names(&self) -> &[String] {
        &self.seg_names
    }

    /// Atlas pages, as (width, height) in pixels.
    pub fn pages(&self) -> Vec<(u32, u32)> {
        self.pages
            .iter()
            .map(|p| (p.targets.width, p.targets.height))
            .collect()
    }

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
        self.colors
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
        let rc = RenderCamera {
            body: spec.body as u32,
            mode: CAMERA_FIXED,
            width: spec.width,
            height: spec.height,
            pos: v4(spec.pos, 0.0),
            quat: q4(spec.quat.normalize()),
            intrinsics: spec.pixels(),
            clip: [spec.near, spec.far, 0.0, 0.0],
        };
        self.cameras.write(&self.gpu, w * ncam + camera, &[rc]);
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
        self.lights.write(&self.gpu, w * n + light, &[*value]);
        Ok(())
    }
}
