#!/usr/bin/env python3
"""Records one step of each of Gymnasium 1.4.0's v5 MuJoCo tasks from set states, for
tests/gym_tasks.rs: the observation of the state itself, and after one step with a given
action the observation, the reward, its terms (Gymnasium's info) and `terminated`.

Per task there are two cases: `moving` (the state a few random steps after a seeded
reset, so that velocities are non-zero) and, for tasks that terminate, `unhealthy` (the
same state moved past a healthy range, so that the step terminates). The unhealthy states
keep every body out of the floor: from a penetrating state the two solvers' contact
responses differ far more than the reward functions under test.

Run with a Python that has gymnasium==1.4.0 and mujoco:
    python3 scripts/make_gym_task_reference.py > tests/data/gym_tasks_gymnasium.json
Gymnasium's mujoco package imports its renderer's dependencies (imageio, packaging)
even when nothing renders; where they are missing, stand-ins are installed for them.
"""

import json
import sys
import types

try:
    import imageio  # noqa: F401
except ImportError:
    sys.modules["imageio"] = types.ModuleType("imageio")
try:
    import packaging.version  # noqa: F401
except ImportError:
    pkg = types.ModuleType("packaging")
    ver = types.ModuleType("packaging.version")

    class Version(tuple):
        def __new__(cls, s):
            parts = [int(x) for x in s.split(".")[:3] if x.isdigit()]
            return tuple.__new__(cls, parts)

    ver.Version = Version
    pkg.version = ver
    sys.modules["packaging"] = pkg
    sys.modules["packaging.version"] = ver

import gymnasium as gym  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402

# (our name, Gymnasium id, kwargs, how to make the state unhealthy: (qpos index, value),
# scale of the random actions, so that the pendulums are still up after the warm-up)
TASKS = [
    ("hopper", "Hopper-v5", {}, (2, 0.5), 1.0),
    ("walker2d", "Walker2d-v5", {}, (2, 1.3), 1.0),
    ("half-cheetah", "HalfCheetah-v5", {}, None, 1.0),
    ("inverted-pendulum", "InvertedPendulum-v5", {}, (1, 0.3), 0.1),
    ("inverted-double-pendulum", "InvertedDoublePendulum-v5", {}, (1, 1.2), 0.1),
    ("swimmer", "Swimmer-v5", {}, None, 1.0),
    ("reacher", "Reacher-v5", {}, None, 1.0),
    # cfrc_ext is left out of our observation (see src/env/task/gym.rs); the reward's
    # contact term is Gymnasium's default either way.
    ("ant", "Ant-v5", {"include_cfrc_ext_in_observation": False}, (2, 1.5), 1.0),
]


def f(x):
    return [float(v) for v in np.asarray(x).ravel()]


def case(env, qpos, qvel, action):
    u = env.unwrapped
    u.set_state(qpos, qvel)
    obs0 = u._get_obs()
    obs, reward, terminated, truncated, info = env.step(action)
    names = ("distance_penalty", "velocity_penalty")
    terms = {k: float(v) for k, v in info.items() if k.startswith("reward_") or k in names}
    return {
        "qpos": f(qpos),
        "qvel": f(qvel),
        "action": f(action),
        "obs0": f(obs0),
        "obs": f(obs),
        "reward": float(reward),
        "terms": terms,
        "terminated": bool(terminated),
        "qpos_after": f(u.data.qpos),
        "qvel_after": f(u.data.qvel),
    }


def main():
    out = {
        "gymnasium": gym.__version__,
        "mujoco": mujoco.__version__,
        "tasks": [],
    }
    for name, gid, kwargs, unhealthy, scale in TASKS:
        env = gym.make(gid, **kwargs)
        u = env.unwrapped
        env.reset(seed=7)
        rng = np.random.default_rng(11)
        low, high = scale * env.action_space.low, scale * env.action_space.high
        for _ in range(3):
            env.step(rng.uniform(low, high))
        qpos, qvel = u.data.qpos.copy(), u.data.qvel.copy()
        action = rng.uniform(low, high)
        cases = {"moving": case(env, qpos, qvel, action)}
        if unhealthy is not None:
            q = qpos.copy()
            q[unhealthy[0]] = unhealthy[1]
            cases["unhealthy"] = case(env, q, qvel, action)
        out["tasks"].append(
            {
                "name": name,
                "id": gid,
                "kwargs": kwargs,
                "xml": u.fullpath.split("/")[-1],
                "frame_skip": u.frame_skip,
                "dt": float(u.dt),
                "max_episode_steps": env.spec.max_episode_steps,
                "obs_dim": int(env.observation_space.shape[0]),
                "cases": cases,
            }
        )
        env.close()
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
