//! The encoder side of `gen-data`: a rendered batch copied out of the env, and the threads
//! that turn its views into frame files while the next batch simulates and renders.

use super::io_err;
use crate::common::write_atomic;
use glam::{Quat, Vec3};
use manyworlds::dataset::{self, frame_files, visible_objects, CameraLabel, FrameLabel};
use manyworlds::render::ViewCamera;
use manyworlds::Error;
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Instant;

/// One batch, copied out of the env so encoder threads can own it while the next batch
/// simulates and renders.
pub(super) struct Batch {
    pub index: u64,
    pub reset_seed: u64,
    /// (frame id, view index) of the frames to write.
    pub frames: Vec<(u64, usize)>,
    /// Per view: world, camera index.
    pub views: Vec<(usize, usize, usize)>,
    pub rgb: Vec<u8>,
    pub depth: Vec<f32>,
    pub seg: Vec<u32>,
    pub cams: Vec<ViewCamera>,
    /// Per world: every MJCF body's pose.
    pub poses: Vec<Vec<(Vec3, Quat)>>,
    /// Per world: the randomized values (null when nothing is randomized).
    pub params: Vec<Value>,
    pub episodes: Vec<Option<u32>>,
}

/// What every encoder shares.
pub(super) struct Ctx<'a> {
    pub dir: &'a Path,
    pub width: u32,
    pub height: u32,
    pub depth: dataset::DepthFormat,
    pub seg_names: &'a [String],
    pub camera_names: &'a [String],
    pub seed: u64,
    pub settle: u32,
    pub no_write: bool,
}

/// An encoder thread of the batch being written.
pub(super) type Pending<'scope> = ScopedJoinHandle<'scope, Result<(), Error>>;

/// The encoder pool: what its threads share and what they add up.
pub(super) struct Encoders<'a> {
    pub ctx: Ctx<'a>,
    /// Threads per batch (`--jobs`).
    pub jobs: usize,
    pub bar: indicatif::ProgressBar,
    /// Nanoseconds spent encoding and writing, summed over threads.
    pub encode_ns: AtomicUsize,
    /// Bytes of frame files produced.
    pub bytes_out: AtomicUsize,
    /// Set by the first thread that fails; every thread and the batch loop then stop.
    pub failed: AtomicBool,
}

impl<'a> Encoders<'a> {
    /// A pool with a progress bar over `total` frames.
    pub fn new(ctx: Ctx<'a>, jobs: usize, total: u64) -> Encoders<'a> {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::stderr_with_hz(4),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} frames  {per_sec}  eta {eta}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        Encoders {
            ctx,
            jobs,
            bar,
            encode_ns: AtomicUsize::new(0),
            bytes_out: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
        }
    }

    /// Whether an encoder has failed (the run then stops).
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Starts up to `jobs` threads that take the batch's frames in turn and write them.
    pub fn spawn<'scope>(
        &'scope self,
        s: &'scope Scope<'scope, '_>,
        batch: Batch,
    ) -> Vec<Pending<'scope>> {
        let batch = Arc::new(batch);
        let next = Arc::new(AtomicUsize::new(0));
        (0..self.jobs.min(batch.frames.len()))
            .map(|_| {
                let (batch, next) = (batch.clone(), next.clone());
                s.spawn(move || {
                    let t = Instant::now();
                    let r = self.write_frames(&batch, &next);
                    if r.is_err() {
                        self.failed.store(true, Ordering::Relaxed);
                    }
                    self.encode_ns
                        .fetch_add(t.elapsed().as_nanos() as usize, Ordering::Relaxed);
                    r
                })
            })
            .collect()
    }

    /// One thread's loop: the next unclaimed frame of the batch until none is left or a
    /// thread has failed.
    fn write_frames(&self, batch: &Batch, next: &AtomicUsize) -> Result<(), Error> {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(k, v)) = batch.frames.get(i) else {
                return Ok(());
            };
            if self.failed() {
                return Ok(());
            }
            let n = write_frame(&self.ctx, batch, k, v)?;
            self.bytes_out.fetch_add(n as usize, Ordering::Relaxed);
            self.bar.inc(1);
        }
    }
}

/// Waits for every thread in `pending`; the first error, in spawn order.
pub(super) fn join_all(pending: &mut Vec<Pending<'_>>) -> Result<(), Error> {
    let mut first = Ok(());
    for h in pending.drain(..) {
        let r = h.join().expect("encoder threads do not panic");
        if first.is_ok() {
            first = r;
        }
    }
    first
}

fn png(buf: &[u8], w: u32, h: u32, color: image::ExtendedColorType) -> Result<Vec<u8>, String> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut out = Vec::with_capacity(buf.len() / 2 + 128);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
        .write_image(buf, w, h, color)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Depth as 16-bit millimetres: 0 = background, clamped to 1..=65535 elsewhere.
fn depth_mm(depth: &[f32]) -> Vec<u8> {
    depth
        .iter()
        .flat_map(|&d| {
            let v = if d > 0.0 {
                (d * 1000.0).round().clamp(1.0, 65535.0) as u16
            } else {
                0
            };
            v.to_ne_bytes()
        })
        .collect()
}

/// Encodes and writes one frame; returns the bytes written.
fn write_frame(ctx: &Ctx, b: &Batch, k: u64, v: usize) -> Result<u64, Error> {
    let (w, h) = (ctx.width, ctx.height);
    let px = (w * h) as usize;
    let (world, cam_index, offset) = b.views[v];
    let names = frame_files(k, ctx.depth);
    let path = |i: usize| ctx.dir.join(&names[i]);
    let enc_err = |i: usize, m: String| io_err(&path(i), format!("encoding failed: {m}"));
    // RGB: alpha is always 255, so 3 channels.
    let rgba = &b.rgb[4 * offset..4 * (offset + px)];
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let rgb_png = png(&rgb, w, h, image::ExtendedColorType::Rgb8).map_err(|m| enc_err(0, m))?;
    let depth = &b.depth[offset..offset + px];
    let depth_bytes = match ctx.depth {
        dataset::DepthFormat::Npy => manyworlds::render::files::npy_f32_bytes(h, w, depth),
        dataset::DepthFormat::Png16 => {
            png(&depth_mm(depth), w, h, image::ExtendedColorType::L16).map_err(|m| enc_err(1, m))?
        }
    };
    let seg = &b.seg[offset..offset + px];
    // Boxes and pixel counts from the segmentation itself; this also checks that every id
    // fits the 16-bit PNG.
    let objects = visible_objects(seg, w, ctx.seg_names, &b.poses[world])?;
    let seg16: Vec<u8> = seg
        .iter()
        .flat_map(|&id| (id as u16).to_ne_bytes())
        .collect();
    let seg_png = png(&seg16, w, h, image::ExtendedColorType::L16).map_err(|m| enc_err(2, m))?;
    let label = FrameLabel {
        frame: k,
        batch: b.index,
        world,
        view: v,
        seed: ctx.seed,
        reset_seed: b.reset_seed,
        episode: b.episodes[world],
        settle_steps: ctx.settle,
        files: names.clone(),
        camera: CameraLabel::new(&ctx.camera_names[cam_index], &b.cams[v]),
        objects,
        params: b.params[world].clone(),
    };
    let json = label.to_json_bytes();
    let files = [rgb_png, depth_bytes, seg_png, json];
    let bytes = files.iter().map(|f| f.len() as u64).sum();
    if !ctx.no_write {
        // The label goes last: its presence marks a finished frame.
        for (i, f) in files.iter().enumerate() {
            write_atomic(&path(i).display().to_string(), f)?;
        }
    }
    Ok(bytes)
}
