"""Peer workloads for `manyworlds bench --compare-peers` (the binary embeds this file and
runs it with the Python it is given, in the same run as its own cells).

    python3 scripts/peers.py probe
    python3 scripts/peers.py cartpole --worlds 1024 --steps 500 [--seed 0]
    python3 scripts/peers.py mjcf --xml scene.xml --worlds 1024 --steps 150 [--seed 0]

`probe` prints one JSON object: the Python version and, per peer, its version or null.
The workloads print one JSON object per peer, one per line:
    {"peer": "mujoco_rollout", "version": "3.3.0", "workload": "mjcf", "worlds": 1024,
     "steps": 150, "threads": 2, "env_steps_per_s": 57000.0, "runs": [...]}
or, for a peer that is not importable, {"peer": ..., "missing": "<the import error>"}: no
number is ever made up.

Each figure is the median of REPEATS timed runs after one untimed warm-up run; random
actions are drawn up front, so the timing is the simulator's.

- cartpole: Gymnasium's numpy `CartPoleVectorEnv` (one thread; the fastest CPU CartPole in
  Gymnasium), and EnvPool's C++ CartPole-v1 with one thread per core. Both autoreset.
- mjcf: MuJoCo's `mujoco.rollout` (C, one thread per core) on the same MJCF file, every world
  from the model's initial state with qpos jittered by up to +-1 cm (as manyworlds' scene
  resets), uniform random controls within each actuator's ctrlrange, timed over the same
  window of the episode as manyworlds (after `--warmup` untimed steps). No resets: MuJoCo
  has no episode logic, so the peer steps the same number of world-steps straight through.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings

REPEATS = 3
# Peers' own deprecation and precision warnings would drown the bench's output.
warnings.simplefilter("ignore")


def timed(run, worlds: int, steps: int) -> tuple[float, list[float]]:
    run()  # warm-up: allocation, thread pools, caches
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        run()
        runs.append(worlds * steps / (time.perf_counter() - t0))
    return statistics.median(runs), [round(r) for r in runs]


def emit(obj: dict) -> None:
    print(json.dumps(obj), flush=True)


def probe() -> None:
    peers = {}
    for name in ("gymnasium", "envpool", "mujoco", "numpy"):
        try:
            mod = __import__(name)
            peers[name] = getattr(mod, "__version__", "unknown")
        except Exception:  # noqa: BLE001 - any import failure means "not usable"
            peers[name] = None
    emit({"python": platform.python_version(), "executable": sys.executable, "peers": peers})


def cartpole(worlds: int, steps: int, seed: int) -> None:
    try:
        import numpy as np
        import gymnasium as gym

        envs = gym.make_vec("CartPole-v1", num_envs=worlds, vectorization_mode="vector_entry_point")
        envs.reset(seed=seed)
        actions = np.random.default_rng(seed).integers(0, 2, size=(steps, worlds))

        def run():
            for a in actions:
                envs.step(a)

        rate, runs = timed(run, worlds, steps)
        envs.close()
        emit({"peer": "gymnasium_numpy_vector", "version": gym.__version__, "workload": "cartpole",
              "worlds": worlds, "steps": steps, "threads": 1, "env_steps_per_s": round(rate),
              "runs": runs})
    except ImportError as e:
        emit({"peer": "gymnasium_numpy_vector", "workload": "cartpole", "missing": str(e)})
    try:
        import numpy as np
        import envpool

        threads = os.cpu_count() or 1
        env = envpool.make("CartPole-v1", env_type="gymnasium", num_envs=worlds,
                           batch_size=worlds, num_threads=threads, seed=seed)
        env.reset()
        actions = np.random.default_rng(seed).integers(0, 2, size=(steps, worlds), dtype=np.int32)

        def run():
            for a in actions:
                env.step(a)

        rate, runs = timed(run, worlds, steps)
        env.close()
        emit({"peer": "envpool", "version": envpool.__version__, "workload": "cartpole",
              "worlds": worlds, "steps": steps, "threads": threads,
              "env_steps_per_s": round(rate), "runs": runs})
    except ImportError as e:
        emit({"peer": "envpool", "workload": "cartpole", "missing": str(e)})


def mjcf(xml: str, worlds: int, steps: int, seed: int, warmup: int) -> None:
    try:
        import numpy as np
        import mujoco
        from mujoco import rollout
    except ImportError as e:
        emit({"peer": "mujoco_rollout", "workload": "mjcf", "missing": str(e)})
        return
    model = mujoco.MjModel.from_xml_path(xml)
    threads = os.cpu_count() or 1
    datas = [mujoco.MjData(model) for _ in range(threads)]
    full = mujoco.mjtState.mjSTATE_FULLPHYSICS
    rng = np.random.default_rng(seed)
    d = mujoco.MjData(model)
    s0 = np.empty(mujoco.mj_stateSize(model, full))
    states = np.empty((worlds, s0.size))
    for w in range(worlds):
        mujoco.mj_resetData(model, d)
        d.qpos[:] += rng.uniform(-0.01, 0.01, size=model.nq)
        mujoco.mj_forward(model, d)
        mujoco.mj_getState(model, d, states[w], full)
    lo, hi = model.actuator_ctrlrange[:, 0], model.actuator_ctrlrange[:, 1]
    limited = model.actuator_ctrllimited.astype(bool)
    lo = np.where(limited, lo, -1.0)
    hi = np.where(limited, hi, 1.0)
    # Steps per rollout call, so that the state output stays under 256 MiB.
    chunk = max(1, min(steps, (256 << 20) // (8 * worlds * s0.size)))
    out = np.empty((worlds, chunk, s0.size))
    controls = rng.uniform(lo, hi, size=(worlds, chunk, model.nu)) if model.nu else None

    def advance(start, n):
        cur = start.copy()
        left = n
        while left > 0:
            k = min(chunk, left)
            ctrl = None if controls is None else controls[:, :k]
            rollout.rollout(model, datas, cur, ctrl, nstep=k, state=out[:, :k])
            cur = out[:, k - 1].copy()
            left -= k
        return cur

    # Time the same window of the episode as manyworlds: after its warm-up steps.
    states = advance(states, warmup)
    rate, runs = timed(lambda: advance(states, steps), worlds, steps)
    emit({"peer": "mujoco_rollout", "version": mujoco.__version__, "workload": "mjcf",
          "xml": os.path.basename(xml), "worlds": worlds, "steps": steps, "warmup": warmup,
          "threads": threads,
          "timestep": model.opt.timestep, "env_steps_per_s": round(rate), "runs": runs})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=["probe", "cartpole", "mjcf"])
    ap.add_argument("--worlds", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=0,
                    help="mjcf: steps simulated before the timed window")
    ap.add_argument("--xml", help="MJCF file (mjcf workload)")
    a = ap.parse_args()
    if a.workload == "probe":
        probe()
    elif a.workload == "cartpole":
        cartpole(a.worlds, a.steps, a.seed)
    else:
        if not a.xml:
            ap.error("mjcf needs --xml FILE")
        mjcf(a.xml, a.worlds, a.steps, a.seed, a.warmup)


if __name__ == "__main__":
    main()
