"""The Python API's step overhead against the Rust API's, in the same run.

Alternates rounds of ``manyworlds bench --mode rl`` (the Rust RL loop: random actions
uploaded, observations, rewards and flags read back every step) and the same loop through
``ManyworldsVectorEnv.step``, on the same adapter and batch, and prints each round and the
median ratio. Both sides run each round in a fresh process (env built, warm-up steps, timed
steps), and the order inside a round alternates (Rust first in even rounds, Python first
in odd ones), so neither side inherits the other's state. Usage:

    python python/benchmarks/bench.py [--env cartpole] [--worlds 4096] [--steps 500]
        [--rounds 5] [--bin target/release/manyworlds] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import manyworlds


def rust_round(binary: str, env: str, worlds: int, steps: int, warmup: int) -> float:
    out = subprocess.run(
        [binary, "bench", "--env", env, "--worlds", str(worlds), "--mode", "rl",
         "--steps", str(steps), "--warmup", str(warmup), "--repeats", "1", "--json"],
        check=True, capture_output=True, text=True,
    ).stdout
    row = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    return row["env_steps_per_s"]


def python_round(envs, batches, steps: int, warmup: int) -> float:
    for t in range(warmup):
        envs.step(batches[t % len(batches)])
    start = time.perf_counter()
    for t in range(steps):
        envs.step(batches[t % len(batches)])
    return steps * envs.num_envs / (time.perf_counter() - start)


def python_child(env: str, worlds: int, steps: int, warmup: int) -> float:
    """One Python round in a fresh process, as the Rust round is."""
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", "--env", env,
         "--worlds", str(worlds), "--steps", str(steps), "--warmup", str(warmup)],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    default_bin = os.path.join(here, "..", "..", "target", "release", "manyworlds")
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="cartpole")
    p.add_argument("--worlds", type=int, default=4096)
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--bin", default=os.environ.get("MANYWORLDS_BIN", default_bin))
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()

    envs = manyworlds.make_vec(a.env, a.worlds, seed=0)
    envs.reset()
    # Pre-drawn random actions, cycled, as the Rust bench does: the timing is the env's.
    batches = [np.asarray(envs.action_space.sample()) for _ in range(8)]
    if a.child:
        print(python_round(envs, batches, a.steps, a.warmup))
        return
    adapter = envs.adapter
    envs.close()
    print(f"adapter: {adapter}")
    print(f"workload: {a.env}, {a.worlds} worlds, {a.steps} steps per round, RL loop "
          f"(actions up, obs/rewards/flags back every step), {a.rounds} alternating rounds")
    rows = []
    for r in range(a.rounds):
        if r % 2 == 0:
            rust = rust_round(a.bin, a.env, a.worlds, a.steps, a.warmup)
            py = python_child(a.env, a.worlds, a.steps, a.warmup)
        else:
            py = python_child(a.env, a.worlds, a.steps, a.warmup)
            rust = rust_round(a.bin, a.env, a.worlds, a.steps, a.warmup)
        rows.append((rust, py))
        print(f"round {r}: rust {rust / 1e6:.3f}M env-steps/s, python {py / 1e6:.3f}M, "
              f"python time / rust time {rust / py:.3f}")
    ratio = statistics.median(rust / py for rust, py in rows)
    print(f"median python/rust time per step: {ratio:.3f} (overhead {100 * (ratio - 1):+.1f}%)")
    if a.json:
        print(json.dumps({
            "adapter": adapter, "env": a.env, "worlds": a.worlds, "steps": a.steps,
            "rounds": [{"rust_env_steps_per_s": r, "python_env_steps_per_s": p} for r, p in rows],
            "median_time_ratio": ratio,
        }))


if __name__ == "__main__":
    main()
