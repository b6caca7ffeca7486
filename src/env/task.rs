//! Tasks: what a scene env's episode is about (its reward and when it terminates).
//!
//! A [`Task`] names the bodies and joints it watches as they are named in the MJCF file
//! (`Task::Push { object: "cube", goal: "goal", .. }`); [`Task::apply`] resolves the names
//! to indices when the env is built and writes the task's fields of [`SceneParams`]
//! (`task`, `task_q`, `task_q2`, `task_limit`, `task_radius`).
//!
//! Where each part lives:
//! - the task of each registered env: its row in [`super::table::SCENES`];
//! - the task codes and reward constants (`TASK_*`, [`PUSH_SUCCESS_BONUS`](crate::layout::physics::PUSH_SUCCESS_BONUS), the
//!   `UPRIGHT_*` margins): [`crate::layout::physics`];
//! - the reward and termination themselves, computed on the GPU every step: the scene
//!   kernel's task stage, `shaders/scene/task.wgsl` (`task_reward` and `task_terminated`,
//!   which dispatch to `push_reward`, `upright_reward`, `balance_failed`, and to
//!   `shaders/scene/gym.wgsl` for Gymnasium's tasks), with its CPU twins in
//!   `src/sim/cpu/task.rs` and `src/sim/cpu/gym.rs`;
//! - Gymnasium's v5 tasks and their numbers: [`GymTask`].

use crate::layout::physics::{SceneParams, NONE, TASK_BALANCE, TASK_PUSH, TASK_UPRIGHT};
use crate::sim::compile::Compiled;
use crate::sim::model::Model;
use crate::Error;

mod gym;
pub use gym::GymTask;

/// What the episode is about. Bodies and joints are named as in the MJCF file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Task {
    /// No reward, no termination.
    None,
    /// Reward 1 per step while |qpos of `joint`| ≤ `limit` ([`TASK_BALANCE`]); terminates
    /// beyond it.
    Balance {
        /// The hinge or slide joint watched.
        joint: &'static str,
        /// Limit, rad (hinge) or m (slide).
        limit: f32,
    },
    /// Push a body to a goal body in the xy plane ([`TASK_PUSH`]): reward −distance (m)
    /// plus [`PUSH_SUCCESS_BONUS`](crate::layout::physics::PUSH_SUCCESS_BONUS) within `radius`, which ends the episode (terminated).
    Push {
        /// The body pushed; it must move (have a joint).
        object: &'static str,
        /// The goal marker body; it must move too (randomized goals ride slide joints).
        goal: &'static str,
        /// Success radius, m.
        radius: f32,
    },
    /// The dm_control / MuJoCo Playground cart-pole balance reward ([`TASK_UPRIGHT`]):
    /// upright · centred · small control · small velocity, in [0, 1]; never terminates.
    /// The scene's first control is the cart's.
    Upright {
        /// The pole's hinge joint.
        pole: &'static str,
        /// The cart's slide joint.
        cart: &'static str,
    },
    /// One of Gymnasium's v5 MuJoCo tasks, on Gymnasium's own model file
    /// ([`GymTask`]: observation, reward terms, termination, reset noise and frame skip).
    Gym(GymTask),
}

impl Task {
    /// Resolves the task's names in `compiled` (built from `model`) and writes its fields of
    /// `params`. `source` (the MJCF file, or the scene's name) and the missing name are in
    /// the error when a body, joint or site is absent or of the wrong kind.
    pub fn apply(
        &self,
        model: &Model,
        compiled: &Compiled,
        source: &str,
        params: &mut SceneParams,
    ) -> Result<(), Error> {
        match *self {
            Task::None => {}
            Task::Gym(g) => g.apply(model, compiled, source, params)?,
            Task::Balance { joint, limit } => {
                params.task = TASK_BALANCE;
                params.task_q = scalar_joint(compiled, source, "task.joint", joint)?;
                params.task_limit = limit;
            }
            Task::Upright { pole, cart } => {
                if compiled.ctrl_range.is_empty() {
                    return Err(Error::Input {
                        file: source.into(),
                        line: None,
                        field: "task".into(),
                        message: "the upright task needs an actuator (its first control is \
                                  the cart's); the scene has none"
                            .into(),
                    });
                }
                params.task = TASK_UPRIGHT;
                params.task_q = scalar_joint(compiled, source, "task.pole", pole)?;
                params.task_q2 = scalar_joint(compiled, source, "task.cart", cart)?;
            }
            Task::Push {
                object,
                goal,
                radius,
            } => {
                params.task = TASK_PUSH;
                params.task_q = moving_body(compiled, source, "task.object", object)?;
                params.task_q2 = moving_body(compiled, source, "task.goal", goal)?;
                params.task_radius = radius;
            }
        }
        Ok(())
    }
}

impl Task {
    /// Physics steps per env step: Gymnasium's `frame_skip` for [`Task::Gym`], else 1.
    pub fn frame_skip(&self) -> u32 {
        match self {
            Task::Gym(g) => g.frame_skip(),
            _ => 1,
        }
    }

    /// The reward terms the kernel reports, with their slots in the terms row (see
    /// [`crate::env::scene::SceneEnv::reward_terms`]); empty for tasks without terms.
    pub fn reward_terms(&self) -> &'static [(&'static str, u32)] {
        match self {
            Task::Gym(g) => g.reward_terms(),
            _ => &[],
        }
    }
}

/// The index (in `compiled.joints`, which the kernel's `task_q` takes) of the hinge or
/// slide joint called `name`.
fn scalar_joint(compiled: &Compiled, source: &str, field: &str, name: &str) -> Result<u32, Error> {
    let err = |message: String| Error::Input {
        file: source.into(),
        line: None,
        field: field.into(),
        message,
    };
    let j = compiled
        .joints
        .iter()
        .position(|j| j.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = compiled.joints.iter().map(|j| j.name.as_str()).collect();
            err(format!(
                "no joint named `{name}` (its joints: {})",
                known.join(", ")
            ))
        })?;
    if compiled.joints[j].kind.nq() != 1 {
        return Err(err(format!(
            "joint `{name}` is not a hinge or slide joint (the task watches one angle or position)"
        )));
    }
    Ok(j as u32)
}

/// The sim body (which the kernel's `task_q` takes for bodies) of the MJCF body called
/// `name`, which must move.
fn moving_body(compiled: &Compiled, source: &str, field: &str, name: &str) -> Result<u32, Error> {
    let err = |message: String| Error::Input {
        file: source.into(),
        line: None,
        field: field.into(),
        message,
    };
    let b = compiled
        .body_names
        .iter()
        .position(|b| b == name)
        .ok_or_else(|| {
            err(format!(
                "no body named `{name}` (its bodies: {})",
                compiled.body_names.join(", ")
            ))
        })?;
    compiled
        .mjcf_bodies
        .get(b)
        .map(|m| m.0)
        .filter(|&s| s != NONE)
        .ok_or_else(|| err(format!("body `{name}` does not move (it has no joint)")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::table::SCENES;
    use crate::sim::compile::{compile, PhysicsOptions};

    fn compiled(xml: &str, file: &str) -> (Model, Compiled) {
        let loaded =
            crate::mjcf::load_str(file, std::path::Path::new("."), xml, &Default::default())
                .unwrap();
        let c = compile(&loaded.model, &PhysicsOptions::default()).unwrap();
        (loaded.model, c)
    }

    /// Every row's task resolves, and the named tasks of the first four envs resolve to the
    /// indices they used before tasks took names (qpos index 1 for the pole hinge, 0 for
    /// the cart slide; MJCF bodies 2 and 3 for push-cube's cube and goal), so their kernel
    /// parameters are the same bit for bit.
    #[test]
    fn named_tasks_resolve_to_the_former_indices() {
        let mut checked = 0;
        for s in SCENES.iter().filter(|s| s.gymnasium.is_none()) {
            let (m, c) = compiled(s.xml, s.file);
            let mut p = c.params;
            s.task.apply(&m, &c, s.file, &mut p).unwrap();
            let joint_at_qpos = |q: usize| {
                c.joints
                    .iter()
                    .position(|j| j.qadr == q && j.kind.nq() == 1)
                    .unwrap() as u32
            };
            let (task, q, q2, limit, radius) = match s.name {
                "boxes" => (0, 0, 0, 0.0, 0.0),
                "cartpole-rigid" => (TASK_BALANCE, joint_at_qpos(1), 0, 0.2, 0.0),
                "cartpole-vision" => (TASK_UPRIGHT, joint_at_qpos(1), joint_at_qpos(0), 0.0, 0.0),
                "push-cube" => (TASK_PUSH, c.mjcf_bodies[2].0, c.mjcf_bodies[3].0, 0.0, 0.05),
                _ => continue, // a later row: resolving is enough
            };
            checked += 1;
            let got = (p.task, p.task_q, p.task_q2, p.task_limit, p.task_radius);
            assert_eq!(got, (task, q, q2, limit, radius), "{}", s.name);
            assert_eq!(p.task_limit.to_bits(), limit.to_bits(), "{}", s.name);
            assert_eq!(p.task_radius.to_bits(), radius.to_bits(), "{}", s.name);
        }
        assert_eq!(
            checked, 4,
            "the four envs registered before tasks took names"
        );
    }

    #[test]
    fn missing_names_are_errors_that_name_the_file_and_the_name() {
        let s = SCENES.iter().find(|s| s.name == "push-cube").unwrap();
        let (m, c) = compiled(s.xml, s.file);
        let cases = [
            Task::Push {
                object: "cubee",
                goal: "goal",
                radius: 0.05,
            },
            Task::Push {
                object: "world",
                goal: "goal",
                radius: 0.05,
            },
            Task::Balance {
                joint: "hinge",
                limit: 0.2,
            },
            Task::Balance {
                joint: "cube",
                limit: 0.2,
            },
        ];
        for (task, name) in cases.iter().zip(["cubee", "world", "hinge", "cube"]) {
            let mut p = c.params;
            let e = task.apply(&m, &c, s.file, &mut p).unwrap_err().to_string();
            assert!(e.contains("scenes/push_cube.xml"), "{e}");
            assert!(e.contains(&format!("`{name}`")), "{e}");
        }
    }
}
