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

/// Writes `data` (`[h, w]`, row-major) as a little-endian float32 NPY file (format 1.0).
pub fn write_npy_f32(path: &Path, h: u32, w: u32, data: &[f32]) -> Result<(), Error> {
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
    std::fs::write(path, bytes).map_err(|e| io(path, e))
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
        let views = images.views();
        let n = views.len() as u32;
        let cols = (n as f64).sqrt().ceil() as u32;
        let cell_w = views.iter().map(|v| v.width).max()?;
        let cell_h = views.iter().map(|v| v.height).max()?;
        Some(Grid {
            cols,
            cell_w,
            cell_h,
            width: cols * cell_w,
            height: n.div_ceil(cols) * cell_h,
        })
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
