//! The GPU passes: `render.prepare` (poses), `render.raster` (one render pass per atlas
//! page, one instanced draw per mesh) and the copy-out of each page (texture copies and
//! `render.depth`, or `render.resolve`); their pipelines, bind groups and draw lists, and
//! how they are recorded.

use super::atlas::{AtlasPlan, PagePlan};
use super::buffers::{OutputBuffers, TableBuffers};
use super::mesh::MeshTable;
use super::tables::SceneTables;
use crate::gpu::raster::{self, AtlasPage, DummyTextures, PageTarget, RasterPipeline, Targets};
use crate::gpu::{shader, Binding, BoundKernel, Gpu, GpuBuffer, Kernel, Resource};
use crate::layout::render::{
    DrawInstance, MeshVertex, RenderParams, ResolvePage, PIXELS_PER_THREAD, RENDER_WORKGROUP,
};
use crate::Error;

// Binding tables of the passes, in the order of each shader's `@binding` list.

/// The binding table of `render.prepare`.
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
/// The binding table of `render.raster`.
const RASTER_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
];
/// The binding table of `render.resolve`.
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
/// The binding table of `render.depth`.
const DEPTH_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::Storage,
];

/// One atlas page: its targets, its draws and how its pixels reach the outputs.
struct Page {
    /// Size and views.
    plan: PagePlan,
    /// Colour, segmentation and depth targets.
    targets: AtlasPage,
    /// One draw per mesh (some may be empty).
    draws: Vec<raster::Draw>,
    /// The copy-out.
    out: PageOut,
}

/// How a page's pixels reach the outputs.
enum PageOut {
    /// Texture copies (rows aligned), then `render.depth` linearizes depth in place.
    Copy { linearize: Option<BoundKernel> },
    /// `render.resolve` reads the targets and writes the outputs.
    Resolve(BoundKernel),
}

/// The passes of one renderer, ready to record.
pub(super) struct Passes {
    /// `render.prepare`, bound.
    prepare: BoundKernel,
    /// Workgroups of `render.prepare`: one thread per rendered world and per view.
    prepare_groups: u32,
    /// `render.raster`.
    raster: RasterPipeline,
    /// Its bind group (shared by all pages).
    raster_bind: wgpu::BindGroup,
    /// The atlas pages.
    pages: Vec<Page>,
    /// Every mesh's vertices.
    mesh_vertices: GpuBuffer<MeshVertex>,
    /// Every mesh's indices.
    mesh_indices: GpuBuffer<u32>,
    /// (view, geom) per instance, page → mesh → view → geom.
    instances: GpuBuffer<DrawInstance>,
}

impl Passes {
    /// The passes that render the views of `atlas` into `out`, reading the State buffer
    /// `state` and the tables in `buffers` (uploaded from `tables`).
    pub fn new(
        gpu: &Gpu,
        state: &wgpu::Buffer,
        params: &RenderParams,
        tables: &SceneTables,
        atlas: &AtlasPlan,
        buffers: &TableBuffers,
        out: &OutputBuffers,
    ) -> Result<Passes, Error> {
        let prepare = prepare_pass(gpu, buffers, state)?;
        let targets = Targets {
            color: out.outputs.rgb,
            seg: out.outputs.seg,
        };
        let raster = raster_pipeline(gpu, tables, targets)?;
        let raster_bind = raster.bind(
            gpu,
            &[
                Resource::Buffer(buffers.params.raw()),
                Resource::Buffer(&buffers.views),
                Resource::Buffer(buffers.geom_pose.raw()),
                Resource::Buffer(buffers.view_pose.raw()),
                Resource::Buffer(buffers.light_pose.raw()),
                Resource::Buffer(&buffers.materials),
                Resource::Buffer(&buffers.geoms),
            ],
        );
        let meshes = MeshTable::builtin();
        let (instances, draws) = draw_lists(atlas, tables, &meshes);
        let pages = page_passes(gpu, atlas, buffers, out, targets, draws)?;
        Ok(Passes {
            prepare,
            prepare_groups: (params.num_slots + params.num_views).div_ceil(RENDER_WORKGROUP),
            raster,
            raster_bind,
            pages,
            mesh_vertices: GpuBuffer::vertex(gpu, "render.mesh_vertices", &meshes.vertices),
            mesh_indices: GpuBuffer::index(gpu, "render.mesh_indices", &meshes.indices),
            instances: GpuBuffer::vertex(gpu, "render.instances", &instances),
        })
    }

    /// Atlas pages, as (width, height) in pixels.
    pub fn page_sizes(&self) -> Vec<(u32, u32)> {
        self.pages
            .iter()
            .map(|p| (p.targets.width, p.targets.height))
            .collect()
    }

    /// Records the passes into `encoder`: prepare, then per page the raster pass (cleared
    /// to `background`) and the copy-out into `out`.
    pub fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        background: [f64; 4],
        out: &OutputBuffers,
    ) {
        self.prepare.dispatch(encoder, self.prepare_groups);
        for (i, page) in self.pages.iter().enumerate() {
            raster::record_pass(
                encoder,
                &format!("render.raster.page{i}"),
                &self.raster,
                &self.raster_bind,
                &page.targets,
                background,
                self.mesh_vertices.raw(),
                self.mesh_indices.raw(),
                self.instances.raw(),
                &page.draws,
            );
            page.copy_out(encoder, out);
        }
    }
}

impl Page {
    /// Records the copy-out of the page's pixels into `out`: texture copies and depth
    /// linearization, or the resolve pass.
    fn copy_out(&self, encoder: &mut wgpu::CommandEncoder, out: &OutputBuffers) {
        let groups = self
            .plan
            .max_pixels
            .div_ceil(RENDER_WORKGROUP * PIXELS_PER_THREAD);
        let nviews = self.plan.views.len() as u32;
        let scratch = out.depth_scratch.raw();
        match &self.out {
            PageOut::Resolve(k) => {
                if out.depth.is_some() {
                    self.targets
                        .copy_padded(encoder, PageTarget::Depth, scratch);
                }
                k.dispatch_2d(encoder, groups, nviews)
            }
            PageOut::Copy { linearize } => {
                let rows = 0..self.plan.rows;
                let at = 4 * self.plan.first_pixel;
                if let Some(b) = &out.rgb {
                    self.targets
                        .copy_rows(encoder, PageTarget::Color, rows.clone(), b.raw(), at);
                }
                if let Some(b) = &out.seg {
                    self.targets
                        .copy_rows(encoder, PageTarget::Seg, rows.clone(), b.raw(), at);
                }
                if out.depth.is_some() {
                    let all = 0..self.targets.height;
                    self.targets
                        .copy_rows(encoder, PageTarget::Depth, all, scratch, 0);
                }
                if let Some(k) = linearize {
                    k.dispatch_2d(encoder, groups, nviews);
                }
            }
        }
    }
}

/// `render.prepare`, bound to the tables and the State buffer `state`.
fn prepare_pass(
    gpu: &Gpu,
    buffers: &TableBuffers,
    state: &wgpu::Buffer,
) -> Result<BoundKernel, Error> {
    let b = buffers;
    Ok(Kernel::new(
        gpu,
        "render.prepare",
        &shader::kernel_source("render_prepare")?,
        "prepare",
        PREPARE_BINDINGS,
    )?
    .bind(
        gpu,
        &[
            b.params.raw(),
            &b.bodies,
            &b.geoms,
            b.colors.raw(),
            b.cameras.raw(),
            b.lights.raw(),
            &b.views,
            &b.slots,
            state,
            b.geom_pose.raw(),
            b.view_pose.raw(),
            b.light_pose.raw(),
            b.scales.raw(),
        ],
    ))
}

/// `render.raster` for `targets`, specialized to what `tables` use.
fn raster_pipeline(
    gpu: &Gpu,
    tables: &SceneTables,
    targets: Targets,
) -> Result<RasterPipeline, Error> {
    // One fragment entry point per colour-target set; none for depth only.
    let fs = match (targets.color, targets.seg) {
        (true, true) => Some("fs_cs"),
        (true, false) => Some("fs_c"),
        (false, true) => Some("fs_s"),
        (false, false) => None,
    };
    let flag = |on: bool| if on { 1.0 } else { 0.0 };
    RasterPipeline::new(
        gpu,
        "render.raster",
        &shader::kernel_source("render")?,
        "vs",
        fs,
        targets,
        RASTER_BINDINGS,
        &[
            ("HAS_CHECKER", flag(tables.has_checker())),
            ("HAS_POINT_LIGHTS", flag(tables.has_point_lights())),
        ],
    )
}

/// The draw instances, page → mesh → view → geom, so each (page, mesh) is one draw, and
/// each page's draws: one per mesh of `meshes`, over the visible geoms (alpha above 0;
/// MuJoCo hides the others) of each view of the page.
fn draw_lists(
    atlas: &AtlasPlan,
    tables: &SceneTables,
    meshes: &MeshTable,
) -> (Vec<DrawInstance>, Vec<Vec<raster::Draw>>) {
    let geoms = &tables.geoms;
    let visible: Vec<usize> = (0..geoms.len())
        .filter(|&g| tables.colors[g][3] > 0.0)
        .collect();
    let mut instances = Vec::new();
    let mut page_draws = Vec::new();
    for page in &atlas.pages {
        let mut draws = Vec::new();
        for (m, entry) in meshes.entries.iter().enumerate() {
            let start = instances.len() as u32;
            for v in page.views.clone() {
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
        page_draws.push(draws);
    }
    (instances, page_draws)
}

/// Each page's targets and copy-out: texture copies when its rows are whole copy rows
/// (width a multiple of 64 pixels), else the resolve pass.
fn page_passes(
    gpu: &Gpu,
    atlas: &AtlasPlan,
    buffers: &TableBuffers,
    out: &OutputBuffers,
    targets: Targets,
    draws: Vec<Vec<raster::Draw>>,
) -> Result<Vec<Page>, Error> {
    let dummy = DummyTextures::new(gpu, "render");
    let resolve = Kernel::new(
        gpu,
        "render.resolve",
        &shader::kernel_source("render_resolve")?,
        "resolve",
        RESOLVE_BINDINGS,
    )?;
    let linearize = Kernel::new(
        gpu,
        "render.depth",
        &shader::kernel_source("render_depth")?,
        "linearize",
        DEPTH_BINDINGS,
    )?;
    let unused = out.unused.raw();
    let mut pages = Vec::new();
    for ((p, plan), draws) in atlas.pages.iter().enumerate().zip(draws) {
        let page_targets = AtlasPage::new(
            gpu,
            &format!("render.page{p}"),
            plan.width,
            plan.height,
            targets,
        );
        let page_uniform = GpuBuffer::uniform(
            gpu,
            "render.resolve_page",
            &ResolvePage {
                first_view: plan.views.start,
                num_views: plan.views.len() as u32,
                outputs: out.outputs.bits(),
                max_pixels: plan.max_pixels,
                depth_row: page_targets.padded_row_bytes() / 4,
                pad0: 0,
                pad1: 0,
                pad2: 0,
            },
        );
        let aligned = (4 * plan.width) % raster::COPY_ROW_ALIGN == 0;
        let page_out = if aligned {
            PageOut::Copy {
                linearize: out.depth.as_ref().map(|d| {
                    linearize.bind(
                        gpu,
                        &[
                            page_uniform.raw(),
                            &buffers.views,
                            buffers.view_pose.raw(),
                            out.depth_scratch.raw(),
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
                    Resource::Buffer(&buffers.views),
                    Resource::Buffer(buffers.view_pose.raw()),
                    Resource::Texture(page_targets.color().unwrap_or(&dummy.color)),
                    Resource::Buffer(out.depth_scratch.raw()),
                    Resource::Texture(page_targets.seg().unwrap_or(&dummy.seg)),
                    Resource::Buffer(out.rgb.as_ref().map_or(unused, |b| b.raw())),
                    Resource::Buffer(out.depth.as_ref().map_or(unused, |b| b.raw())),
                    Resource::Buffer(out.seg.as_ref().map_or(unused, |b| b.raw())),
                ],
            ))
        };
        pages.push(Page {
            plan: plan.clone(),
            targets: page_targets,
            draws,
            out: page_out,
        });
    }
    Ok(pages)
}
