//! Atlas planning: which atlas page and tile each view renders into, and where its pixels
//! land in the packed outputs.
//!
//! A page is a column of consecutive views of one size, stacked top to bottom, so its rows
//! are the views' rows in output order: when a row is a multiple of 256 bytes (width a
//! multiple of 64 pixels) one texture copy per page moves them into the packed outputs
//! with no resolve pass. Each 64 × 64 view is then also exactly one of lavapipe's
//! rasterizer tiles.

use super::camera::CameraSpec;
use super::images::ViewInfo;
use crate::gpu::raster;
use crate::layout::render::RenderView;
use crate::Error;
use std::ops::Range;

/// Largest atlas page side, pixels, whatever the adapter allows: 4096² pages keep each
/// target at 64 MiB and a clear cheap.
pub const MAX_PAGE_SIDE: u32 = 4096;

/// One atlas page: its size and the views it holds.
#[derive(Debug, Clone)]
pub(super) struct PagePlan {
    /// Width, pixels (its views' width).
    pub width: u32,
    /// Height, pixels: always as many views as fit, whatever the batch.
    pub height: u32,
    /// Its views, by index in output order.
    pub views: Range<u32>,
    /// Pixels of its largest view.
    pub max_pixels: u32,
    /// First pixel of the page's first view in the outputs.
    pub first_pixel: u64,
    /// Rows its views fill (the page may be taller).
    pub rows: u32,
}

/// Where every view renders and where its pixels go.
pub(super) struct AtlasPlan {
    /// The views' records for the GPU, in output order.
    pub views: Vec<RenderView>,
    /// The views as the outputs lay them out, in output order.
    pub infos: Vec<ViewInfo>,
    /// The pages, in order.
    pub pages: Vec<PagePlan>,
    /// Pixels of all views together (of each output).
    pub pixels: usize,
}

impl AtlasPlan {
    /// Places the views of `worlds` (world-major, then camera) through `cams` into pages
    /// within the adapter's `limits`.
    pub fn new(
        limits: &wgpu::Limits,
        worlds: &[usize],
        cams: &[CameraSpec],
    ) -> Result<AtlasPlan, Error> {
        let max_side = limits.max_texture_dimension_2d.min(MAX_PAGE_SIDE);
        let max_views_per_page = limits.max_compute_workgroups_per_dimension;
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
        let max_binding = limits.max_storage_buffer_binding_size;
        if 4 * pixels as u64 > max_binding || pixels > u32::MAX as usize {
            return Err(Error::Capacity {
                limit:
                    "bytes of one render output (views × width × height × 4) per storage binding"
                        .into(),
                max: max_binding,
                attempted: 4 * pixels as u64,
            });
        }
        let pages = page_plans(&views, &page_sizes);
        Ok(AtlasPlan {
            views,
            infos,
            pages,
            pixels,
        })
    }

    /// Pixels of the largest page with its rows padded to whole texture-copy rows: depth
    /// textures copy only whole, so each page's depth goes through a buffer this size.
    pub fn padded_page_pixels(&self) -> usize {
        self.pages
            .iter()
            .map(|p| {
                (4 * p.width).next_multiple_of(raster::COPY_ROW_ALIGN) as usize / 4
                    * p.height as usize
            })
            .max()
            .unwrap_or(1)
    }
}

/// The pages of `page_sizes` ((width, height) each) holding `views`.
fn page_plans(views: &[RenderView], page_sizes: &[(u32, u32)]) -> Vec<PagePlan> {
    page_sizes
        .iter()
        .enumerate()
        .map(|(p, &(width, height))| {
            let in_page: Vec<u32> = (0..views.len() as u32)
                .filter(|&v| views[v as usize].page == p as u32)
                .collect();
            let first = in_page[0];
            let count = in_page.len() as u32;
            PagePlan {
                width,
                height,
                views: first..first + count,
                max_pixels: in_page
                    .iter()
                    .map(|&v| views[v as usize].width * views[v as usize].height)
                    .max()
                    .unwrap_or(0),
                first_pixel: views[first as usize].out_offset as u64,
                rows: in_page.iter().map(|&v| views[v as usize].height).sum(),
            }
        })
        .collect()
}
