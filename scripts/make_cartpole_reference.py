"""Writes tests/data/cartpole_gymnasium.json: reference trajectories from Gymnasium's own CartPole-v1.

Run it from the repository root in a scratch virtual environment that has gymnasium and numpy:

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install gymnasium numpy
    /tmp/ref/bin/python scripts/make_cartpole_reference.py

Each trajectory starts from the state that `CartPoleEnv.reset(seed=s)` draws and replays a fixed
action sequence on the unwrapped env (float64 inside Gymnasium). It stops at the first termination
(inclusive) or after `MAX_STEPS`. Floats are written with repr(), so float64 values round-trip.
"""

from __future__ import annotations

import json
import warnings

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

MAX_STEPS = 200
OUT = "tests/data/cartpole_gymnasium.json"


def policy_actions(kind: str, env_seed: int, rng: np.random.Generator) -> list[int]:
    if kind == "alternating":
        return [i % 2 for i in range(MAX_STEPS)]
    if kind == "random":
        return rng.integers(0, 2, size=MAX_STEPS).tolist()
    if kind == "push_right":
        return [1] * MAX_STEPS
    # A closed-loop balancing controller, recorded once and then replayed open loop.
    sim = CartPoleEnv()
    sim.reset(seed=env_seed)
    actions = []
    for _ in range(MAX_STEPS):
        x, x_dot, th, th_dot = sim.state
        a = 1 if (th + 0.5 * th_dot + 0.01 * x + 0.05 * x_dot) > 0 else 0
        actions.append(a)
        sim.step(a)
    return actions


def main() -> None:
    rng = np.random.default_rng(20261126)
    kinds = ["alternating", "random", "push_right", "balancing"]
    trajs = []
    for seed in range(32):
        kind = kinds[seed % len(kinds)]
        env = CartPoleEnv()
        env.reset(seed=seed)
        initial = [float(v) for v in env.state]
        actions = policy_actions(kind, seed, rng)
        states, terms = [], []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for a in actions:
                _, _, term, _, _ = env.step(a)
                states.append([float(v) for v in env.state])
                terms.append(bool(term))
                if term:
                    break
        trajs.append(
            {
                "seed": seed,
                "policy": kind,
                "initial_state": initial,
                "actions": actions[: len(states)],
                "states": states,
                "terminated": terms,
            }
        )
    doc = {
        "description": "Gymnasium CartPole-v1 (unwrapped CartPoleEnv, float64 state) trajectories; "
        "states[i] follows actions[i]; the observation Gymnasium returns is states[i] cast to float32; each stops at the first termination or "
        f"after {MAX_STEPS} steps. Made by scripts/make_cartpole_reference.py.",
        "gymnasium_version": gym.__version__,
        "numpy_version": np.__version__,
        "trajectories": trajs,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {OUT}: {len(trajs)} trajectories, {sum(len(t['states']) for t in trajs)} steps")


if __name__ == "__main__":
    main()
