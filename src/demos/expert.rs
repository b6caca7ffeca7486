//! Scripted experts: policies with privileged state that act for every world of a batch
//! at once, behind one small trait ([`Expert`]) so that further experts plug in.
//!
//! An expert reads the env's observation rows (for scene envs: MuJoCo's qpos then qvel,
//! which is the full state of the scene, so "privileged") and writes one action row per
//! world. Experts are pure functions of the observation: the same observation gives the
//! same action bit for bit, which is what makes a recorded episode replayable from its
//! actions alone and a resumed run identical to a fresh one.

use crate::env::EnvSpec;
use crate::sim::model::Model;
use crate::Error;

/// A batched policy for one env.
pub trait Expert: Send {
    /// The expert's name (`--expert NAME`).
    fn name(&self) -> &'static str;
    /// Writes `actions` (`[worlds, action_dim]`) for the observations `obs`
    /// (`[worlds, obs_dim]`). Every action must lie in the env's action space.
    fn act(&self, obs: &[f32], actions: &mut [f32]);
}

/// The experts registered for an env: (env name, expert name, about).
pub const EXPERTS: &[(&str, &str, &str)] = &[(
    "push-cube",
    "push",
    "goes behind the cube on the line from the goal through the cube, then pushes it \
     along that line (position targets for the pusher's x/y servos)",
)];

/// The experts registered for `env`, by name.
pub fn experts_for(env: &str) -> Vec<&'static str> {
    EXPERTS
        .iter()
        .filter(|(e, _, _)| *e == env)
        .map(|(_, n, _)| *n)
        .collect()
}

/// Checks that the registered env `env` has the expert `name` (default: its first) and
/// returns the expert's name; the errors name `--env` or `--expert` and what is allowed.
/// Cheap (no GPU, no file), so callers check arguments with it before any set-up.
pub fn resolve_expert(env: &str, name: Option<&str>) -> Result<&'static str, Error> {
    let names = experts_for(env);
    let Some(&first) = names.first() else {
        let with: Vec<&str> = EXPERTS.iter().map(|(e, _, _)| *e).collect();
        return Err(Error::InvalidArgument {
            field: "--env".into(),
            value: env.into(),
            allowed: format!("an env with an expert: {}", with.join(", ")),
        });
    };
    match name {
        None => Ok(first),
        Some(n) => names
            .iter()
            .copied()
            .find(|&x| x == n)
            .ok_or_else(|| Error::InvalidArgument {
                field: "--expert".into(),
                value: n.into(),
                allowed: format!("an expert of {env}: {}", names.join(", ")),
            }),
    }
}

/// Makes the expert `name` (default: the env's first) for the registered env `env`, whose
/// spec is given; the expert resolves the joints it reads by name in the env's model.
pub fn make_expert(
    env: &str,
    name: Option<&str>,
    spec: &EnvSpec,
) -> Result<Box<dyn Expert>, Error> {
    let name = resolve_expert(env, name)?;
    let row = crate::env::scene::registered(env).expect("every env with an expert is registered");
    let dir = std::path::Path::new(".");
    let model = crate::mjcf::load_str(row.file, dir, row.xml, &Default::default())?.model;
    match (env, name) {
        ("push-cube", "push") => Ok(Box::new(PushCube::new(&model, spec)?)),
        _ => unreachable!("resolve_expert returns a listed expert, and each is built here"),
    }
}

/// The qpos address of the joint named `name`.
fn qpos_of(model: &Model, name: &str) -> Result<usize, Error> {
    let mut adr = 0;
    for j in &model.joints {
        if j.name.as_deref() == Some(name) {
            return Ok(adr);
        }
        adr += j.kind.nq();
    }
    Err(Error::InvalidArgument {
        field: "joint".into(),
        value: name.into(),
        allowed: "a joint of the push-cube scene (pusher_x, pusher_y, cube, goal_x, goal_y)".into(),
    })
}

/// push-cube's expert (`push`). In the table's xy plane, with c the cube, g the goal and
/// u the unit vector from c to g:
/// 1. while the pusher is not behind the cube (its offset along u is above
///    −[`PushCube::BEHIND`]), it goes around the cube on the side it is on, to points
///    [`PushCube::CLEAR`] off the push line;
/// 2. then to the pre-push point c − [`PushCube::STANDOFF`]·u, until it is within
///    [`PushCube::ALIGN`] of the push line;
/// 3. then it pushes: the target leads the cube by [`PushCube::LEAD`] along u, so the
///    servo drives the pusher through the cube toward the goal, correcting sideways drift
///    as the line is recomputed every step.
///
/// The pusher's servos are position actuators, so an action is a target (m), clamped to
/// the control range.
pub struct PushCube {
    pusher: [usize; 2],
    cube: usize,
    goal: [usize; 2],
    obs_dim: usize,
    action_dim: usize,
    ctrl: [f32; 2],
}

impl PushCube {
    /// Pre-push distance behind the cube's centre, m: the largest randomized cube half-size
    /// (0.024) plus the pusher's radius (0.02) plus 2.6 cm of clearance. Swept on 500
    /// episodes (seed 0): 0.05 m succeeds 93.6%, 0.06 m 100% and 0.07 m 100%; on 2000
    /// (seed 7) 0.06 m gives 98.9% and 0.07 m 100%.
    pub const STANDOFF: f32 = 0.07;
    /// The pusher counts as behind the cube when its offset along u is below −BEHIND, m:
    /// less than the smallest contact distance (cube half-size 0.016 plus the pusher's
    /// 0.02), so a pusher in contact and pushing still counts as behind.
    pub const BEHIND: f32 = 0.03;
    /// How far off the push line the pusher passes the cube when it goes around, m.
    pub const CLEAR: f32 = 0.075;
    /// Distance from the push line within which the pusher starts to push, m.
    pub const ALIGN: f32 = 0.012;
    /// How far ahead of the cube the pushing target leads, m: the servo's force is kp
    /// (20 N/m) times the lead, so this sets the push speed (0.12 m was too slow for
    /// the 2.5 s episodes on high-friction cubes; 0.2 m and 0.3 m both succeed ≥ 98%).
    pub const LEAD: f32 = 0.3;

    fn new(model: &Model, spec: &EnvSpec) -> Result<PushCube, Error> {
        let range = model
            .actuators
            .first()
            .and_then(|a| a.ctrlrange)
            .unwrap_or([-0.3, 0.3]);
        Ok(PushCube {
            pusher: [qpos_of(model, "pusher_x")?, qpos_of(model, "pusher_y")?],
            cube: qpos_of(model, "cube")?,
            goal: [qpos_of(model, "goal_x")?, qpos_of(model, "goal_y")?],
            obs_dim: spec.obs_dim,
            action_dim: spec.action_space.dim(),
            ctrl: range,
        })
    }

    /// The pusher's target for one world's observation row.
    fn target(&self, o: &[f32]) -> [f32; 2] {
        let p = [o[self.pusher[0]], o[self.pusher[1]]];
        let c = [o[self.cube], o[self.cube + 1]];
        let g = [o[self.goal[0]], o[self.goal[1]]];
        let d = [g[0] - c[0], g[1] - c[1]];
        let len = (d[0] * d[0] + d[1] * d[1]).sqrt().max(1e-6);
        let u = [d[0] / len, d[1] / len];
        let n = [-u[1], u[0]]; // left of the push line
        let r = [p[0] - c[0], p[1] - c[1]];
        let along = r[0] * u[0] + r[1] * u[1];
        let side = r[0] * n[0] + r[1] * n[1];
        let at = |s: f32, l: f32| [c[0] + s * u[0] + l * n[0], c[1] + s * u[1] + l * n[1]];
        if along > -Self::BEHIND {
            // Not behind the cube: go around it on the side the pusher is on.
            let l = if side >= 0.0 {
                Self::CLEAR
            } else {
                -Self::CLEAR
            };
            if side.abs() < 0.8 * Self::CLEAR {
                at(along.min(0.0), l)
            } else {
                at(-Self::STANDOFF, l)
            }
        } else if side.abs() > Self::ALIGN {
            at(-Self::STANDOFF, 0.0)
        } else {
            at(Self::LEAD, 0.0)
        }
    }
}

impl Expert for PushCube {
    fn name(&self) -> &'static str {
        "push"
    }

    fn act(&self, obs: &[f32], actions: &mut [f32]) {
        for (o, a) in obs
            .chunks_exact(self.obs_dim)
            .zip(actions.chunks_exact_mut(self.action_dim))
        {
            let t = self.target(o);
            let ok = t.iter().all(|v| v.is_finite());
            for (k, v) in t.iter().enumerate() {
                // A non-finite observation (a faulted world, which reads 0 anyway) holds 0.
                a[k] = if ok {
                    v.clamp(self.ctrl[0], self.ctrl[1])
                } else {
                    0.0
                };
            }
        }
    }
}
