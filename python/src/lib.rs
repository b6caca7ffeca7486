//! `manyworlds._native`: the engine's batched envs for Python. The Gymnasium-facing class
//! (`manyworlds.vector.ManyworldsVectorEnv`) is written in Python on top of [`Env`].
//!
//! # Zero copy
//! The arrays that `reset`, `step` and `view` return are numpy views of the env's mapped
//! read-back memory, with the env as their base object (so they keep it alive). On Vulkan
//! (lavapipe included) that memory stays mapped for the buffer's life; its contents are
//! overwritten by later steps: a view is valid until the next `step`, `reset` or `render`.
//! The arrays are read-only. One set of array objects is made per read-back slot and then
//! reused, so a step costs no array allocation.

use std::collections::HashMap;
use std::sync::Mutex;

use manyworlds::env::open::{open_env, open_scene};
use manyworlds::env::scene::SceneEnv;
use manyworlds::env::{self, ActionSpace, AutoresetMode, EnvConfig, Fault, VecEnv, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::render::Outputs;
use numpy::ndarray::{ArrayView1, ArrayView2};
use numpy::{
    PyArray1, PyArray2, PyArrayDyn, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

mod arrays;
mod convert;
mod cuda;
use arrays::{image_arrays, view};
use convert::{render_config, to_py_err};

/// The process's GPU device, opened on first use and shared by every env.
static GPU: Mutex<Option<Gpu>> = Mutex::new(None);

fn gpu() -> PyResult<Gpu> {
    let mut g = GPU.lock().expect("GPU lock poisoned");
    if g.is_none() {
        *g = Some(Gpu::new().map_err(to_py_err)?);
    }
    Ok(g.clone().expect("opened above"))
}

/// The env itself: a closed-form env, or a scene env (which adds qpos/qvel and the
/// randomizer's ADR ranges).
enum Inner {
    Plain(Box<dyn VecEnv>),
    Scene(Box<SceneEnv>),
}

impl Inner {
    fn get(&mut self) -> &mut dyn VecEnv {
        match self {
            Inner::Plain(e) => e.as_mut(),
            Inner::Scene(e) => e.as_mut(),
        }
    }
    fn get_ref(&self) -> &dyn VecEnv {
        match self {
            Inner::Plain(e) => e.as_ref(),
            Inner::Scene(e) => e.as_ref(),
        }
    }
}

/// The rendered cameras `(name, width, height)` and the outputs `(rgb, depth, seg)`.
type ImagesInfo = (Vec<(String, u32, u32)>, (bool, bool, bool));
/// Reward-term names and `float32 [N, terms]`.
type Terms<'py> = (Vec<&'static str>, Bound<'py, PyArray2<f32>>);
/// `float32 [N, state_dim]` states and `uint32 [N, 2]` clocks.
type StateArrays<'py> = (Bound<'py, PyArray2<f32>>, Bound<'py, PyArray2<u32>>);

/// Array objects that view one read-back slot, made once and reused.
struct SlotArrays {
    obs: Py<PyAny>,
    rewards: Py<PyAny>,
    flags: Py<PyAny>,
    final_obs: Option<Py<PyAny>>,
    images: [Option<Py<PyAny>>; 3],
}

/// A batch of worlds of one env on the GPU (`manyworlds._native.Env`).
#[pyclass(unsendable, module = "manyworlds._native")]
pub struct Env {
    /// The outputs' CUDA mapping (`device="cuda"`). Declared before `inner` so that it
    /// is released before the env frees the Vulkan memory it maps.
    cuda: Option<cuda::Imported>,
    inner: Inner,
    /// Views of each read-back slot, by the address of its observations.
    slots: HashMap<usize, SlotArrays>,
    /// Views of the host's terminated/truncated flags (fixed vectors, rewritten in place).
    done: Option<(Py<PyAny>, Py<PyAny>)>,
    closed: bool,
}

impl Env {
    fn check_open(&self) -> PyResult<()> {
        if self.closed {
            return Err(PyValueError::new_err("the env is closed"));
        }
        Ok(())
    }

    /// The current results as Python arrays:
    /// `(obs, rewards, terminated, truncated, flags, final_obs, rgb, depth, seg, faulted)`.
    fn results<'py>(slf: &Bound<'py, Env>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let mut this = slf.borrow_mut();
        let this = &mut *this;
        let env = this.inner.get_ref();
        let (n, d) = (env.num_worlds(), env.spec().obs_dim);
        let step = env.last_step();
        let key = step.obs.as_ptr() as usize;
        let faulted = step.flags.iter().any(|f| f & Fault::MASK != 0);
        if let std::collections::hash_map::Entry::Vacant(slot) = this.slots.entry(key) {
            // SAFETY (every `view` below): the slices are mapped read-back memory or the
            // host's flag vectors, which the env keeps at a fixed address for its life,
            // and the env is the arrays' base.
            let arrays = unsafe {
                let images = match &step.images {
                    None => [None, None, None],
                    Some(im) => image_arrays(slf, im, n)?,
                };
                SlotArrays {
                    obs: view(slf, step.obs, &[n, d], None)?,
                    rewards: view(slf, step.rewards, &[n], None)?,
                    flags: view(slf, step.flags, &[n], None)?,
                    final_obs: step
                        .final_obs
                        .map(|f| view(slf, f, &[n, d], None))
                        .transpose()?,
                    images,
                }
            };
            slot.insert(arrays);
        }
        if this.done.is_none() {
            // SAFETY: as above; the flag vectors are allocated once, at build time.
            this.done = Some(unsafe {
                (
                    view(slf, step.terminated, &[n], None)?,
                    view(slf, step.truncated, &[n], None)?,
                )
            });
        }
        let s = &this.slots[&key];
        let (te, tr) = this.done.as_ref().expect("made above");
        let none = || py.None();
        let opt = |o: &Option<Py<PyAny>>| o.as_ref().map(|a| a.clone_ref(py)).unwrap_or_else(none);
        PyTuple::new(
            py,
            [
                s.obs.clone_ref(py),
                s.rewards.clone_ref(py),
                te.clone_ref(py),
                tr.clone_ref(py),
                s.flags.clone_ref(py),
                opt(&s.final_obs),
                opt(&s.images[0]),
                opt(&s.images[1]),
                opt(&s.images[2]),
                faulted.into_pyobject(py)?.to_owned().into_any().unbind(),
            ],
        )
    }
}

#[pymethods]
impl Env {
    /// Builds `num_envs` worlds of the registered env `env_id`, or of the MJCF file `scene`.
    #[new]
    #[pyo3(signature = (env_id, num_envs, *, scene=None, autoreset="next_step", render=None,
        randomize=None, keyframe=None, lenient=false, readback_slots=2))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        env_id: Option<&str>,
        num_envs: usize,
        scene: Option<&str>,
        autoreset: &str,
        render: Option<&Bound<'_, PyDict>>,
        randomize: Option<&str>,
        keyframe: Option<&str>,
        lenient: bool,
        readback_slots: usize,
    ) -> PyResult<Env> {
        let autoreset = match autoreset {
            "next_step" | "NextStep" => AutoresetMode::NextStep,
            "same_step" | "SameStep" => AutoresetMode::SameStep,
            "disabled" | "Disabled" => AutoresetMode::Disabled,
            other => {
                return Err(PyValueError::new_err(format!(
                    "autoreset_mode `{other}` is not known; allowed: next_step, same_step, disabled"
                )))
            }
        };
        if num_envs == 0 {
            return Err(PyValueError::new_err(
                "num_envs 0 is not allowed; allowed: at least 1 world",
            ));
        }
        let mut cfg = EnvConfig::new(num_envs).autoreset(autoreset);
        cfg.readback_slots = readback_slots;
        if let Some(r) = render {
            cfg.render = Some(render_config(r)?);
        }
        if let Some(text) = randomize {
            let spec = if text.trim_start().starts_with('{') {
                manyworlds::randomize::Spec::from_json(text, "<randomize>")
            } else {
                manyworlds::randomize::Spec::from_file(text)
            };
            cfg.randomize = Some(spec.map_err(to_py_err)?);
        }
        let gpu = gpu()?;
        let is_scene = scene.is_some()
            || env_id.is_some_and(|n| manyworlds::env::scene::registered(n).is_some());
        let inner = if is_scene {
            Inner::Scene(Box::new(
                open_scene(&gpu, env_id, scene, lenient, keyframe, &cfg).map_err(to_py_err)?,
            ))
        } else {
            Inner::Plain(
                open_env(&gpu, env_id, None, lenient, keyframe, &cfg)
                    .map_err(to_py_err)?
                    .0,
            )
        };
        Ok(Env {
            cuda: None,
            inner,
            slots: HashMap::new(),
            done: None,
            closed: false,
        })
    }

    /// The env's name (the registry name or the scene file).
    #[getter]
    fn name(&self) -> String {
        self.inner.get_ref().spec().name.clone()
    }
    /// Worlds.
    #[getter]
    fn num_envs(&self) -> usize {
        self.inner.get_ref().num_worlds()
    }
    /// Floats per observation.
    #[getter]
    fn obs_dim(&self) -> usize {
        self.inner.get_ref().spec().obs_dim
    }
    /// Floats per world in `get_state`.
    #[getter]
    fn state_dim(&self) -> usize {
        self.inner.get_ref().spec().state_dim
    }
    /// `("discrete", n, None, None)` or `("box", dim, low, high)`.
    #[getter]
    fn action_space(&self) -> (&'static str, usize, Option<Vec<f32>>, Option<Vec<f32>>) {
        match &self.inner.get_ref().spec().action_space {
            ActionSpace::Discrete { n } => ("discrete", *n as usize, None, None),
            ActionSpace::Box { low, high } => {
                ("box", low.len(), Some(low.clone()), Some(high.clone()))
            }
        }
    }
    /// Steps after which an episode is truncated.
    #[getter]
    fn max_episode_steps(&self) -> u32 {
        self.inner.get_ref().spec().max_episode_steps
    }
    /// Simulated seconds per env step.
    #[getter]
    fn dt(&self) -> f32 {
        self.inner.get_ref().spec().dt
    }
    /// The adapter, e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (vulkan, cpu)`.
    #[getter]
    fn adapter(&self) -> String {
        self.inner.get_ref().adapter().to_string()
    }
    /// The adapter's backend (`vulkan`, `metal`, ...).
    #[getter]
    fn backend(&self) -> String {
        self.inner.get_ref().adapter().backend.clone()
    }
    /// `(nq, nv)` for scene envs, `None` otherwise.
    #[getter]
    fn qpos_qvel_dims(&self) -> Option<(usize, usize)> {
        match &self.inner {
            Inner::Scene(e) => Some((e.scene_params().nq as usize, e.scene_params().nv as usize)),
            Inner::Plain(_) => None,
        }
    }
    /// The rendered cameras `(name, width, height)`, and the outputs `(rgb, depth, seg)`;
    /// `None` when the env does not render.
    #[getter]
    fn images(&self) -> Option<ImagesInfo> {
        let im = self.inner.get_ref().spec().images.as_ref()?;
        let o: Outputs = im.outputs;
        Some((im.cameras.clone(), (o.rgb, o.depth, o.seg)))
    }

    /// Imports the outputs into CUDA (`device="cuda"`, cargo feature `cuda`); a
    /// `ValueError` says why where that is impossible. Idempotent.
    fn enable_cuda(&mut self) -> PyResult<()> {
        self.check_open()?;
        if self.cuda.is_none() {
            self.cuda = Some(cuda::import(self.inner.get()).map_err(PyValueError::new_err)?);
        }
        Ok(())
    }

    /// The outputs in CUDA memory as DLPack arrays, by name (`obs`, `rewards`, `flags`,
    /// and where present `final_obs`, `rgb`, `depth`, `segmentation`); `None` before
    /// `enable_cuda`. The same memory serves every step, as the host views do.
    fn cuda_arrays<'py>(slf: &Bound<'py, Env>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let this = slf.borrow();
        let Some(imp) = &this.cuda else {
            return Ok(None);
        };
        let env = this.inner.get_ref();
        let images = match &env.spec().images {
            None => None,
            Some(im) => {
                let Some((_, w, h)) = im.cameras.first() else {
                    return Err(PyValueError::new_err("render: no camera"));
                };
                if im.cameras.iter().any(|(_, cw, ch)| (cw, ch) != (w, h)) {
                    return Err(PyValueError::new_err(
                        "device=\"cuda\": every camera must have the same size",
                    ));
                }
                let o = im.outputs;
                let dims = (im.cameras.len(), *h as usize, *w as usize);
                Some((dims, [o.rgb, o.depth, o.seg]))
            }
        };
        let (n, d) = (env.num_worlds(), env.spec().obs_dim);
        cuda::arrays(slf.as_any(), imp, n, d, images).map(Some)
    }

    /// Starts episode 0 of every world from `seed`; returns the results tuple (see `step`).
    fn reset<'py>(slf: &Bound<'py, Env>, seed: u64) -> PyResult<Bound<'py, PyTuple>> {
        {
            let mut this = slf.borrow_mut();
            this.check_open()?;
            this.inner.get().reset(seed).map_err(to_py_err)?;
        }
        Env::results(slf)
    }

    /// Starts a new episode in the worlds where `mask` is true (see the Rust
    /// `VecEnv::reset_worlds`); returns the results tuple.
    #[pyo3(signature = (mask, seed=None))]
    fn reset_worlds<'py>(
        slf: &Bound<'py, Env>,
        mask: PyReadonlyArray1<'py, bool>,
        seed: Option<u64>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        {
            let mut this = slf.borrow_mut();
            this.check_open()?;
            let m = mask.as_slice()?;
            this.inner.get().reset_worlds(m, seed).map_err(to_py_err)?;
        }
        Env::results(slf)
    }

    /// One step of every world with `actions` (`float32`, C-contiguous, `[N, action_dim]`
    /// or `[N]`). Returns `(obs, rewards, terminated, truncated, flags, final_obs, rgb,
    /// depth, segmentation, faulted)`: zero-copy views valid until the next call; `None`
    /// where the env has no such output.
    fn step<'py>(
        slf: &Bound<'py, Env>,
        actions: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        Env::step_many(slf, actions, 1)
    }

    /// `k` steps with the actions held, in one submission; returns what the `k`-th step
    /// returns.
    fn step_many<'py>(
        slf: &Bound<'py, Env>,
        actions: &Bound<'py, PyAny>,
        k: u32,
    ) -> PyResult<Bound<'py, PyTuple>> {
        {
            let mut this = slf.borrow_mut();
            this.check_open()?;
            let arr = actions
                .cast::<PyArrayDyn<f32>>()
                .map_err(|_| PyValueError::new_err("actions must be a float32 numpy array"))?;
            let ro = arr.try_readonly()?;
            let a = ro.as_slice().map_err(|_| {
                PyValueError::new_err("actions must be C-contiguous (np.ascontiguousarray)")
            })?;
            let env = this.inner.get();
            if k == 1 {
                env.step(a).map_err(to_py_err)?;
            } else {
                env.step_many(a, k).map_err(to_py_err)?;
            }
        }
        Env::results(slf)
    }

    /// Renders the current state again (after changing looks or cameras); returns the
    /// results tuple, whose rewards and flags are 0.
    fn render<'py>(slf: &Bound<'py, Env>) -> PyResult<Bound<'py, PyTuple>> {
        {
            let mut this = slf.borrow_mut();
            this.check_open()?;
            this.inner.get().render().map_err(to_py_err)?;
        }
        Env::results(slf)
    }

    /// The results tuple of the last reset or step, without stepping.
    fn view<'py>(slf: &Bound<'py, Env>) -> PyResult<Bound<'py, PyTuple>> {
        slf.borrow().check_open()?;
        Env::results(slf)
    }

    /// The reward terms of the last step: `(names, float32 [N, terms])`, or `None`.
    fn reward_terms<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Terms<'py>>> {
        self.check_open()?;
        let Some(t) = self.inner.get().reward_terms().map_err(to_py_err)? else {
            return Ok(None);
        };
        let cols = t.names.len();
        let a = ArrayView2::from_shape((t.values.len() / cols.max(1), cols), &t.values)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(Some((t.names, PyArray2::from_array(py, &a))))
    }

    /// Every world's state and clocks: `(float32 [N, state_dim], uint32 [N, 2])`, the
    /// clocks as (elapsed steps with the done bit 31, episode).
    fn get_state<'py>(&mut self, py: Python<'py>) -> PyResult<StateArrays<'py>> {
        self.check_open()?;
        let s = self.inner.get().get_state(Worlds::All).map_err(to_py_err)?;
        let n = s.worlds.len();
        let clocks: Vec<u32> = s
            .clocks
            .iter()
            .flat_map(|c| [c.elapsed, c.episode])
            .collect();
        let st = ArrayView2::from_shape((n, s.state_dim), &s.state)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let cl = ArrayView2::from_shape((n, 2), &clocks)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok((PyArray2::from_array(py, &st), PyArray2::from_array(py, &cl)))
    }

    /// Overwrites every world's state and clocks (as `get_state` returned them).
    fn set_state(
        &mut self,
        state: PyReadonlyArray2<'_, f32>,
        clocks: PyReadonlyArray2<'_, u32>,
    ) -> PyResult<()> {
        self.check_open()?;
        let env = self.inner.get();
        let n = env.num_worlds();
        let dim = env.spec().state_dim;
        if state.shape() != [n, dim] || clocks.shape() != [n, 2] {
            return Err(PyValueError::new_err(format!(
                "set_state: state has shape {:?} and clocks {:?}; allowed: [{n}, {dim}] and [{n}, 2]",
                state.shape(),
                clocks.shape()
            )));
        }
        let c = clocks.as_array();
        let states = env::WorldStates {
            state_dim: dim,
            worlds: (0..n).collect(),
            state: state.as_array().iter().copied().collect(),
            clocks: (0..n)
                .map(|w| manyworlds::layout::WorldClock {
                    elapsed: c[[w, 0]],
                    episode: c[[w, 1]],
                })
                .collect(),
        };
        env.set_state(&states).map_err(to_py_err)
    }

    /// Joint positions and velocities (MuJoCo's layout) of every world:
    /// `float32 [N, nq + nv]`, qpos then qvel. Scene envs only.
    fn get_qpos_qvel<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        self.check_open()?;
        let Inner::Scene(e) = &mut self.inner else {
            return Err(PyValueError::new_err(
                "get_qpos_qvel: only envs with a scene have qpos/qvel",
            ));
        };
        let (nq, nv) = (e.scene_params().nq as usize, e.scene_params().nv as usize);
        let v = e.get_qpos_qvel(Worlds::All).map_err(to_py_err)?;
        let a = ArrayView2::from_shape((v.len() / (nq + nv).max(1), nq + nv), &v)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(PyArray2::from_array(py, &a))
    }

    /// Sets worlds `worlds` to `qpos` (`[len, nq]`) and `qvel` (`[len, nv]`); clocks kept.
    fn set_qpos_qvel(
        &mut self,
        worlds: PyReadonlyArray1<'_, i64>,
        qpos: PyReadonlyArray2<'_, f32>,
        qvel: PyReadonlyArray2<'_, f32>,
    ) -> PyResult<()> {
        self.check_open()?;
        let Inner::Scene(e) = &mut self.inner else {
            return Err(PyValueError::new_err(
                "set_qpos_qvel: only envs with a scene have qpos/qvel",
            ));
        };
        let n = e.num_worlds();
        let mut ws = Vec::new();
        for (i, &w) in worlds.as_array().iter().enumerate() {
            if w < 0 || w as usize >= n {
                return Err(PyValueError::new_err(format!(
                    "worlds[{i}] = {w}; allowed: a world index in 0..{n}"
                )));
            }
            ws.push(w as usize);
        }
        let q: Vec<f32> = qpos.as_array().iter().copied().collect();
        let v: Vec<f32> = qvel.as_array().iter().copied().collect();
        e.set_qpos_qvel(&ws, &q, &v).map_err(to_py_err)
    }

    /// The randomized values of every world: `{key: float32 [N, components]}` (keys as
    /// `"geom.friction:box3"`), or `None` when the env randomizes nothing.
    fn randomized_params<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.check_open()?;
        let Some(p) = self.inner.get().randomized_params().map_err(to_py_err)? else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        let n = p.num_worlds();
        for (s, info) in p.slots.iter().enumerate() {
            let mut rows = Vec::with_capacity(n * info.components);
            for w in 0..n {
                rows.extend_from_slice(p.value(w, s));
            }
            let a = ArrayView2::from_shape((n, info.components), &rows)
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
            d.set_item(info.key(), PyArray2::from_array(py, &a))?;
        }
        Ok(Some(d))
    }

    /// The ADR ranges now: a list of `{"entry", "field", "low", "high", "limit"}`; empty
    /// when the env has no ADR entries or randomizes nothing.
    fn adr_ranges<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.check_open()?;
        let Inner::Scene(e) = &self.inner else {
            return Ok(Vec::new());
        };
        let Some(r) = e.randomizer() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for a in r.adr_ranges().map_err(to_py_err)? {
            let d = PyDict::new(py);
            d.set_item("entry", a.entry)?;
            d.set_item("field", a.field.name())?;
            d.set_item("low", a.lo)?;
            d.set_item("high", a.hi)?;
            d.set_item("limit", (a.limit[0], a.limit[1]))?;
            out.push(d);
        }
        Ok(out)
    }

    /// The faulted worlds of the last step and why: `[(world, [cause, ...]), ...]`.
    fn fault_report(&self) -> Vec<(usize, Vec<&'static str>)> {
        self.inner
            .get_ref()
            .last_step()
            .fault_report()
            .iter()
            .map(|f| (f.world, f.causes()))
            .collect()
    }

    /// Marks the env closed; its GPU memory is freed when the last array viewing it is.
    fn close(&mut self) {
        self.closed = true;
    }
}

/// The registered env names, in registry order.
#[pyfunction]
fn env_names() -> Vec<&'static str> {
    env::names()
}

/// `(name, about, needs Gymnasium's model files)` of each registered env.
#[pyfunction]
fn env_infos() -> Vec<(&'static str, &'static str, bool)> {
    env::REGISTRY
        .iter()
        .map(|e| (e.name, e.about, e.needs_gymnasium_assets()))
        .collect()
}

/// The adapter the process's envs run on.
#[pyfunction]
fn adapter() -> PyResult<String> {
    Ok(gpu()?.adapter().to_string())
}

/// Uniform random valid actions as the engine draws them (`ActionSpace::sample`), a pure
/// function of `(seed, step)`: `float32 [N * action_dim]`.
#[pyfunction]
fn sample_actions<'py>(
    py: Python<'py>,
    env: &Env,
    seed: u64,
    step: u32,
) -> Bound<'py, PyArray1<f32>> {
    let e = env.inner.get_ref();
    let a = e.spec().action_space.sample(e.num_worlds(), seed, step);
    PyArray1::from_array(py, &ArrayView1::from(&a[..]))
}

/// The fault bits of the flags words.
pub const FAULT_MASK: u32 = Fault::MASK;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Env>()?;
    m.add_class::<cuda::CudaArray>()?;
    m.add("CUDA", cuda::BUILT)?;
    m.add_function(wrap_pyfunction!(env_names, m)?)?;
    m.add_function(wrap_pyfunction!(env_infos, m)?)?;
    m.add_function(wrap_pyfunction!(adapter, m)?)?;
    m.add_function(wrap_pyfunction!(sample_actions, m)?)?;
    m.add("FAULT_MASK", FAULT_MASK)?;
    m.add("FLAG_RESET", manyworlds::layout::FLAG_RESET)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
