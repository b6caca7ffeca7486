//! Helpers shared by the subcommands: argument parsing, opening envs and scenes, random
//! actions, statistics and atomic file writes.

pub use manyworlds::env::open::scene_env_names;
use manyworlds::env::scene::SceneEnv;
use manyworlds::env::{open, EnvConfig, VecEnv};
use manyworlds::gpu::Gpu;
use manyworlds::sim::compile::Compiled;
use manyworlds::Error;

/// Names the library's neutral argument fields (`env`, `keyframe`) after the flags that
/// carry them, so a CLI error says which flag to fix.
fn as_flags(e: Error) -> Error {
    match e {
        Error::InvalidArgument {
            field,
            value,
            allowed,
        } if field == "env" || field == "keyframe" => Error::InvalidArgument {
            field: format!("--{field}"),
            value,
            allowed,
        },
        e => e,
    }
}

/// [`open::open_env`], with errors named after the CLI's flags.
pub fn open_env(
    gpu: &Gpu,
    name: Option<&str>,
    scene_file: Option<&str>,
    lenient: bool,
    keyframe: Option<&str>,
    cfg: &EnvConfig,
) -> Result<(Box<dyn VecEnv>, Option<Compiled>), Error> {
    open::open_env(gpu, name, scene_file, lenient, keyframe, cfg).map_err(as_flags)
}

/// [`open::open_scene`], with errors named after the CLI's flags.
pub fn open_scene(
    gpu: &Gpu,
    name: Option<&str>,
    scene_file: Option<&str>,
    lenient: bool,
    keyframe: Option<&str>,
    cfg: &EnvConfig,
) -> Result<SceneEnv, Error> {
    open::open_scene(gpu, name, scene_file, lenient, keyframe, cfg).map_err(as_flags)
}

/// An invalid-argument error naming the flag, the value and what is allowed.
pub fn arg_err(field: &str, value: impl Into<String>, allowed: impl Into<String>) -> Error {
    Error::InvalidArgument {
        field: field.into(),
        value: value.into(),
        allowed: allowed.into(),
    }
}

/// Parses `WxH` (e.g. `64x64`) into pixels.
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}`: expected WxH with 1 to 8192 pixels each way, e.g. 64x64");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(1..=8192).contains(&w) || !(1..=8192).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// Reads `--randomize FILE` (errors name the file, entry and field).
pub fn load_randomize(path: Option<&str>) -> Result<Option<manyworlds::randomize::Spec>, Error> {
    path.map(manyworlds::randomize::Spec::from_file).transpose()
}

/// Random valid actions: a few pre-drawn batches cycled, so the timing is the env's.
pub fn random_actions(env: &dyn VecEnv, seed: u64, batches: u32) -> Vec<Vec<f32>> {
    (0..batches)
        .map(|b| {
            env.spec()
                .action_space
                .sample(env.num_worlds(), seed ^ 0xac71_0000, b)
        })
        .collect()
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// Parses `--outputs` names.
pub fn parse_outputs(names: &[String]) -> Result<manyworlds::render::Outputs, Error> {
    let mut o = manyworlds::render::Outputs {
        rgb: false,
        depth: false,
        seg: false,
    };
    for n in names {
        match n.trim() {
            "rgb" => o.rgb = true,
            "depth" => o.depth = true,
            "seg" => o.seg = true,
            other => {
                return Err(Error::InvalidArgument {
                    field: "--outputs".into(),
                    value: other.into(),
                    allowed: "rgb, depth, seg (comma separated)".into(),
                })
            }
        }
    }
    Ok(o)
}

pub fn format_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2}M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1}k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}

/// Writes via a temporary file and a rename, so a failed run never leaves a torn file.
pub fn write_atomic(path: &str, bytes: &[u8]) -> Result<(), Error> {
    let tmp = format!("{path}.tmp{}", std::process::id());
    let io = |e: std::io::Error| Error::Io {
        path: path.into(),
        message: e.to_string(),
    };
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}
