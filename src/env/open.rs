//! Opening an env by registered name or MJCF file, as the CLI's `--env`/`--scene` and the
//! Python package's `make_vec(env_id)`/`make_vec(scene=...)` do. The loaders' warnings
//! (unsupported MJCF attributes that were ignored) go to stderr.

use super::scene::{self, SceneConfig, SceneEnv};
use super::{EnvConfig, VecEnv};
use crate::gpu::Gpu;
use crate::Error;

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
) -> Result<(Box<dyn VecEnv>, Option<crate::sim::compile::Compiled>), Error> {
    if let (None, Some(n)) = (scene_file, name) {
        if scene::registered(n).is_none() {
            if let Some(k) = keyframe {
                return Err(Error::InvalidArgument {
                    field: "keyframe".into(),
                    value: k.into(),
                    allowed: format!(
                        "only with a scene env ({}) or an MJCF scene file; `{n}` has no scene",
                        scene_env_names().join(", ")
                    ),
                });
            }
            return Ok((super::make(gpu, n, cfg)?, None));
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
                    field: "env".into(),
                    value: n.into(),
                    allowed: format!(
                        "an env with a scene: {} (or an MJCF scene file)",
                        scene_env_names().join(", ")
                    ),
                }),
            }
        }
        (None, None) => {
            return Err(Error::InvalidArgument {
                field: "env".into(),
                value: "missing".into(),
                allowed: "a registered env name, or an MJCF scene file".into(),
            })
        }
    };
    let dir = std::path::Path::new(&label)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let loaded = crate::mjcf::load_str(&label, &dir, &xml, &crate::mjcf::LoadOptions { lenient })?;
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
