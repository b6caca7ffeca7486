//! Helpers shared by the subcommands: argument parsing, opening envs and scenes, random
//! actions, statistics and atomic file writes.

use manyworlds::env::scene::{self, SceneConfig, SceneEnv};
use manyworlds::env::{self, EnvConfig, VecEnv};
use manyworlds::gpu::Gpu;
use manyworlds::Error;

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

/// Opens a registered env, or an MJCF scene file; scenes also return their compiled
/// description (joint and body names) for outputs. `keyframe` names the MJCF `<key>`
/// resets start from (scenes only).
pub fn open_env(
    gpu: &Gpu,
    name: Option<&str>,
    scene_file: Option<&str>,
    lenient: bool,
    keyframe: Option<&str>,
    cfg: &EnvConfig,
) -> Result<(Box<dyn VecEnv>, Option<manyworlds::sim::compile::Compiled>), Error> {
    if let (None, Some(n)) = (scene_file, name) {
        if scene::registered(n).is_none() {
            if let Some(k) = keyframe {
                return Err(Error::InvalidArgument {
                    field: "--keyframe".into(),
                    value: k.into(),
                    allowed: format!(
                        "only with a scene env ({}) or --scene FILE.xml; `{n}` has no scene",
                        scene_env_names().join(", ")
                    ),
                });
            }
            return Ok((env::make(gpu, n, cfg)?, None));
        }
    }
    let e = open_scene(gpu, name, scene_file, lenient, keyframe, cfg)?;
    let c = e.compiled().clone();
    Ok((Box::new(e), Some(c)))
}

/// Opens a registered scene env or an MJCF scene file as a [`SceneEnv`] (for commands
/// that need its renderer or compiled scene); envs without a scene (`cartpole`) are an
/// error that names the scene envs. `keyframe` names the MJCF `<key>` resets start from.
pub fn open_scene(
    gpu: &Gpu,
    name: Option<&str>,
    scene_file: Option<&str>,
    lenient: bool,
    keyframe: Option<&str>,
    cfg: &EnvConfig,
) -> Result<SceneEnv, Error> {
    let (xml, label) = match (scene_file, name) {
        (Some(f), _) => (
            std::fs::read_to_string(f).map_err(|e| Error::Io {
                path: f.into(),
                message: e.to_string(),
            })?,
            f.to_string(),
        ),
        (None, Some(n)) => {
            return match scene::registered(n) {
                Some(row) => match keyframe {
                    None => row.make(gpu, cfg),
                    Some(k) => {
                        let sc = SceneConfig {
                            keyframe: Some(k.into()),
                            ..row.config()
                        };
                        scene::make_registered_with(gpu, row, &sc, cfg)
                    }
                },
                None => Err(Error::InvalidArgument {
                    field: "--env".into(),
                    value: n.into(),
                    allowed: format!(
                        "an env with a scene: {} (or --scene FILE.xml)",
                        scene_env_names().join(", ")
                    ),
                }),
            }
        }
        (None, None) => {
            return Err(Error::InvalidArgument {
                field: "--env".into(),
                value: "missing".into(),
                allowed: "a registered env name, or --scene FILE.xml".into(),
            })
        }
    };
    let dir = std::path::Path::new(&label)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let loaded = manyworlds::mjcf::load_str(
        &label,
        &dir,
        &xml,
        &manyworlds::mjcf::LoadOptions { lenient },
    )?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let sc = SceneConfig {
        keyframe: keyframe.map(Into::into),
        ..SceneConfig::new(&label)
    };
    let e = scene::make_scene(gpu, &loaded.model, &sc, cfg)?;
    for w in &e.compiled().warnings {
        eprintln!("warning: {w}");
    }
    Ok(e)
}

/// The registered envs that have a scene (all but the closed-form ones).
pub fn scene_env_names() -> Vec<&'static str> {
    scene::SCENES.iter().map(|s| s.name).collect()
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
