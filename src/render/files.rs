//! Writing rendered views to files: PNG colour, 16-bit PNG segmentation, NPY depth, and
//! mosaics of many views.

use super::Images;
use crate::Error;
use std::path::Path;

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// `data` (`[h, w]`, row-major) as the bytes of a little-endian float32 NPY file
/// (format 1.0), for writers that place the file themselves.
pub fn npy_f32_bytes(h: u32, w: u32, data: &[f32]) -> Vec<u8> {
    assert_eq!(data.len(), (h * w) as usize, "npy data must be h × w");
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({h}, {w}), }}");
    // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended by
    // a newline to a multiple of 64 bytes.
    let unpadded = 10 + dict.len() + 1;
    let pad = unpadded.next_multiple_of(64) - unpadded;
    let header = format!("{dict}{}\n", " ".repeat(pad));
    let mut bytes = Vec::with_capacity(10 + header.len() + 4 * data.len());
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in data {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

/// Writes `data` (`[h, w]`, row-major) as a little-endian float32 NPY file (format 1.0).
pub fn write_npy_f32(path: &Path, h: u32, w: u32, data: &[f32]) -> Result<(), Error> {
    std::fs::write(path, npy_f32_bytes(h, w, data)).map_err(|e| io(path, e))
}

/// Reads a float32 NPY file written by [`write_npy_f32`]: `(h, w, data)`.
pub fn read_npy_f32(path: &Path) -> Result<(u32, u32, Vec<f32>), Error> {
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    let bad = |m: &str| io(path, format!("not a float32 2-D NPY file: {m}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("no magic"));
    }
    let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hl]).map_err(|_| bad("header"))?;
    if !header.contains("'<f4'") {
        return Err(bad("dtype"));
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("shape"))?;
    let dims: Vec<u32> = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| bad("shape")))
        .collect::<Result<_, _>>()?;
    let [h, w] = dims[..] else {
        return Err(bad("rank"));
    };
    let data: Vec<f32> = bytes[10 + hl..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if data.len() != (h * w) as usize {
        return Err(bad("length"));
    }
    Ok((h, w, data))
}

/// Writes segmentation ids (`[h, w]`) as a 16-bit greyscale PNG; ids above 65535 are an
/// error naming the pixel.
pub fn write_seg_png(path: &Path, h: u32, w: u32, ids: &[u32]) -> Result<(), Error> {
    let mut px = Vec::with_capacity(ids.len());
    for (i, &id) in ids.iter().enumerate() {
        px.push(u16::try_from(id).map_err(|_| Error::InvalidArgument {
            field: format!(
                "segmentation id at pixel ({}, {})",
                i as u32 % w,
                i as u32 / w
            ),
            value: id.to_string(),
            allowed: "at most 65535 to fit a 16-bit PNG".into(),
        })?);
    }
    let img = image::ImageBuffer::<image::Luma<u16>, _>::from_raw(w, h, px)
        .expect("h × w ids make an image");
    img.save(path).map_err(|e| io(path, e))
}

/// The mosaic grid of `images`: as square as possible, in view order, each cell the size
/// of the largest view. `None` without views.
struct Grid {
    cols: u32,
    cell_w: u32,
    cell_h: u32,
    width: u32,
    height: u32,
}

impl Grid {
    fn of(images: &Images<'_>) -> Option<Grid> {
        let all: Vec<usize> = (0..images.views().len()).collect();
        Grid::of_views(images, &all)
    }

    /// The grid of the views `list` (indices into `images.views()`), in that order.
    fn of_views(images: &Images<'_>, list: &[usize]) -> Option<Grid> {
        let views = images.views();
        let cell_w = list.iter().map(|&v| views[v].width).max()?;
        let cell_h = list.iter().map(|&v| views[v].height).max()?;
        Some(Grid::new(list.len(), cell_w, cell_h))
    }

    /// `n` (at least 1) cells of `cell_w` × `cell_h` pixels in ⌈√n⌉ columns, filled row
    /// by row.
    fn new(n: usize, cell_w: u32, cell_h: u32) -> Grid {
        let n = n as u32;
        let cols = (n as f64).sqrt().ceil() as u32;
        Grid {
            cols,
            cell_w,
            cell_h,
            width: cols * cell_w,
            height: n.div_ceil(cols) * cell_h,
        }
    }

    /// Top-left pixel of view `i`'s cell.
    fn origin(&self, i: usize) -> (u32, u32) {
        let i = i as u32;
        ((i % self.cols) * self.cell_w, (i / self.cols) * self.cell_h)
    }
}

/// Lays out every view's RGB in a grid (as square as possible, in view order) on a
/// background of `fill`.
pub fn mosaic_rgb(images: &Images<'_>, fill: [u8; 4]) -> Option<image::RgbaImage> {
    let grid = Grid::of(images)?;
    let mut out = image::RgbaImage::from_pixel(grid.width, grid.height, image::Rgba(fill));
    for i in 0..images.views().len() {
        let (x, y) = grid.origin(i);
        image::imageops::replace(&mut out, &images.rgba_image(i)?, x as i64, y as i64);
    }
    Some(out)
}

/// Lays out every view's depth in a grid as grey levels: near is bright, `far_m` and the
/// background are black.
pub fn mosaic_depth(images: &Images<'_>, far_m: f32) -> Option<image::GrayImage> {
    let grid = Grid::of(images)?;
    let mut out = image::GrayImage::new(grid.width, grid.height);
    for (i, v) in images.views().iter().enumerate() {
        let d = images.depth(i)?;
        let (x0, y0) = grid.origin(i);
        for y in 0..v.height {
            for x in 0..v.width {
                let z = d[(y * v.width + x) as usize];
                let g = if z > 0.0 {
                    (255.0 * (1.0 - (z / far_m).clamp(0.0, 1.0))).round() as u8
                } else {
                    0
                };
                out.put_pixel(x0 + x, y0 + y, image::Luma([g]));
            }
        }
    }
    Some(out)
}

/// Writes every view of `images` into `dir` under the names outside checks read:
/// `world{i}_{camera}_rgb.png` (characters other than ASCII letters, digits, `-`, `_` and `.`
/// in camera names become `_`), `world{i}_{camera}_depth.npy` (float32, H × W, metres),
/// `world{i}_{camera}_seg.png` (16-bit ids), each for the outputs present, plus
/// `mosaic_rgb.png` (and `mosaic_depth.png` for a look at depth). Returns the paths written.
pub fn write_views(dir: &Path, images: &Images<'_>, far_m: f32) -> Result<Vec<String>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut written = Vec::new();
    for (i, v) in images.views().iter().enumerate() {
        let camera: String = v
            .camera_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let stem = format!("world{}_{camera}", v.world);
        if let Some(img) = images.rgba_image(i) {
            let p = dir.join(format!("{stem}_rgb.png"));
            img.save(&p).map_err(|e| io(&p, e))?;
            written.push(p.display().to_string());
        }
        if let Some(d) = images.depth(i) {
            let p = dir.join(format!("{stem}_depth.npy"));
            write_npy_f32(&p, v.height, v.width, d)?;
            written.push(p.display().to_string());
        }
        if let Some(s) = images.seg(i) {
            let p = dir.join(format!("{stem}_seg.png"));
            write_seg_png(&p, v.height, v.width, s)?;
            written.push(p.display().to_string());
        }
    }
    if let Some(m) = mosaic_rgb(images, [0, 0, 0, 255]) {
        let p = dir.join("mosaic_rgb.png");
        m.save(&p).map_err(|e| io(&p, e))?;
        written.push(p.display().to_string());
    }
    if let Some(m) = mosaic_depth(images, far_m) {
        let p = dir.join("mosaic_depth.png");
        m.save(&p).map_err(|e| io(&p, e))?;
        written.push(p.display().to_string());
    }
    Ok(written)
}

/// What a colour mosaic shows of each view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Panel {
    /// The RGB output.
    Rgb,
    /// Depth through [`depth_color`] over `[near, far]` metres (background black).
    Depth {
        /// Depth shown brightest, m.
        near: f32,
        /// Depth shown darkest, m.
        far: f32,
    },
    /// Segmentation ids through [`seg_color`] (background black).
    Seg,
}

/// Control points of the depth colour map, near to far: yellow, green, teal, blue,
/// purple (viridis' hues reversed, so that near is bright and perceived order holds).
const DEPTH_MAP: [[f32; 3]; 5] = [
    [0.99, 0.91, 0.15],
    [0.37, 0.79, 0.38],
    [0.13, 0.57, 0.55],
    [0.23, 0.32, 0.55],
    [0.27, 0.0, 0.33],
];

/// A depth in metres as a colour: `near` yellow through `far` purple, clamped outside;
/// [`DEPTH_BACKGROUND`](super::DEPTH_BACKGROUND) (nothing there) is black. The map is
/// linear in inverse depth, so near objects keep their contrast against a floor that
/// runs to the horizon.
pub fn depth_color(z: f32, near: f32, far: f32) -> [u8; 4] {
    if z <= 0.0 || !z.is_finite() {
        return [0, 0, 0, 255];
    }
    let (inear, ifar) = (1.0 / near.max(1e-6), 1.0 / far.max(near.max(1e-6) * 1.0001));
    let t = ((inear - 1.0 / z) / (inear - ifar)).clamp(0.0, 1.0) * (DEPTH_MAP.len() - 1) as f32;
    let i = (t.floor() as usize).min(DEPTH_MAP.len() - 2);
    let f = t - i as f32;
    let c = |k: usize| {
        let v = DEPTH_MAP[i][k] + f * (DEPTH_MAP[i + 1][k] - DEPTH_MAP[i][k]);
        (255.0 * v).round() as u8
    };
    [c(0), c(1), c(2), 255]
}

/// A segmentation id as a colour: 0 (background) black, others spread around the hue
/// circle by the golden ratio so that neighbouring ids differ, at fixed saturation and
/// value.
pub fn seg_color(id: u32) -> [u8; 4] {
    if id == 0 {
        return [0, 0, 0, 255];
    }
    let h = (id as f32 * 0.618_034).fract() * 6.0;
    let (s, v) = (0.65_f32, 0.95_f32);
    let x = v * s * (1.0 - ((h % 2.0) - 1.0).abs());
    let c = v * s;
    let m = v - c;
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let q = |u: f32| (255.0 * (u + m)).round() as u8;
    [q(r), q(g), q(b), 255]
}

/// A depth range for [`Panel::Depth`] that stays fixed across frames: the 1st and 95th
/// percentiles of the depths of every surface pixel in every view (None when nothing is
/// in view, or no depth was rendered). Percentiles, not the extremes, because a floor
/// plane runs out to the far plane and would squeeze every object into one colour.
pub fn depth_range(images: &Images<'_>) -> Option<(f32, f32)> {
    let mut d: Vec<f32> = images
        .depth_all()?
        .iter()
        .copied()
        .filter(|z| *z > 0.0 && z.is_finite())
        .collect();
    if d.is_empty() {
        return None;
    }
    d.sort_by(f32::total_cmp);
    let at = |q: f64| d[((d.len() - 1) as f64 * q).round() as usize];
    let (lo, hi) = (at(0.01), at(0.95));
    Some((lo, hi.max(lo * 1.01 + 1e-3)))
}

/// One view as a colour image of `panel`; None when that output was not rendered.
pub fn view_panel(images: &Images<'_>, v: usize, panel: Panel) -> Option<image::RgbaImage> {
    let info = &images.views()[v];
    match panel {
        Panel::Rgb => images.rgba_image(v),
        Panel::Depth { near, far } => {
            let d = images.depth(v)?;
            let px = d.iter().flat_map(|&z| depth_color(z, near, far)).collect();
            image::RgbaImage::from_raw(info.width, info.height, px)
        }
        Panel::Seg => {
            let s = images.seg(v)?;
            let px = s.iter().flat_map(|&id| seg_color(id)).collect();
            image::RgbaImage::from_raw(info.width, info.height, px)
        }
    }
}

/// Every view's `panel` in a grid (the layout of [`mosaic_rgb`]) on black; None when
/// that output was not rendered.
pub fn mosaic_panel(images: &Images<'_>, panel: Panel) -> Option<image::RgbaImage> {
    let all: Vec<usize> = (0..images.views().len()).collect();
    mosaic_panel_of(images, &all, panel)
}

/// The views `list` (indices into `images.views()`, e.g. one camera of every world) of
/// `panel` in a grid, in that order, on black; None when that output was not rendered
/// or `list` is empty.
pub fn mosaic_panel_of(
    images: &Images<'_>,
    list: &[usize],
    panel: Panel,
) -> Option<image::RgbaImage> {
    let grid = Grid::of_views(images, list)?;
    let mut out =
        image::RgbaImage::from_pixel(grid.width, grid.height, image::Rgba([0, 0, 0, 255]));
    for (k, &v) in list.iter().enumerate() {
        let (x, y) = grid.origin(k);
        image::imageops::replace(&mut out, &view_panel(images, v, panel)?, x as i64, y as i64);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ViewInfo;

    #[test]
    fn mosaic_is_square_enough_and_exact() {
        let m = Grid::new(4, 64, 64);
        assert_eq!((m.cols, m.width, m.height), (2, 128, 128));
        let m = Grid::new(5, 10, 20);
        assert_eq!((m.cols, m.width, m.height), (3, 30, 40));
        let m = Grid::new(1, 7, 9);
        assert_eq!((m.width, m.height), (7, 9));
        // Perfect squares up to the viewer's 4096 worlds get exactly √n columns.
        for k in 1..=64u32 {
            assert_eq!(Grid::new((k * k) as usize, 1, 1).cols, k);
        }
    }

    /// Three 2 × 1 views with one world each: ids 1, 2, 3 in seg, depth 1, 2, 3 m.
    fn three_views() -> (Vec<ViewInfo>, Vec<u8>, Vec<f32>, Vec<u32>) {
        let views = (0..3)
            .map(|w| ViewInfo {
                world: w,
                camera: 0,
                camera_name: "cam".into(),
                width: 2,
                height: 1,
                offset: 2 * w,
            })
            .collect();
        let rgb = (0..6u8).flat_map(|i| [10 * i, 1, 2, 255]).collect();
        let depth = (0..6).map(|i| 1.0 + (i / 2) as f32).collect();
        let seg = (0..6).map(|i| 1 + i / 2).collect();
        (views, rgb, depth, seg)
    }

    #[test]
    fn panel_mosaics_tile_the_listed_views_on_black() {
        let (views, rgb, depth, seg) = three_views();
        let images = Images {
            views: &views,
            rgb: Some(&rgb),
            depth: Some(&depth),
            seg: Some(&seg),
        };
        // Views 2 and 0, in that order: a 2 × 1 grid of 2 × 1 cells.
        let m = mosaic_panel_of(&images, &[2, 0], Panel::Rgb).unwrap();
        assert_eq!(m.dimensions(), (4, 1));
        let reds: Vec<u8> = m.pixels().map(|p| p.0[0]).collect();
        assert_eq!(reds, [40, 50, 0, 10]);
        // Three views: 2 × 2 cells, the fourth black.
        let m = mosaic_panel(&images, Panel::Seg).unwrap();
        assert_eq!(m.dimensions(), (4, 2));
        assert_eq!(m.get_pixel(0, 1).0, seg_color(3));
        assert_eq!(m.get_pixel(2, 1).0, [0, 0, 0, 255]);
        let m = mosaic_panel(
            &images,
            Panel::Depth {
                near: 1.0,
                far: 3.0,
            },
        )
        .unwrap();
        assert_eq!(m.get_pixel(2, 0).0, depth_color(2.0, 1.0, 3.0));
        assert!(mosaic_panel_of(&images, &[], Panel::Rgb).is_none());
        let no_seg = Images {
            seg: None,
            ..images
        };
        assert!(mosaic_panel(&no_seg, Panel::Seg).is_none());
    }

    #[test]
    fn depth_colours_run_bright_to_dark_and_clamp() {
        let luma = |c: [u8; 4]| 0.3 * c[0] as f32 + 0.59 * c[1] as f32 + 0.11 * c[2] as f32;
        let steps: Vec<f32> = (0..=20)
            .map(|i| luma(depth_color(1.0 + i as f32 * 0.1, 1.0, 3.0)))
            .collect();
        assert!(steps.windows(2).all(|w| w[1] <= w[0] + 1e-3), "{steps:?}");
        assert_eq!(depth_color(0.5, 1.0, 3.0), depth_color(1.0, 1.0, 3.0));
        assert_eq!(depth_color(9.0, 1.0, 3.0), depth_color(3.0, 1.0, 3.0));
        assert_eq!(depth_color(0.0, 1.0, 3.0), [0, 0, 0, 255]);
        assert_eq!(depth_color(f32::NAN, 1.0, 3.0), [0, 0, 0, 255]);
    }

    #[test]
    fn seg_colours_differ_between_neighbouring_ids() {
        assert_eq!(seg_color(0), [0, 0, 0, 255]);
        for id in 1..64 {
            let (a, b) = (seg_color(id), seg_color(id + 1));
            let d: i32 = (0..3).map(|k| (a[k] as i32 - b[k] as i32).abs()).sum();
            assert!(d > 60, "ids {id} and {} too alike: {a:?} {b:?}", id + 1);
            assert_ne!(a, [0, 0, 0, 255]);
        }
    }
}
