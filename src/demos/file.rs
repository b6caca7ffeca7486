//! Demonstrations as robomimic's HDF5 layout (read by robomimic, MimicGen, Diffusion
//! Policy's converters and ManiSkill's tools), written through the HDF5 C library.
//!
//! ```text
//! data                      attrs: total (steps in all demos), env_args (JSON string),
//!                                  num_demos, episodes_written (recorder's counters)
//! data/demo_{i}             attrs: num_samples (T), world, episode, seed, success,
//!                                  noise_scale, return, params (JSON string)
//!   actions        f32 [T, A]     executed actions (expert + noise, clamped)
//!   expert_actions f32 [T, A]     the expert's actions before noise (DART labels)
//!   rewards        f32 [T]
//!   dones          u8  [T]        terminated or truncated
//!   terminated     u8  [T]
//!   truncated      u8  [T]
//!   reward_terms/{name} f32 [T]   when the task reports terms
//!   states         f32 [T, S]     simulator state at obs[t] (VecEnv::get_state)
//!   final_state    f32 [S]        the state after the last step
//!   obs/state      f32 [T, O]     the env's observation vector
//!   obs/{camera}_image u8 [T, H, W, 3]; obs/{camera}_depth f32 [T, H, W] (m)
//!   next_obs/...   the same keys, one step later
//! mask/train, mask/valid   demo names; demo i is in valid when i % 10 == 9 (10%)
//! ```
//!
//! Chunking: an image or depth chunk is one frame, so a loader that reads frames t..t+k
//! (robomimic's sequence datasets, Diffusion Policy's converters) decompresses exactly
//! those frames, and `next_obs` shares `obs`'s compressed chunks: each frame is compressed
//! once and its bytes written to both (H5Dwrite_chunk), which halves the cost of writing
//! while both stay ordinary datasets that any HDF5 reader, copy or merge handles. Vectors
//! are one dataset each, unchunked. Compression is gzip (deflate), the one filter every
//! HDF5 build and h5py read without plugins; level 1 (the default) keeps writing cheap,
//! 0 turns it off.

use super::replay::ReplayInput;
use super::Episode;
use crate::Error;
use hdf5::types::{VarLenAscii, VarLenUnicode};
use hdf5_metno as hdf5;
use std::path::{Path, PathBuf};

/// Demo `i` goes to `mask/valid` when `i % VALID_EVERY == VALID_EVERY - 1`.
pub const VALID_EVERY: usize = 10;

/// What each demo holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Floats per observation.
    pub obs_dim: usize,
    /// Floats per state.
    pub state_dim: usize,
    /// Floats per action.
    pub action_dim: usize,
    /// Reward terms' names (empty: none).
    pub term_names: Vec<String>,
    /// Cameras: name, width, height.
    pub cameras: Vec<(String, u32, u32)>,
    /// RGB images are recorded.
    pub rgb: bool,
    /// Depth images are recorded.
    pub depth: bool,
    /// gzip level 0–9 (0: uncompressed).
    pub gzip: u8,
}

/// Appends demos to a robomimic HDF5 file.
pub struct DemoWriter {
    path: PathBuf,
    file: hdf5::File,
    data: hdf5::Group,
    layout: Layout,
    count: usize,
    total: u64,
    /// `count` when the masks were last written.
    masks_at: usize,
}

fn h5err(path: &Path) -> impl Fn(hdf5::Error) -> Error + '_ {
    move |e| Error::Io {
        path: path.display().to_string(),
        message: format!("HDF5: {e}"),
    }
}

fn vlen(s: &str) -> VarLenUnicode {
    // Only a string with an interior NUL fails, and JSON never holds one.
    s.parse().unwrap_or_default()
}

impl DemoWriter {
    /// Creates `path` (replacing nothing: it must not exist) with an empty `data` group
    /// carrying `env_args`.
    pub fn create(path: &Path, env_args: &str, layout: Layout) -> Result<DemoWriter, Error> {
        let e = h5err(path);
        let file = hdf5::File::create_excl(path).map_err(&e)?;
        let data = file.create_group("data").map_err(&e)?;
        data.new_attr::<VarLenUnicode>()
            .create("env_args")
            .and_then(|a| a.write_scalar(&vlen(env_args)))
            .map_err(&e)?;
        file.create_group("mask").map_err(&e)?;
        let mut w = DemoWriter {
            path: path.to_path_buf(),
            file,
            data,
            layout,
            count: 0,
            total: 0,
            masks_at: 0,
        };
        w.commit(0, true)?;
        Ok(w)
    }

    /// Opens a file this module wrote, to append demos after its last one.
    pub fn append(path: &Path, layout: Layout) -> Result<DemoWriter, Error> {
        let e = h5err(path);
        let file = hdf5::File::open_rw(path).map_err(&e)?;
        let data = file.group("data").map_err(&e)?;
        let count = data
            .attr("num_demos")
            .and_then(|a| a.read_scalar::<u64>())
            .map_err(&e)? as usize;
        let total = data
            .attr("total")
            .and_then(|a| a.read_scalar::<u64>())
            .map_err(&e)?;
        // Demos after the last commit (an error or a kill between commits) are not part of
        // the file: drop them, so the resumed run writes them again under the same names.
        let mut i = count;
        while data.link_exists(&format!("demo_{i}")) {
            data.unlink(&format!("demo_{i}")).map_err(&e)?;
            i += 1;
        }
        Ok(DemoWriter {
            path: path.to_path_buf(),
            file,
            data,
            layout,
            count,
            total,
            masks_at: 0,
        })
    }

    /// Demos in the file.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Writes `ep` as `data/demo_{count}`. A write that fails leaves no `demo_{count}`.
    pub fn write(&mut self, ep: &Episode) -> Result<(), Error> {
        let name = format!("demo_{}", self.count);
        let e = h5err(&self.path);
        let g = self.data.create_group(&name).map_err(&e)?;
        if let Err(err) = self.write_into(&g, ep) {
            let _ = self.data.unlink(&name);
            return Err(err);
        }
        self.count += 1;
        self.total += ep.len() as u64;
        Ok(())
    }

    /// The datasets and attributes of one demo, into its group `g`.
    fn write_into(&self, g: &hdf5::Group, ep: &Episode) -> Result<(), Error> {
        let e = h5err(&self.path);
        let l = &self.layout;
        let t = ep.len();
        let (a, s, o) = (l.action_dim, l.state_dim, l.obs_dim);
        put(g, "actions", &[t, a], &ep.actions).map_err(&e)?;
        put(g, "expert_actions", &[t, a], &ep.expert_actions).map_err(&e)?;
        put(g, "rewards", &[t], &ep.rewards).map_err(&e)?;
        let u8s = |v: &[bool]| v.iter().map(|&b| b as u8).collect::<Vec<u8>>();
        let dones: Vec<bool> = (0..t)
            .map(|i| ep.terminated[i] || ep.truncated[i])
            .collect();
        put(g, "dones", &[t], &u8s(&dones)).map_err(&e)?;
        put(g, "terminated", &[t], &u8s(&ep.terminated)).map_err(&e)?;
        put(g, "truncated", &[t], &u8s(&ep.truncated)).map_err(&e)?;
        if !l.term_names.is_empty() {
            let rg = g.create_group("reward_terms").map_err(&e)?;
            let n = l.term_names.len();
            for (k, name) in l.term_names.iter().enumerate() {
                let v: Vec<f32> = (0..t).map(|i| ep.reward_terms[i * n + k]).collect();
                put(&rg, name, &[t], &v).map_err(&e)?;
            }
        }
        put(g, "states", &[t, s], &ep.states[..t * s]).map_err(&e)?;
        put(g, "final_state", &[s], &ep.states[t * s..]).map_err(&e)?;
        let obs = g.create_group("obs").map_err(&e)?;
        let next = g.create_group("next_obs").map_err(&e)?;
        put(&obs, "state", &[t, o], &ep.obs[..t * o]).map_err(&e)?;
        put(&next, "state", &[t, o], &ep.obs[o..(t + 1) * o]).map_err(&e)?;
        for (c, (name, w, h)) in l.cameras.iter().enumerate() {
            let (w, h) = (*w as usize, *h as usize);
            let frames = &ep.cameras[c];
            if l.rgb {
                let key = format!("{name}_image");
                put_frames(&obs, &next, &key, t, &[h, w, 3], &frames.rgb, l.gzip).map_err(&e)?;
            }
            if l.depth {
                let key = format!("{name}_depth");
                put_frames(&obs, &next, &key, t, &[h, w], &frames.depth, l.gzip).map_err(&e)?;
            }
        }
        let json = serde_json::Value::Object(ep.params.clone()).to_string();
        let attrs: [(&str, u64); 4] = [
            ("num_samples", t as u64),
            ("world", ep.world as u64),
            ("episode", ep.episode as u64),
            ("seed", ep.seed),
        ];
        for (k, v) in attrs {
            g.new_attr::<u64>()
                .create(k)
                .and_then(|a| a.write_scalar(&v))
                .map_err(&e)?;
        }
        g.new_attr::<u8>()
            .create("success")
            .and_then(|a| a.write_scalar(&(ep.success as u8)))
            .map_err(&e)?;
        g.new_attr::<f32>()
            .create("noise_scale")
            .and_then(|a| a.write_scalar(&ep.noise_scale))
            .map_err(&e)?;
        g.new_attr::<f64>()
            .create("return")
            .and_then(|a| a.write_scalar(&ep.ret()))
            .map_err(&e)?;
        g.new_attr::<VarLenUnicode>()
            .create("params")
            .and_then(|a| a.write_scalar(&vlen(&json)))
            .map_err(&e)?;
        Ok(())
    }

    /// Makes what was written so far a complete file: `total`, `num_demos`,
    /// `episodes_written` (`episodes`: every episode the recorder finished, kept or not)
    /// and the masks, then flushes it to disk. The masks are rewritten on the `last`
    /// commit, and before it only when the demos have doubled since they were last
    /// written: a replaced string dataset's space is not reclaimed, so rewriting them at
    /// every commit grows the file by their size each time (measured with h5py: 300
    /// rewrites of a mask growing to 30,000 names made a 143 MB file, against 1.5 MB
    /// written once). Between commits of a long run they may thus lag `num_demos`; the
    /// last commit (at the end, on Ctrl-C or SIGTERM, and on errors) makes them exact.
    pub fn commit(&mut self, episodes: u64, last: bool) -> Result<(), Error> {
        let e = h5err(&self.path);
        for (k, v) in [
            ("total", self.total),
            ("num_demos", self.count as u64),
            ("episodes_written", episodes),
        ] {
            set_attr(&self.data, k, v).map_err(&e)?;
        }
        let mask = self.file.group("mask").map_err(&e)?;
        let fresh = !mask.link_exists("train");
        if !(last || fresh || self.count >= 2 * self.masks_at.max(1)) {
            return self.file.flush().map_err(&e);
        }
        self.masks_at = self.count;
        let names = |valid: bool| -> Vec<VarLenAscii> {
            (0..self.count)
                .filter(|i| (i % VALID_EVERY == VALID_EVERY - 1) == valid)
                .map(|i| VarLenAscii::from_ascii(&format!("demo_{i}")).expect("ascii"))
                .collect()
        };
        for (key, valid) in [("train", false), ("valid", true)] {
            if mask.link_exists(key) {
                mask.unlink(key).map_err(&e)?;
            }
            let v = names(valid);
            mask.new_dataset::<VarLenAscii>()
                .shape([v.len()])
                .create(key)
                .and_then(|d| d.write_raw(&v))
                .map_err(&e)?;
        }
        self.file.flush().map_err(&e)
    }
}

/// Writes a u64 attribute, replacing an earlier value.
fn set_attr(g: &hdf5::Group, k: &str, v: u64) -> hdf5::Result<()> {
    if g.attr(k).is_err() {
        g.new_attr::<u64>().create(k)?;
    }
    g.attr(k)?.write_scalar(&v)
}

/// Writes `v` as dataset `name` of `shape` (contiguous, uncompressed).
fn put<T: hdf5::H5Type>(g: &hdf5::Group, name: &str, shape: &[usize], v: &[T]) -> hdf5::Result<()> {
    g.new_dataset::<T>().shape(shape).create(name)?.write_raw(v)
}

/// Frames 0..T of `data` (T + 1 frames of `frame` values) as `obs/{key}` and frames 1..=T
/// as `next_obs/{key}`, [T, frame...] each. With `gzip` > 0 a chunk is one frame, and each
/// frame is compressed once: the same zlib stream is written, as a raw chunk, to `obs` row
/// j and `next_obs` row j − 1 (readers see two ordinary deflate-filtered datasets).
fn put_frames<T: hdf5::H5Type + bytemuck::Pod>(
    obs: &hdf5::Group,
    next: &hdf5::Group,
    key: &str,
    t: usize,
    frame: &[usize],
    data: &[T],
    gzip: u8,
) -> hdf5::Result<()> {
    let n: usize = frame.iter().product();
    let shape = [&[t][..], frame].concat();
    if gzip == 0 {
        put(obs, key, &shape, &data[..t * n])?;
        return put(next, key, &shape, &data[n..(t + 1) * n]);
    }
    let chunk = [&[1][..], frame].concat();
    let make = |g: &hdf5::Group| {
        g.new_dataset::<T>()
            .shape(shape.clone())
            .chunk(chunk.clone())
            .deflate(gzip)
            .create(key)
    };
    let (o, x) = (make(obs)?, make(next)?);
    let mut z = Vec::new();
    for j in 0..=t {
        z.clear();
        let mut enc =
            flate2::write::ZlibEncoder::new(&mut z, flate2::Compression::new(gzip as u32));
        std::io::Write::write_all(&mut enc, bytemuck::cast_slice(&data[j * n..(j + 1) * n]))
            .and_then(|_| enc.finish().map(|_| ()))
            .map_err(|e| hdf5::Error::from(format!("compressing a frame: {e}").as_str()))?;
        if j < t {
            write_chunk(&o, j, shape.len(), &z)?;
        }
        if j > 0 {
            write_chunk(&x, j - 1, shape.len(), &z)?;
        }
    }
    Ok(())
}

/// Writes the already compressed chunk `z` at row `row` of a dataset chunked by rows.
fn write_chunk(d: &hdf5::Dataset, row: usize, rank: usize, z: &[u8]) -> hdf5::Result<()> {
    let mut offset = vec![0u64; rank];
    offset[0] = row as u64;
    let id = d.id();
    // SAFETY: `offset` has the dataset's rank, `z` is `z.len()` readable bytes, and both
    // outlive the call; hdf5's global lock serializes it with every other HDF5 call.
    let status = hdf5::sync::sync(|| unsafe {
        hdf5_metno_sys::h5d::H5Dwrite_chunk(
            id,
            hdf5_metno_sys::h5p::H5P_DEFAULT,
            0,
            offset.as_ptr(),
            z.len(),
            z.as_ptr().cast(),
        )
    });
    if status < 0 {
        return Err(hdf5::Error::from("H5Dwrite_chunk failed"));
    }
    Ok(())
}

/// The `env_args` JSON string and the number of demos of a file this module wrote.
pub fn read_header(path: &Path) -> Result<(String, usize), Error> {
    let e = h5err(path);
    let file = hdf5::File::open(path).map_err(&e)?;
    let data = file.group("data").map_err(&e)?;
    let args = data
        .attr("env_args")
        .and_then(|a| a.read_scalar::<VarLenUnicode>())
        .map_err(&e)?;
    let n = data
        .attr("num_demos")
        .and_then(|a| a.read_scalar::<u64>())
        .map_err(&e)?;
    Ok((args.as_str().to_string(), n as usize))
}

/// Reads `(world, episode)` of every demo, in demo order.
pub fn read_ids(path: &Path) -> Result<Vec<(usize, u32)>, Error> {
    let (_, n) = read_header(path)?;
    let file = hdf5::File::open(path).map_err(h5err(path))?;
    (0..n).map(|i| demo_id(&file, path, i)).collect()
}

/// `(world, episode)` of `data/demo_{i}`.
fn demo_id(file: &hdf5::File, path: &Path, i: usize) -> Result<(usize, u32), Error> {
    let e = h5err(path);
    let g = file.group(&format!("data/demo_{i}")).map_err(&e)?;
    let w = g.attr("world").and_then(|a| a.read_scalar::<u64>());
    let ep = g.attr("episode").and_then(|a| a.read_scalar::<u64>());
    Ok((w.map_err(&e)? as usize, ep.map_err(&e)? as u32))
}

/// Reads the demos' actions and states, in demo order.
pub fn read_demos(path: &Path) -> Result<Vec<ReplayInput>, Error> {
    let e = h5err(path);
    let (_, n) = read_header(path)?;
    let file = hdf5::File::open(path).map_err(&e)?;
    (0..n)
        .map(|i| {
            let (world, episode) = demo_id(&file, path, i)?;
            let name = format!("demo_{i}");
            let g = file.group(&format!("data/{name}")).map_err(&e)?;
            let read = |k: &str| g.dataset(k).and_then(|d| d.read_raw::<f32>()).map_err(&e);
            let mut states = read("states")?;
            states.extend(read("final_state")?);
            Ok(ReplayInput {
                name,
                world,
                episode,
                actions: read("actions")?,
                states,
            })
        })
        .collect()
}
