"""MuJoCo's numbers behind tests/fluid.rs: writes tests/data/fluid_mujoco.json.

Run with a Python that has mujoco (and MANYWORLDS_GYMNASIUM_ASSETS pointing at
Gymnasium's MuJoCo assets for the swimmer part):

    MANYWORLDS_GYMNASIUM_ASSETS=.../gymnasium/envs/mujoco/assets \
        python scripts/make_fluid_reference.py

1. `free_body`: one free box in a medium (density, viscosity and wind, no gravity),
   started tumbling; MuJoCo's trajectory with RK4 at 0.5 ms (close to the exact solution
   of its inertia-box fluid model), sampled every 10 ms for 0.5 s, and its fluid force
   (qfrc_passive) at the start.
2. `swimmer`: Gymnasium's swimmer.xml as it is (RK4, 10 ms) driven by the gait
   ctrl_k = sin(2π f t + k φ), sampled every 0.1 s for 5 s.
3. `swimmer_rest`: swimmer.xml at zero control for 10 s from its initial state.
"""
import json
import math
import os
import pathlib

import mujoco

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The free body: a 0.4 x 0.2 x 0.1 m box of 1000 kg/m³ (8 kg), its inertia box is itself.
FREE_BODY = """<mujoco model="fluid_box">
<option timestep="0.01" gravity="0 0 0" density="1000" viscosity="1" wind="0.3 -0.2 0.1"/>
<worldbody>
<body name="box" pos="0 0 1" quat="0.9 0.2 -0.3 0.25"><freejoint/>
<geom type="box" size="0.2 0.1 0.05" density="1000"/></body>
</worldbody></mujoco>"""
# MuJoCo's free joint: linear velocity in the world frame, angular in the body frame.
FREE_QVEL = [1.0, 0.5, -0.3, 3.0, -2.0, 5.0]

GAIT_F = 0.5  # Hz
GAIT_PHASE = -math.pi / 3  # rad, between the two hinges


def free_body():
    m = mujoco.MjModel.from_xml_string(FREE_BODY)
    m.opt.timestep = 0.0005
    m.opt.integrator = mujoco.mjtIntegrator.mjINT_RK4
    d = mujoco.MjData(m)
    d.qvel[:] = FREE_QVEL
    mujoco.mj_forward(m, d)
    out = {"xml": FREE_BODY, "qvel0": FREE_QVEL, "qfrc_passive0": d.qfrc_passive.tolist(),
           "reference_timestep": m.opt.timestep, "integrator": "RK4", "times": [],
           "qpos": [], "qvel": []}
    every = round(0.01 / m.opt.timestep)
    for i in range(round(0.5 / m.opt.timestep) + 1):
        if i % every == 0:
            out["times"].append(round(d.time, 6))
            out["qpos"].append(d.qpos.tolist())
            out["qvel"].append(d.qvel.tolist())
        mujoco.mj_step(m, d)
    return out


def swimmer(assets):
    m = mujoco.MjModel.from_xml_path(str(assets / "swimmer.xml"))
    d = mujoco.MjData(m)
    out = {"f": GAIT_F, "phase": GAIT_PHASE, "timestep": m.opt.timestep, "times": [],
           "qpos": []}
    steps = round(5.0 / m.opt.timestep)
    for i in range(steps + 1):
        if i % 10 == 0:
            out["times"].append(round(d.time, 6))
            out["qpos"].append(d.qpos.tolist())
        if i == steps:
            break
        t = i * m.opt.timestep
        d.ctrl[:] = [math.sin(2 * math.pi * GAIT_F * t + k * GAIT_PHASE) for k in range(m.nu)]
        mujoco.mj_step(m, d)
    d = mujoco.MjData(m)
    for _ in range(round(10.0 / m.opt.timestep)):
        mujoco.mj_step(m, d)
    rest = {"seconds": 10.0, "qpos": d.qpos.tolist(), "qvel": d.qvel.tolist()}
    return out, rest


def main():
    data = {"mujoco_version": mujoco.__version__, "free_body": free_body()}
    assets = os.environ.get("MANYWORLDS_GYMNASIUM_ASSETS")
    if assets:
        data["swimmer"], data["swimmer_rest"] = swimmer(pathlib.Path(assets))
    else:
        print("MANYWORLDS_GYMNASIUM_ASSETS is not set: no swimmer reference")
    path = ROOT / "tests" / "data" / "fluid_mujoco.json"
    path.write_text(json.dumps(data, indent=1) + "\n")
    fb = data["free_body"]
    print(f"mujoco {mujoco.__version__}: wrote {path}")
    print("free body qfrc_passive at t=0:", [round(x, 4) for x in fb["qfrc_passive0"]])
    print("free body qpos at 0.5 s:", [round(x, 5) for x in fb["qpos"][-1]])
    if "swimmer" in data:
        print("swimmer qpos at 5 s:", [round(x, 4) for x in data["swimmer"]["qpos"][-1]])
        print("swimmer at rest after 10 s:", [round(x, 4) for x in data["swimmer_rest"]["qpos"]])


if __name__ == "__main__":
    main()
