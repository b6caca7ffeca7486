"""CartPole peers for `scripts/bench-vs-peers.sh`: Gymnasium's numpy CartPoleVectorEnv and
EnvPool, on the same machine and in the same run as manyworlds.

Prints one JSON object per measured cell, one per line:
    {"peer": "gymnasium_numpy_vector", "worlds": 4096, "threads": 1, "env_steps_per_s": ...}
Each figure is the median of REPEATS timed runs after a warm-up; random actions are drawn up
front so that the timing is the environment's. A peer that is not installed prints
{"peer": ..., "missing": "..."} instead of a number.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings

import numpy as np

REPEATS = 5


def median_rate(step, n_envs: int, steps: int, actions) -> float:
    for i in range(min(20, steps)):
        step(actions[i])
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for i in range(steps):
            step(actions[i])
        runs.append(n_envs * steps / (time.perf_counter() - t0))
    return statistics.median(runs)


def numpy_vector(n_envs: int) -> dict:
    import gymnasium as gym

    envs = gym.make_vec("CartPole-v1", num_envs=n_envs, vectorization_mode="vector_entry_point")
    envs.reset(seed=0)
    steps = max(50, 2_000_000 // n_envs)
    actions = np.random.default_rng(0).integers(0, 2, size=(steps, n_envs))
    rate = median_rate(envs.step, n_envs, steps, actions)
    envs.close()
    return {"peer": "gymnasium_numpy_vector", "version": gym.__version__, "worlds": n_envs, "threads": 1,
            "steps": steps, "env_steps_per_s": round(rate)}


def envpool(n_envs: int, threads: int) -> dict:
    import envpool as ep

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = ep.make("CartPole-v1", env_type="gymnasium", num_envs=n_envs, batch_size=n_envs,
                      num_threads=threads, seed=0)
    env.reset()
    steps = max(50, 1_000_000 // n_envs)
    actions = np.random.default_rng(0).integers(0, 2, size=(steps, n_envs), dtype=np.int32)
    rate = median_rate(env.step, n_envs, steps, actions)
    env.close()
    return {"peer": "envpool", "version": ep.__version__, "worlds": n_envs, "threads": threads,
            "steps": steps, "env_steps_per_s": round(rate)}


def main() -> None:
    cells = [(numpy_vector, (n,)) for n in (int(a) for a in sys.argv[1].split(","))] if len(sys.argv) > 1 else []
    cells += [(envpool, (4096, 1)), (envpool, (4096, 2))]
    for fn, args in cells:
        try:
            print(json.dumps(fn(*args)), flush=True)
        except ImportError as e:
            print(json.dumps({"peer": fn.__name__, "missing": str(e)}), flush=True)


if __name__ == "__main__":
    main()
