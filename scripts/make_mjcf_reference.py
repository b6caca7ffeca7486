"""Writes tests/data/gymnasium_mjcf_mujoco.json: what MuJoCo compiles from the MJCF files that
Gymnasium ships, for tests/mjcf.rs to compare our loader against.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install gymnasium==1.4.0 mujoco
    /tmp/ref/bin/python scripts/make_mjcf_reference.py

The XML files themselves are not committed; CI downloads the same Gymnasium release.
"""

import json
import os

import gymnasium
import mujoco
import numpy as np

FILES = ["inverted_pendulum", "inverted_double_pendulum", "reacher", "ant", "half_cheetah", "hopper",
         "walker2d", "swimmer"]
ASSETS = os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets")


def rows(a):
    return [[float(x) for x in r] for r in np.asarray(a)]


def main() -> None:
    out = {"gymnasium_version": gymnasium.__version__, "mujoco_version": mujoco.__version__, "files": {}}
    for f in FILES:
        m = mujoco.MjModel.from_xml_path(os.path.join(ASSETS, f + ".xml"))
        out["files"][f] = {
            "nq": m.nq, "nv": m.nv, "nu": m.nu, "ngeom": m.ngeom, "timestep": float(m.opt.timestep),
            "gravity": [float(x) for x in m.opt.gravity],
            "bodies": [{"name": m.body(b).name, "parent": int(m.body_parentid[b]), "mass": float(m.body_mass[b]),
                        "inertia": [float(x) for x in m.body_inertia[b]], "ipos": [float(x) for x in m.body_ipos[b]],
                        "pos": [float(x) for x in m.body_pos[b]], "quat": [float(x) for x in m.body_quat[b]]}
                       for b in range(m.nbody)],
            "joints": [{"name": m.joint(j).name, "type": int(m.jnt_type[j]), "body": int(m.jnt_bodyid[j]),
                        "limited": bool(m.jnt_limited[j]), "range": [float(x) for x in m.jnt_range[j]],
                        "axis": [float(x) for x in m.jnt_axis[j]], "damping": float(m.dof_damping[m.jnt_dofadr[j]]),
                        "armature": float(m.dof_armature[m.jnt_dofadr[j]])}
                       for j in range(m.njnt)],
            "geoms": [{"name": m.geom(g).name, "type": int(m.geom_type[g]), "size": [float(x) for x in m.geom_size[g]],
                       "pos": [float(x) for x in m.geom_pos[g]], "quat": [float(x) for x in m.geom_quat[g]],
                       "friction": [float(x) for x in m.geom_friction[g]], "contype": int(m.geom_contype[g]),
                       "conaffinity": int(m.geom_conaffinity[g]), "condim": int(m.geom_condim[g])}
                      for g in range(m.ngeom)],
            "actuators": [{"joint": int(m.actuator_trnid[a][0]), "gear": float(m.actuator_gear[a][0]),
                           "ctrllimited": bool(m.actuator_ctrllimited[a]),
                           "ctrlrange": [float(x) for x in m.actuator_ctrlrange[a]]}
                          for a in range(m.nu)],
            "qpos0": [float(x) for x in m.qpos0],
        }
    path = os.path.join("tests", "data", "gymnasium_mjcf_mujoco.json")
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
    print(f"wrote {path}: {len(FILES)} files, mujoco {mujoco.__version__}")


if __name__ == "__main__":
    main()
