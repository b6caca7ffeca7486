//! Scene envs in MuJoCo's joint coordinates: keyframes as reset states, and setting and
//! reading worlds' qpos and qvel.

use super::{make_mjcf, RegisteredScene, SceneConfig, SceneEnv};
use crate::env::{EnvConfig, VecEnv, Worlds};
use crate::gpu::Gpu;
use crate::sim::compile::Compiled;
use crate::sim::model::Model;
use crate::Error;

/// Prefixes the field of an [`Error::InvalidArgument`] with `what`.
fn prefixed(e: Error, what: &str) -> Error {
    match e {
        Error::InvalidArgument {
            field,
            value,
            allowed,
        } => Error::InvalidArgument {
            field: format!("{what} {field}"),
            value,
            allowed,
        },
        e => e,
    }
}

/// The State of `model`'s keyframe called `name`, as compiled into `compiled`; an error
/// listing the keyframe names when there is none of that name.
pub(super) fn keyframe_state(
    model: &Model,
    compiled: &Compiled,
    name: &str,
) -> Result<Vec<f32>, Error> {
    let Some(key) = model
        .keyframes
        .iter()
        .find(|k| k.name.as_deref() == Some(name))
    else {
        let names: Vec<&str> = model
            .keyframes
            .iter()
            .filter_map(|k| k.name.as_deref())
            .collect();
        return Err(Error::InvalidArgument {
            field: "keyframe".into(),
            value: format!("{name:?}"),
            allowed: if names.is_empty() {
                "none: the scene has no named <key>".into()
            } else {
                format!("a <key> of the scene: {}", names.join(", "))
            },
        });
    };
    compiled
        .state_from_qpos(&key.qpos, &key.qvel)
        .map_err(|e| prefixed(e, &format!("keyframe `{name}`")))
}

/// Builds registered scene `row` with `scene` in place of the row's own settings
/// ([`RegisteredScene::config`]: start from it to keep the row's task and episode
/// length); as [`RegisteredScene::make`], the row's default render and randomization apply
/// where `config` leaves them `None`.
pub fn make_registered_with(
    gpu: &Gpu,
    row: &RegisteredScene,
    scene: &SceneConfig,
    config: &EnvConfig,
) -> Result<SceneEnv, Error> {
    let mut config = config.clone();
    if config.render.is_none() {
        config.render = row.default_render();
    }
    if config.randomize.is_none() {
        config.randomize = row.default_randomize(config.render.is_some());
    }
    let (origin, xml) = row.mjcf()?;
    make_mjcf(gpu, &xml, &origin, false, scene, &config)
}

impl SceneEnv {
    /// Sets `worlds` (indices, in order) to joint positions `qpos` (`[worlds.len(), nq]`)
    /// and velocities `qvel` (`[worlds.len(), nv]`), MuJoCo's conventions
    /// ([`Compiled::state_from_qpos`]); their episode clocks are kept and observations
    /// follow, as [`VecEnv::set_state`]. Errors name the world and the field.
    pub fn set_qpos_qvel(
        &mut self,
        worlds: &[usize],
        qpos: &[f32],
        qvel: &[f32],
    ) -> Result<(), Error> {
        let (nq, nv) = (self.params.nq as usize, self.params.nv as usize);
        for (field, len, per) in [("qpos", qpos.len(), nq), ("qvel", qvel.len(), nv)] {
            if len != worlds.len() * per {
                return Err(Error::InvalidArgument {
                    field: field.into(),
                    value: format!("{len} values"),
                    allowed: format!("{} worlds × {per} values", worlds.len()),
                });
            }
        }
        let mut states = self.inner.get_state(Worlds::Some(worlds))?;
        let mut rows = Vec::with_capacity(states.state.len());
        for (i, &w) in worlds.iter().enumerate() {
            let row = self
                .compiled
                .state_from_qpos(&qpos[i * nq..(i + 1) * nq], &qvel[i * nv..(i + 1) * nv])
                .map_err(|e| prefixed(e, &format!("world {w}")))?;
            rows.extend(row);
        }
        states.state = rows;
        self.inner.set_state(&states)
    }

    /// The joint positions and velocities of `worlds`: `[worlds, nq + nv]`, qpos then qvel
    /// (MuJoCo's conventions), computed on the host from the read-back State
    /// ([`Compiled::qpos_qvel`], from the shared records: per-world randomized joint
    /// frames are not seen).
    pub fn get_qpos_qvel(&mut self, worlds: Worlds<'_>) -> Result<Vec<f32>, Error> {
        let states = self.inner.get_state(worlds)?;
        Ok(self.compiled.qpos_qvel(&states.state))
    }
}
