"""Writes tests/data/gymnasium_trajectories_mujoco.json: short MuJoCo trajectories of
Gymnasium's model files, for tests/gymnasium.rs to compare the engine's against.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install gymnasium==1.4.0 mujoco
    /tmp/ref/bin/python scripts/make_gymnasium_trajectories.py

For each file: a start state (qpos0 plus uniform noise of ±0.05 on every hinge and slide,
inside its range, and qvel uniform in ±0.5; a fixed seed), a control sequence
(ctrl_k(t) = 0.5 · half-range · sin(2π · 2 Hz · t + k · π/2) about the range's middle),
and qpos after each of T raw model steps (mj_step with the file's own integrator and
timestep; no frame skip), rounded to 1e-7. The controls are rounded to float32 first, so
both simulators see the same numbers. The XML files are not committed; CI downloads the
same Gymnasium release.
"""

import json
import os

import gymnasium
import mujoco
import numpy as np

# File -> raw steps recorded (the horizon the test checks is chosen per file there).
FILES = {"hopper": 100, "walker2d": 100, "half_cheetah": 50, "ant": 50, "reacher": 50,
         "inverted_pendulum": 50, "inverted_double_pendulum": 50, "humanoid": 100,
         "pusher_v5": 50}
ASSETS = os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets")


def r7(a):
    return [round(float(x), 7) for x in np.asarray(a).ravel()]


def main() -> None:
    rng = np.random.default_rng(16)
    out = {"gymnasium_version": gymnasium.__version__, "mujoco_version": mujoco.__version__,
           "files": {}}
    for name, steps in FILES.items():
        m = mujoco.MjModel.from_xml_path(os.path.join(ASSETS, name + ".xml"))
        d = mujoco.MjData(m)
        qpos = m.qpos0.copy()
        for j in range(m.njnt):
            # int(): numpy's integers never compare equal to the enum members.
            if int(m.jnt_type[j]) in (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE)):
                a = m.jnt_qposadr[j]
                q = qpos[a] + rng.uniform(-0.05, 0.05)
                if m.jnt_limited[j]:
                    lo, hi = m.jnt_range[j]
                    q = min(max(q, lo), hi)
                qpos[a] = q
        qvel = rng.uniform(-0.5, 0.5, m.nv)
        qpos, qvel = np.float32(qpos).astype(float), np.float32(qvel).astype(float)
        d.qpos[:], d.qvel[:] = qpos, qvel
        lo, hi = m.actuator_ctrlrange[:, 0], m.actuator_ctrlrange[:, 1]
        ctrl, traj = [], []
        for t in range(steps):
            k = np.arange(m.nu)
            u = (lo + hi) / 2 + 0.5 * (hi - lo) / 2 * np.sin(2 * np.pi * 2.0 * t * m.opt.timestep + k * np.pi / 2)
            u = np.float32(u).astype(float)
            d.ctrl[:] = u
            mujoco.mj_step(m, d)
            ctrl.append(r7(u))
            traj.append(r7(d.qpos))
        out["files"][name] = {"timestep": float(m.opt.timestep), "qpos0": r7(qpos),
                              "qvel0": r7(qvel), "ctrl": ctrl, "qpos": traj}
    path = os.path.join("tests", "data", "gymnasium_trajectories_mujoco.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
