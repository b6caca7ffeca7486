//! The shown frame: one camera of every world as `render::files`' panel mosaic, in the
//! window's 0RGB pixels, and its way to the window (scaled) and to a screenshot (PNG).

use super::Mode;
use crate::common::write_atomic;
use manyworlds::render::files::{self, Panel};
use manyworlds::render::Images;
use manyworlds::Error;
use winit::dpi::PhysicalSize;

/// The window's default longest side, pixels: the mosaic is enlarged by a whole factor
/// up to this.
const WINDOW_TARGET: u32 = 1024;

/// The shown frame: world `i` is tile `i` of the library's mosaic grid (⌈√N⌉ columns,
/// row by row from the top left; cells past the last world black), 0RGB pixels.
#[derive(Default)]
pub(super) struct Frame {
    /// Width, pixels.
    pub(super) width: usize,
    /// Height, pixels.
    pub(super) height: usize,
    /// `height` rows of `width` pixels, `0x00RRGGBB`.
    pub(super) pixels: Vec<u32>,
}

impl Frame {
    /// Tiles camera `cam` of each of the `worlds` worlds in `mode`.
    pub(super) fn fill(
        &mut self,
        images: &Images<'_>,
        worlds: usize,
        cam: usize,
        mode: Mode,
    ) -> Result<(), Error> {
        let missing = |what: &str| Error::InvalidArgument {
            field: "renderer output".into(),
            value: what.into(),
            allowed: "rgb, depth and seg, which the viewer requests".into(),
        };
        let views: Vec<usize> = (0..worlds)
            .map(|w| {
                images
                    .find(w, cam)
                    .ok_or_else(|| missing(&format!("view of world {w}, camera {cam}")))
            })
            .collect::<Result<_, _>>()?;
        let panel = match mode {
            Mode::Rgb => Panel::Rgb,
            Mode::Depth => {
                let (near, far) =
                    shown_depth_range(images, &views).ok_or_else(|| missing("depth"))?;
                Panel::Depth { near, far }
            }
            Mode::Seg => Panel::Seg,
        };
        let mosaic =
            files::mosaic_panel_of(images, &views, panel).ok_or_else(|| missing(mode.name()))?;
        self.width = mosaic.width() as usize;
        self.height = mosaic.height() as usize;
        self.pixels.clear();
        self.pixels
            .extend(mosaic.pixels().map(|p| pack(p.0[0], p.0[1], p.0[2])));
        Ok(())
    }

    /// Writes the frame to `path` as an 8-bit RGB PNG, through a temporary file and a
    /// rename.
    pub(super) fn save_png(&self, path: &str) -> Result<(), Error> {
        let rgb: Vec<u8> = self
            .pixels
            .iter()
            .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8])
            .collect();
        let mut bytes = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut bytes),
            &rgb,
            self.width as u32,
            self.height as u32,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| Error::Io {
            path: path.into(),
            message: e.to_string(),
        })?;
        write_atomic(path, &bytes)
    }

    /// Draws the frame into a `ww` × `wh` window buffer: scaled by nearest neighbour
    /// with its aspect ratio kept, centred, black around it.
    pub(super) fn blit(&self, out: &mut [u32], ww: usize, wh: usize) {
        let scale = (ww as f64 / self.width as f64).min(wh as f64 / self.height as f64);
        let (sw, sh) = (
            ((self.width as f64 * scale) as usize).clamp(1, ww),
            ((self.height as f64 * scale) as usize).clamp(1, wh),
        );
        let (ox, oy) = ((ww - sw) / 2, (wh - sh) / 2);
        let cols: Vec<usize> = (0..sw)
            .map(|x| (x * self.width / sw).min(self.width - 1))
            .collect();
        out.fill(0);
        for y in 0..sh {
            let src = (y * self.height / sh).min(self.height - 1) * self.width;
            let dst = &mut out[(oy + y) * ww + ox..][..sw];
            for (d, &c) in dst.iter_mut().zip(&cols) {
                *d = self.pixels[src + c];
            }
        }
    }
}

/// The depth range of the shown tiles `views` (nearest and farthest surface, m), so that
/// tiles compare; `(∞, 0)` when no surface is in view (everything is then background,
/// black). None when depth was not rendered.
fn shown_depth_range(images: &Images<'_>, views: &[usize]) -> Option<(f32, f32)> {
    let mut range = (f32::INFINITY, 0.0f32);
    for &v in views {
        for &d in images.depth(v)? {
            if d > 0.0 {
                range = (range.0.min(d), range.1.max(d));
            }
        }
    }
    Some(range)
}

fn pack(r: u8, g: u8, b: u8) -> u32 {
    ((r as u32) << 16) | ((g as u32) << 8) | b as u32
}

/// The window's first size for a `w` × `h` mosaic: enlarged by the largest whole factor
/// that keeps its longest side within [`WINDOW_TARGET`], or shrunk to that side when the
/// mosaic is larger.
pub(super) fn window_size(w: usize, h: usize) -> PhysicalSize<u32> {
    let (w, h) = (w.max(1), h.max(1));
    let side = w.max(h);
    let target = WINDOW_TARGET as usize;
    let (w, h) = if side <= target {
        let k = target / side;
        (w * k, h * k)
    } else {
        ((w * target / side).max(1), (h * target / side).max(1))
    };
    PhysicalSize::new(w as u32, h as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_fits_the_target_side() {
        assert_eq!(window_size(128, 128), PhysicalSize::new(1024, 1024));
        assert_eq!(window_size(300, 100), PhysicalSize::new(900, 300));
        assert_eq!(window_size(8192, 4096), PhysicalSize::new(1024, 512));
    }

    /// The library's colour maps as the frame packs them.
    #[test]
    fn colour_maps_keep_the_background_black() {
        let seg_color = |id: u32| {
            let [r, g, b, _] = files::seg_color(id);
            pack(r, g, b)
        };
        let depth_color = |d: f32, range: (f32, f32)| {
            let [r, g, b, _] = files::depth_color(d, range.0, range.1);
            pack(r, g, b)
        };
        assert_eq!(seg_color(0), 0);
        assert_eq!(depth_color(0.0, (1.0, 2.0)), 0);
        assert_ne!(seg_color(1), seg_color(2));
        assert_ne!(depth_color(1.0, (1.0, 2.0)), depth_color(2.0, (1.0, 2.0)));
        assert_ne!(seg_color(7), 0);
    }

    #[test]
    fn blit_scales_by_nearest_neighbour() {
        let m = Frame {
            width: 2,
            height: 1,
            pixels: vec![1, 2],
        };
        let mut out = vec![9; 4 * 4];
        m.blit(&mut out, 4, 4);
        // 2x1 scaled by 2 into 4x2, centred vertically (one black row above and below).
        assert_eq!(out[..4], [0, 0, 0, 0]);
        assert_eq!(out[4..12], [1, 1, 2, 2, 1, 1, 2, 2]);
        assert_eq!(out[12..], [0, 0, 0, 0]);
    }
}
