//! The registered scene envs, one row each in [`SCENES`].
//!
//! A row holds everything that makes a scene an env: its name and one line about it, its
//! MJCF file, its episode settings and task ([`super::task`]), its default randomization
//! and render settings, and the every-field spec `manyworlds soak` runs it under.
//! [`super::REGISTRY`], `env::make`, the CLI and the tests derive everything from the rows,
//! so adding a scene env that uses an existing task is one MJCF file under `scenes/` plus
//! one row here. Looking a row up ([`registered`]) builds nothing.

use super::scene::{make_mjcf, SceneConfig, SceneEnv};
use super::task::{GymTask, Task};
use super::EnvConfig;
use crate::gpu::Gpu;
use crate::randomize::spec::FieldGroup;
use crate::randomize::Spec;
use crate::render::RenderConfig;
use crate::Error;

/// A file embedded in the library, with its path in the repository (for messages and
/// manifests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// Path from the repository root, e.g. `scenes/push_cube_randomize.json`.
    pub path: &'static str,
    /// The file's text.
    pub text: &'static str,
}

impl EmbeddedFile {
    /// Parses the file as a randomization spec (errors name the file).
    pub fn spec(&self) -> Result<Spec, Error> {
        Spec::from_json(self.text, self.path)
    }
}

/// A registered scene env: one row of [`SCENES`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegisteredScene {
    /// Registry name, as `env::make` and the CLI's `--env` take it.
    pub name: &'static str,
    /// One line for `manyworlds envs` and listings.
    pub about: &'static str,
    /// Where the embedded MJCF lives in the repository (for messages); for rows with a
    /// [`RegisteredScene::gymnasium`] file, that file's name.
    pub file: &'static str,
    /// The MJCF text; empty for rows with a [`RegisteredScene::gymnasium`] file.
    pub xml: &'static str,
    /// Gymnasium 1.4.0's MuJoCo model file the env loads (e.g. `hopper.xml`), which is not
    /// embedded: it is read when the env is built, from the folder named by
    /// [`GYMNASIUM_ASSETS_VAR`] ([`RegisteredScene::mjcf`]). `None`: the embedded `xml`.
    pub gymnasium: Option<&'static str>,
    /// Steps before truncation ([`SceneConfig::max_episode_steps`]).
    pub max_episode_steps: u32,
    /// Reset noise amplitude ([`SceneConfig::reset_noise`]).
    pub reset_noise: f32,
    /// Reward and termination, naming the MJCF file's bodies and joints.
    pub task: Task,
    /// The randomization the env applies when [`EnvConfig::randomize`] is `None`; `None`
    /// randomizes nothing.
    pub randomize: Option<EmbeddedFile>,
    /// The spec `manyworlds soak` runs the env under: every field that applies to it.
    /// `None`: the soak needs `--randomize` for this env.
    pub soak_randomize: Option<EmbeddedFile>,
    /// What the env renders when [`EnvConfig::render`] is `None`: every camera at this
    /// width × height in pixels (for envs whose observation is an image); `None` renders
    /// nothing.
    pub render: Option<(u32, u32)>,
}

/// Every registered scene env, one row each. `env::REGISTRY` lists them after `cartpole`.
pub const SCENES: &[RegisteredScene] = &[
    // 1.5 s episodes: the drop and the settling; ±2 cm of x/y jitter per box, as the
    // MuJoCo peer benchmark jitters its batched worlds.
    RegisteredScene {
        name: "boxes",
        about: "8 free boxes dropped on a plane (shared/scenes/boxes.xml), no actions, no reward",
        file: "scenes/boxes.xml",
        xml: include_str!("../../scenes/boxes.xml"),
        max_episode_steps: 150,
        reset_noise: 0.02,
        task: Task::None,
        randomize: None,
        soak_randomize: Some(EmbeddedFile {
            path: "scenes/boxes_randomize_all.json",
            text: include_str!("../../scenes/boxes_randomize_all.json"),
        }),
        render: None,
        gymnasium: None,
    },
    // Balanced like Gymnasium's InvertedPendulum: reward 1 while |pole angle| <= 0.2 rad,
    // 1000 steps, every joint reset within ±0.01 of its initial value.
    RegisteredScene {
        name: "cartpole-rigid",
        about: "cart on a slide, pole on a hinge (scenes/cartpole_rigid.xml), force action, reward 1 while |pole| <= 0.2 rad",
        file: "scenes/cartpole_rigid.xml",
        xml: include_str!("../../scenes/cartpole_rigid.xml"),
        max_episode_steps: 1000,
        reset_noise: 0.01,
        task: Task::Balance {
            joint: "hinge",
            limit: 0.2,
        },
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: None,
    },
    // MuJoCo Playground's CartpoleBalance: the dm_control reward, 1000 steps, no
    // termination; every joint reset within ±0.034 (dm_control draws the pole there, the
    // cart within ±0.1). The observation is a 64 × 64 RGB image of its `fixed` camera.
    RegisteredScene {
        name: "cartpole-vision",
        about: "cartpole-rigid seen by a fixed camera: 64x64 RGB images (Step::images), continuous force, dm_control/Playground balance reward",
        file: "scenes/cartpole_vision.xml",
        xml: include_str!("../../scenes/cartpole_vision.xml"),
        max_episode_steps: 1000,
        reset_noise: 0.034,
        task: Task::Upright {
            pole: "hinge",
            cart: "slider",
        },
        randomize: None,
        soak_randomize: None,
        render: Some((64, 64)),
        gymnasium: None,
    },
    // ManiSkill's PushCube: push the cube onto the goal; 2.5 s episodes at 100 Hz; success
    // within 5 cm (the goal disc's radius) ends the episode. The default randomization
    // covers cube mass, size and friction, table friction, goal position, colours and
    // lighting. The soak's spec drops looks and depth noise (the soak does not render).
    RegisteredScene {
        name: "push-cube",
        about: "a pusher on x/y position servos pushes a cube to a goal (scenes/push_cube.xml), randomized mass, size, friction, goal, colours and light; reward -distance + success bonus",
        file: "scenes/push_cube.xml",
        xml: include_str!("../../scenes/push_cube.xml"),
        max_episode_steps: 250,
        reset_noise: 0.0,
        task: Task::Push {
            object: "cube",
            goal: "goal",
            radius: 0.05,
        },
        randomize: Some(EmbeddedFile {
            path: "scenes/push_cube_randomize.json",
            text: include_str!("../../scenes/push_cube_randomize.json"),
        }),
        soak_randomize: Some(EmbeddedFile {
            path: "benches/push_cube_all_fields.json",
            text: include_str!("../../benches/push_cube_all_fields.json"),
        }),
        render: None,
        gymnasium: None,
    },
    // Gymnasium 1.4.0's v5 MuJoCo tasks with their default arguments ([`GymTask`]), on
    // Gymnasium's own model files, read at make time from MANYWORLDS_GYMNASIUM_ASSETS.
    RegisteredScene {
        name: "hopper",
        about: "Gymnasium Hopper-v5: hop forward; 11 obs (qpos[1:], clipped qvel), 3 torques, forward + healthy - ctrl reward",
        file: "hopper.xml",
        xml: "",
        max_episode_steps: GymTask::Hopper.max_episode_steps(),
        reset_noise: GymTask::Hopper.reset_noise_scale(),
        task: Task::Gym(GymTask::Hopper),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("hopper.xml"),
    },
    RegisteredScene {
        name: "walker2d",
        about: "Gymnasium Walker2d-v5: walk forward; 17 obs (qpos[1:], clipped qvel), 6 torques, forward + healthy - ctrl reward",
        file: "walker2d_v5.xml",
        xml: "",
        max_episode_steps: GymTask::Walker2d.max_episode_steps(),
        reset_noise: GymTask::Walker2d.reset_noise_scale(),
        task: Task::Gym(GymTask::Walker2d),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("walker2d_v5.xml"),
    },
    RegisteredScene {
        name: "half-cheetah",
        about: "Gymnasium HalfCheetah-v5: run forward; 17 obs (qpos[1:], qvel), 6 torques, forward - ctrl reward, no termination",
        file: "half_cheetah.xml",
        xml: "",
        max_episode_steps: GymTask::HalfCheetah.max_episode_steps(),
        reset_noise: GymTask::HalfCheetah.reset_noise_scale(),
        task: Task::Gym(GymTask::HalfCheetah),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("half_cheetah.xml"),
    },
    RegisteredScene {
        name: "inverted-pendulum",
        about: "Gymnasium InvertedPendulum-v5: balance the pole; 4 obs, 1 force in [-3, 3], reward 1 while |pole| <= 0.2 rad",
        file: "inverted_pendulum.xml",
        xml: "",
        max_episode_steps: GymTask::InvertedPendulum.max_episode_steps(),
        reset_noise: GymTask::InvertedPendulum.reset_noise_scale(),
        task: Task::Gym(GymTask::InvertedPendulum),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("inverted_pendulum.xml"),
    },
    RegisteredScene {
        name: "inverted-double-pendulum",
        about: "Gymnasium InvertedDoublePendulum-v5: balance two poles; 9 obs (the cart's constraint force reads 0), 1 force, alive - distance - velocity penalties",
        file: "inverted_double_pendulum.xml",
        xml: "",
        max_episode_steps: GymTask::InvertedDoublePendulum.max_episode_steps(),
        reset_noise: GymTask::InvertedDoublePendulum.reset_noise_scale(),
        task: Task::Gym(GymTask::InvertedDoublePendulum),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("inverted_double_pendulum.xml"),
    },
    RegisteredScene {
        name: "swimmer",
        about: "Gymnasium Swimmer-v5: 8 obs (qpos[2:], qvel), 2 torques, forward - ctrl reward (fluid drag not modelled)",
        file: "swimmer.xml",
        xml: "",
        max_episode_steps: GymTask::Swimmer.max_episode_steps(),
        reset_noise: GymTask::Swimmer.reset_noise_scale(),
        task: Task::Gym(GymTask::Swimmer),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("swimmer.xml"),
    },
    RegisteredScene {
        name: "reacher",
        about: "Gymnasium Reacher-v5: reach a random target; 10 obs, 2 torques, -distance - ctrl reward, 50 steps",
        file: "reacher.xml",
        xml: "",
        max_episode_steps: GymTask::Reacher.max_episode_steps(),
        reset_noise: GymTask::Reacher.reset_noise_scale(),
        task: Task::Gym(GymTask::Reacher),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("reacher.xml"),
    },
    RegisteredScene {
        name: "ant",
        about: "Gymnasium Ant-v5 WITHOUT cfrc_ext: 27 obs (qpos[2:], qvel), 8 torques, forward + healthy - ctrl reward (contact cost 0)",
        file: "ant.xml",
        xml: "",
        max_episode_steps: GymTask::Ant.max_episode_steps(),
        reset_noise: GymTask::Ant.reset_noise_scale(),
        task: Task::Gym(GymTask::Ant),
        randomize: None,
        soak_randomize: None,
        render: None,
        gymnasium: Some("ant.xml"),
    },
];

/// The environment variable naming the folder of Gymnasium 1.4.0's MuJoCo model files
/// (`gymnasium/envs/mujoco/assets` of the wheel), which rows with a
/// [`RegisteredScene::gymnasium`] file load.
pub const GYMNASIUM_ASSETS_VAR: &str = "MANYWORLDS_GYMNASIUM_ASSETS";

/// The row of the registered scene env `name`, or `None` (for `cartpole`, which has no
/// scene, and unknown names). Builds nothing. A `const fn`, so constants can be taken from
/// rows.
pub const fn registered(name: &str) -> Option<&'static RegisteredScene> {
    let mut i = 0;
    while i < SCENES.len() {
        if same(SCENES[i].name.as_bytes(), name.as_bytes()) {
            return Some(&SCENES[i]);
        }
        i += 1;
    }
    None
}

/// Byte equality usable in a `const fn`.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The row called `name`, for constants; fails the build when there is none.
pub(crate) const fn row(name: &str) -> &'static RegisteredScene {
    match registered(name) {
        Some(r) => r,
        None => panic!("no registered scene of that name"),
    }
}

impl RegisteredScene {
    /// The env settings: the row's episode settings and task (with its frame skip),
    /// defaults for the rest.
    pub fn config(&self) -> SceneConfig {
        SceneConfig {
            max_episode_steps: self.max_episode_steps,
            reset_noise: self.reset_noise,
            task: self.task,
            frame_skip: self.task.frame_skip(),
            ..SceneConfig::new(self.name)
        }
    }

    /// The row's MJCF: where it comes from (for messages: the repository path, or the
    /// Gymnasium file's full path) and its text. A Gymnasium file is read from the folder
    /// named by [`GYMNASIUM_ASSETS_VAR`]; without it, or without the file, the error says
    /// how to get the files.
    pub fn mjcf(&self) -> Result<(String, std::borrow::Cow<'static, str>), Error> {
        let Some(file) = self.gymnasium else {
            return Ok((self.file.into(), self.xml.into()));
        };
        let how = "download Gymnasium 1.4.0's wheel (`pip download gymnasium==1.4.0 \
                   --no-deps`), unzip its gymnasium/envs/mujoco/assets folder and point \
                   MANYWORLDS_GYMNASIUM_ASSETS at it";
        let Some(dir) = std::env::var_os(GYMNASIUM_ASSETS_VAR) else {
            return Err(Error::InvalidArgument {
                field: GYMNASIUM_ASSETS_VAR.into(),
                value: "(not set)".into(),
                allowed: format!(
                    "the folder holding Gymnasium's {file}, which env `{}` loads: {how}",
                    self.name
                ),
            });
        };
        let path = std::path::Path::new(&dir).join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: format!("{e} (env `{}` loads Gymnasium's {file}: {how})", self.name),
        })?;
        Ok((path.display().to_string(), text.into()))
    }

    /// The default randomization ([`RegisteredScene::randomize`]), parsed. Looks entries
    /// are kept only when the env renders.
    pub fn default_randomize(&self, renders: bool) -> Option<Spec> {
        let mut spec = self
            .randomize?
            .spec()
            .expect("the embedded default specs parse (tested)");
        if !renders {
            spec.entries
                .retain(|e| e.field.group() != FieldGroup::Looks);
        }
        Some(spec)
    }

    /// The default render settings ([`RegisteredScene::render`]).
    pub fn default_render(&self) -> Option<RenderConfig> {
        self.render.map(|(w, h)| RenderConfig::new(w, h))
    }

    /// Builds the env. Where `config` leaves them `None`, the row's default render and
    /// randomization apply (an empty spec turns the default randomization off).
    pub fn make(&self, gpu: &Gpu, config: &EnvConfig) -> Result<SceneEnv, Error> {
        self.make_with(gpu, &self.config(), config)
    }

    /// [`RegisteredScene::make`] with other scene settings than [`RegisteredScene::config`]
    /// (derive them from it): `scene.private_words`, for example.
    pub fn make_with(
        &self,
        gpu: &Gpu,
        scene: &SceneConfig,
        config: &EnvConfig,
    ) -> Result<SceneEnv, Error> {
        let mut config = config.clone();
        if config.render.is_none() {
            config.render = self.default_render();
        }
        if config.randomize.is_none() {
            config.randomize = self.default_randomize(config.render.is_some());
        }
        let (origin, xml) = self.mjcf()?;
        make_mjcf(gpu, &xml, &origin, false, scene, &config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row's paths name the files its text was embedded from, and its specs parse.
    #[test]
    fn rows_embed_the_files_they_name() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        for s in SCENES {
            if let Some(f) = s.gymnasium {
                assert_eq!((s.file, s.xml), (f, ""), "{}: not embedded", s.name);
            } else {
                assert_eq!(read(s.file), s.xml, "{}", s.name);
            }
            for f in [s.randomize, s.soak_randomize].into_iter().flatten() {
                assert_eq!(read(f.path), f.text, "{}: {}", s.name, f.path);
                f.spec().unwrap_or_else(|e| panic!("{}: {e}", s.name));
            }
            assert_eq!(registered(s.name).unwrap(), s);
        }
        assert!(registered("cartpole").is_none());
        assert!(registered("push-cub").is_none());
        let mut names: Vec<_> = SCENES.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SCENES.len(), "scene names are unique");
    }
}
