"""Writes tests/data/gymnasium_qpos_mujoco.json: MuJoCo's forward kinematics of random joint
states, for tests/qpos.rs to compare `Compiled::state_from_qpos` against.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install gymnasium==1.4.0 mujoco
    /tmp/ref/bin/python scripts/make_qpos_reference.py

For each Gymnasium file our compiler takes (and tests/data/qpos_probe.xml, which has a ball
joint and `ref`s), three (qpos, qvel) drawn with a fixed seed: limited hinges and slides
within their range, unlimited hinges within ±2 turns, unlimited slides within ±2 m, free
bodies within 2 m of the origin, unit quaternions; qvel within ±3 per dof. After mj_forward
it stores every body's xpos, xquat (w, x, y, z) and the world-frame velocity of its frame
origin (mj_objectVelocity of mjOBJ_XBODY, the body frame rather than mjOBJ_BODY's inertial
frame, flg_local = 0: angular, then linear), rounded to 1e-7.
The XML files themselves are not committed; CI downloads the same Gymnasium release.
"""

import json
import os

import gymnasium
import mujoco
import numpy as np

FILES = ["ant", "half_cheetah", "hopper", "walker2d", "walker2d_v5", "swimmer", "reacher",
         "inverted_pendulum", "inverted_double_pendulum", "point", "humanoid", "humanoidstandup",
         "pusher", "pusher_v5"]
ASSETS = os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets")
PROBE = os.path.join("tests", "data", "qpos_probe.xml")
STATES = 3


def r7(a):
    return [round(float(x), 7) for x in np.asarray(a).ravel()]


def random_state(m, rng):
    qpos = np.zeros(m.nq)
    for j in range(m.njnt):
        a, t = m.jnt_qposadr[j], m.jnt_type[j]
        if t == mujoco.mjtJoint.mjJNT_FREE:
            qpos[a:a + 3] = rng.uniform(-2, 2, 3)
            q = rng.normal(size=4)
            qpos[a + 3:a + 7] = q / np.linalg.norm(q)
        elif t == mujoco.mjtJoint.mjJNT_BALL:
            q = rng.normal(size=4)
            qpos[a:a + 4] = q / np.linalg.norm(q)
        else:
            if m.jnt_limited[j]:
                lo, hi = m.jnt_range[j]
            elif t == mujoco.mjtJoint.mjJNT_HINGE:
                lo, hi = -12.0, 12.0
            else:
                lo, hi = -2.0, 2.0
            qpos[a] = rng.uniform(lo, hi)
    qvel = rng.uniform(-3, 3, m.nv)
    # Round first, so that the stored inputs are exactly what MuJoCo saw.
    return np.round(qpos, 7), np.round(qvel, 7)


def states_of(m, rng):
    d = mujoco.MjData(m)
    out = []
    for _ in range(STATES):
        qpos, qvel = random_state(m, rng)
        d.qpos[:], d.qvel[:] = qpos, qvel
        mujoco.mj_forward(m, d)
        vel = np.zeros(6)
        ang, lin = [], []
        for b in range(m.nbody):
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b, vel, 0)
            ang.append(vel[:3].copy())
            lin.append(vel[3:].copy())
        out.append({"qpos": r7(qpos), "qvel": r7(qvel), "xpos": r7(d.xpos), "xquat": r7(d.xquat),
                    "angvel": r7(np.array(ang)), "linvel": r7(np.array(lin))})
    return out


def main() -> None:
    rng = np.random.default_rng(20240611)
    out = {"gymnasium_version": gymnasium.__version__, "mujoco_version": mujoco.__version__, "files": {}}
    paths = [(f, os.path.join(ASSETS, f + ".xml")) for f in FILES] + [("qpos_probe", PROBE)]
    for name, path in paths:
        m = mujoco.MjModel.from_xml_path(path)
        out["files"][name] = {"nbody": m.nbody, "states": states_of(m, rng)}
    path = os.path.join("tests", "data", "gymnasium_qpos_mujoco.json")
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
    print(f"wrote {path}: {len(paths)} files x {STATES} states, mujoco {mujoco.__version__}")


if __name__ == "__main__":
    main()
