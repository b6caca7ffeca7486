"""`ManyworldsVectorEnv`: a Gymnasium 1.x vector env whose worlds all step in one GPU dispatch.

Semantics follow Gymnasium's own vector envs (``SyncVectorEnv``) exactly; see
``manyworlds.make_vec`` for the arguments and the zero-copy rules.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import _native

#: Gymnasium CartPole-v1's observation bounds (x and θ at twice their termination limits),
#: float32 as Gymnasium builds them. Other envs' observations are unbounded, as theirs.
_OBS_BOUNDS = {
    "cartpole": np.array(
        [4.8, np.inf, 12 * 2 * np.pi / 360 * 2, np.inf], dtype=np.float32
    ),
}

_MODES = {
    AutoresetMode.NEXT_STEP: "next_step",
    AutoresetMode.SAME_STEP: "same_step",
    AutoresetMode.DISABLED: "disabled",
}


def _autoreset_mode(mode: AutoresetMode | str) -> AutoresetMode:
    """Gymnasium's enum, its values (``"NextStep"``) or snake case (``"next_step"``)."""
    if isinstance(mode, AutoresetMode):
        return mode
    for m, snake in _MODES.items():
        if mode in (m.value, snake):
            return m
    allowed = ", ".join(f"{m.value} ({snake})" for m, snake in _MODES.items())
    raise ValueError(f"autoreset_mode={mode!r}; allowed: AutoresetMode, or {allowed}")


def _as_array(x: Any, what: str) -> np.ndarray:
    """A numpy view of `x` without a copy where one is possible: numpy arrays as they are,
    torch/JAX/CuPy-style arrays on the host through DLPack, torch tensors on a GPU copied
    to the host, anything else through ``__array__`` or as a sequence."""
    if isinstance(x, np.ndarray):
        return x
    allowed = "allowed: numpy arrays, host tensors/arrays of torch or JAX, or sequences"
    device = getattr(x, "__dlpack_device__", None)
    on_host = device is None or device()[0] in (1, 3)  # kDLCPU, kDLCUDAHost
    try:
        if on_host and hasattr(x, "__dlpack__"):
            a = np.from_dlpack(x)
        elif hasattr(x, "cpu"):  # a torch tensor on a GPU (device="cuda" policies)
            a = np.from_dlpack(x.detach().cpu() if hasattr(x, "detach") else x.cpu())
        else:
            a = np.asarray(x)
    except (TypeError, RuntimeError, ValueError, BufferError) as e:
        raise ValueError(f"{what}: cannot read a {type(x).__name__} ({e}); {allowed}") from e
    if a.dtype == object:
        raise ValueError(f"{what}: cannot read a {type(x).__name__} as numbers; {allowed}")
    return a


def _cuda_tensors(env: Any) -> dict[str, Any]:
    """Imports the env's outputs into CUDA and views each as a torch tensor (one set for
    the env's life: the memory is rewritten in place by every step)."""
    env.enable_cuda()  # a ValueError that says why, where the import cannot be made
    try:
        import torch
    except ImportError as e:
        raise ValueError("device='cuda' hands out torch tensors: install torch") from e
    out: dict[str, Any] = {k: torch.from_dlpack(a) for k, a in env.cuda_arrays().items()}
    out["torch"] = torch
    return out


class ManyworldsVectorEnv(VectorEnv):
    """``num_envs`` worlds of one env, stepped together on the GPU (or lavapipe).

    Observations, rewards and flags are read-only numpy views of the engine's read-back
    memory, valid until the next ``step``/``reset``/``step_many`` (``copy=True`` returns
    owned, writable arrays instead). Rewards are float32, observations float32.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["rgb_array"]}

    def __init__(
        self,
        env_id: str | None = None,
        num_envs: int = 1,
        *,
        scene: str | os.PathLike | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        render: dict | None = None,
        randomize: dict | str | os.PathLike | None = None,
        seed: int | None = None,
        device: str = "cpu",
        copy: bool = False,
        keyframe: str | None = None,
        lenient: bool = False,
        reward_terms: bool = True,
        render_mode: str | None = None,
    ):
        if device not in ("cpu", "cuda"):
            raise ValueError(f"device={device!r}; allowed: 'cpu' (host arrays), 'cuda'")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode={render_mode!r}; allowed: None, 'rgb_array'")
        if not isinstance(num_envs, (int, np.integer)) or isinstance(num_envs, bool):
            raise ValueError(f"num_envs={num_envs!r}; allowed: an integer >= 1")
        mode = _autoreset_mode(autoreset_mode)
        if isinstance(randomize, dict):
            randomize = json.dumps(randomize)
        elif randomize is not None:
            randomize = os.fspath(randomize)
        self._env = _native.Env(
            env_id,
            int(num_envs),
            scene=None if scene is None else os.fspath(scene),
            autoreset=_MODES[mode],
            render=render,
            randomize=randomize,
            keyframe=keyframe,
            lenient=lenient,
        )
        self.num_envs = int(num_envs)
        self.device = device
        self._cuda: dict[str, Any] | None = None
        if device == "cuda":
            self._cuda = _cuda_tensors(self._env)
        self.autoreset_mode = mode
        self.metadata = dict(self.metadata, autoreset_mode=mode)
        self.render_mode = render_mode
        self.copy = copy
        self._seed = seed
        self._seeded = False
        self._reward_terms = reward_terms
        self._images = self._env.images

        kind, dim, low, high = self._env.action_space
        if kind == "discrete":
            self.single_action_space = spaces.Discrete(dim)
            self._action_shape: tuple[int, ...] = (self.num_envs,)
        else:
            self.single_action_space = spaces.Box(
                np.array(low, np.float32), np.array(high, np.float32), dtype=np.float32
            )
            self._action_shape = (self.num_envs, dim)
        self.action_space = batch_space(self.single_action_space, self.num_envs)

        bound = _OBS_BOUNDS.get(self._env.name)
        d = self._env.obs_dim
        if bound is None:
            bound = np.full(d, np.inf, np.float32)
        state_space = spaces.Box(-bound, bound, (d,), np.float32)
        if self._images is None:
            self.single_observation_space: spaces.Space = state_space
        else:
            cams, (rgb, depth, seg) = self._images
            n = len(cams)
            _, w, h = cams[0]
            parts: dict[str, spaces.Space] = {"state": state_space}
            if rgb:
                parts["rgb"] = spaces.Box(0, 255, (n, h, w, 3), np.uint8)
            if depth:
                parts["depth"] = spaces.Box(0, np.inf, (n, h, w), np.float32)
            if seg:
                parts["segmentation"] = spaces.Box(0, 2**32 - 1, (n, h, w), np.uint32)
            self.single_observation_space = spaces.Dict(parts)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)

    # ----------------------------------------------------------------- properties
    @property
    def adapter(self) -> str:
        """The GPU adapter the worlds run on, e.g. ``llvmpipe (...) (vulkan, cpu, ...)``."""
        return self._env.adapter

    @property
    def max_episode_steps(self) -> int:
        """Steps after which an episode is truncated."""
        return self._env.max_episode_steps

    @property
    def dt(self) -> float:
        """Simulated seconds per step."""
        return self._env.dt

    @property
    def native(self) -> _native.Env:
        """The engine's env, for its lower-level calls."""
        return self._env

    # ----------------------------------------------------------------- results
    def _obs(self, r: tuple) -> Any:
        obs = r[0]
        if self._images is not None:
            out = {"state": obs}
            for key, a in (("rgb", r[6]), ("depth", r[7]), ("segmentation", r[8])):
                if a is not None:
                    out[key] = a
            obs = out
        return self._copy(obs)

    def _copy(self, x: Any) -> Any:
        if not self.copy:
            return x
        if isinstance(x, dict):
            return {k: self._copy(v) for k, v in x.items()}
        if self._cuda is not None and not isinstance(x, np.ndarray):
            return x.clone()
        return np.array(x)

    def _on_device(self, r: tuple) -> tuple:
        """With ``device="cuda"``: the results tuple with the GPU outputs as the CUDA
        tensors that view them, and terminations/truncations moved to the GPU."""
        if self._cuda is None:
            return r
        c = self._cuda
        obs, rewards = c["obs"], c["rewards"]
        te, tr = (c["torch"].as_tensor(x, device=obs.device) for x in (r[2], r[3]))
        images = tuple(c.get(k) if r[6 + i] is not None else None
                       for i, k in enumerate(("rgb", "depth", "segmentation")))
        return (obs, rewards, te, tr, *r[4:6], *images, r[9])

    def _infos(self, r: tuple) -> dict[str, Any]:
        infos: dict[str, Any] = {}
        if self._reward_terms:
            terms = self._env.reward_terms()
            if terms is not None:
                names, values = terms
                every = np.ones(self.num_envs, np.bool_)
                for i, name in enumerate(names):
                    infos[name] = values[:, i]
                    infos[f"_{name}"] = every
        if r[9]:
            flags = r[4]
            faulted = (flags & _native.FAULT_MASK) != 0
            infos["fault_flags"] = np.array(flags)
            infos["_fault_flags"] = faulted
            infos["faults"] = {w: causes for w, causes in self._env.fault_report()}
        return infos

    # ----------------------------------------------------------------- the API
    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Starts new episodes. ``seed=None`` the first time uses ``make_vec``'s seed (or
        a random one); later, every world starts its next episode. ``options={"reset_mask":
        mask}`` resets only the worlds where the bool mask is true."""
        super().reset(seed=None)
        if seed is not None:
            if isinstance(seed, (list, tuple, np.ndarray)):
                raise ValueError(
                    "seed: a list of per-world seeds is not supported; allowed: one int "
                    "(world i draws its own stream from it) or None"
                )
            if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
                raise ValueError(f"seed={seed!r}; allowed: an int in 0..2**64 or None")
        mask = None
        if options is not None:
            unknown = set(options) - {"reset_mask"}
            if unknown:
                raise ValueError(f"options: unknown keys {sorted(unknown)}; allowed: reset_mask")
            if "reset_mask" in options:
                mask = options["reset_mask"]
                if not isinstance(mask, np.ndarray):
                    raise ValueError(
                        f"`options['reset_mask']` must be a numpy array, got {type(mask)}"
                    )
                if mask.shape != (self.num_envs,):
                    raise ValueError(
                        f"`options['reset_mask']` must have shape `({self.num_envs},)`, "
                        f"got {mask.shape}"
                    )
                if mask.dtype != np.bool_:
                    raise ValueError(
                        f"`options['reset_mask']` must have `dtype=np.bool_`, got {mask.dtype}"
                    )
                if not mask.any():
                    raise ValueError(
                        "`options['reset_mask']` must contain at least one True value"
                    )
        if mask is not None and self._seeded:
            r = self._env.reset_worlds(
                np.ascontiguousarray(mask), None if seed is None else int(seed)
            )
        elif seed is None and self._seeded:
            r = self._env.reset_worlds(np.ones(self.num_envs, np.bool_), None)
        else:
            if seed is None:
                seed = self._seed if self._seed is not None else secrets.randbits(63)
            r = self._env.reset(int(seed))
            self._seeded = True
        return self._obs(self._on_device(r)), {}

    def _actions(self, actions: Any) -> np.ndarray:
        a = _as_array(actions, "actions")
        if a.shape != self._action_shape:
            raise ValueError(
                f"actions have shape {a.shape}; allowed: {self._action_shape} "
                f"(num_envs{', action_dim' if len(self._action_shape) == 2 else ''})"
            )
        if a.dtype != np.float32:
            if a.dtype.kind not in "fiub":
                raise ValueError(f"actions have dtype {a.dtype}; allowed: a numeric dtype")
            a = a.astype(np.float32)
        return np.ascontiguousarray(a)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict]:
        """One step of every world; Gymnasium's ``(obs, rewards, terminations,
        truncations, infos)``."""
        if not self._seeded:
            raise ValueError("step before reset: call reset() first")
        return self._results(self._env.step(self._actions(actions)))

    def step_many(self, actions: Any, k: int) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict]:
        """``k`` steps with ``actions`` held, in one GPU submission: what the ``k``-th of
        ``k`` calls to ``step`` returns, with the same world states bit for bit."""
        if not self._seeded:
            raise ValueError("step_many before reset: call reset() first")
        if not isinstance(k, (int, np.integer)) or k < 1 or k >= 2**32:
            raise ValueError(f"k={k!r}; allowed: an integer >= 1")
        return self._results(self._env.step_many(self._actions(actions), int(k)))

    def _results(self, r: tuple) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict]:
        infos = self._infos(r)
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            done = r[2] | r[3]
            if done.any():
                final = np.full(self.num_envs, None, dtype=object)
                for i in np.flatnonzero(done):
                    final[i] = np.array(r[5][i])
                infos["final_obs"] = final
                infos["_final_obs"] = done
                infos["final_info"] = {}
                infos["_final_info"] = done
        r = self._on_device(r)
        return (
            self._obs(r),
            self._copy(r[1]),
            self._copy(r[2]),
            self._copy(r[3]),
            infos,
        )

    def render(self) -> np.ndarray | None:
        """The RGB images of the current state, ``uint8 [N, cameras, H, W, 3]`` (a copy),
        when the env renders RGB (``render={...}`` at make time); otherwise None."""
        if self._images is None or not self._images[1][0]:
            return None
        return np.array(self._env.view()[6])

    # ----------------------------------------------------------------- extras
    def get_state(self) -> dict[str, np.ndarray]:
        """Every world's state: ``state`` and ``clocks`` (enough to replay bit for bit),
        plus ``qpos``/``qvel`` in MuJoCo's layout for scene envs."""
        state, clocks = self._env.get_state()
        out = {"state": state, "clocks": clocks}
        dims = self._env.qpos_qvel_dims
        if dims is not None:
            q = self._env.get_qpos_qvel()
            out["qpos"], out["qvel"] = q[:, : dims[0]], q[:, dims[0] :]
        return out

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restores ``get_state``'s ``state``/``clocks``; or, for scene envs, sets
        ``qpos``/``qvel`` (MuJoCo's layout; clocks kept). Observations follow."""
        if "state" in state:
            clocks = state.get("clocks")
            if clocks is None:
                clocks = self._env.get_state()[1]
            self._env.set_state(
                np.ascontiguousarray(state["state"], np.float32),
                np.ascontiguousarray(clocks, np.uint32),
            )
        elif "qpos" in state and "qvel" in state:
            self._env.set_qpos_qvel(
                np.arange(self.num_envs, dtype=np.int64),
                np.ascontiguousarray(state["qpos"], np.float32),
                np.ascontiguousarray(state["qvel"], np.float32),
            )
        else:
            raise ValueError(
                f"set_state: keys {sorted(state)}; allowed: state (and clocks), or qpos and qvel"
            )

    def randomized_params(self) -> dict[str, np.ndarray] | None:
        """Each world's randomized values, ``{"geom.friction:box3": [N, components]}``, or
        None when the env randomizes nothing."""
        return self._env.randomized_params()

    def adr_ranges(self) -> list[dict]:
        """The automatic domain randomization ranges now (empty without ADR)."""
        return self._env.adr_ranges()

    def close_extras(self, **kwargs: Any) -> None:
        self._env.close()


def _entry_point(num_envs: int = 1, **kwargs: Any) -> ManyworldsVectorEnv:
    """Gymnasium's ``vector_entry_point`` for ``gymnasium.make_vec("manyworlds/<env>")``."""
    return ManyworldsVectorEnv(num_envs=num_envs, **kwargs)
