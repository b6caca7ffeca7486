#!/usr/bin/env python3
"""Compare a manyworlds scene rollout with MuJoCo, joint by joint, over time.

What: loads one MJCF file in MuJoCo (``mujoco.MjModel.from_xml_path``) and in manyworlds
(``manyworlds rollout --scene FILE``), drives both with the same control sequence for T raw
model steps (no frame skip), and prints, for every joint, how far manyworlds' trajectory is
from MuJoCo's: the largest absolute difference and when it happens, the difference at a few
chosen times (default 0.1 s, 0.5 s and 1 s), and the first time the difference exceeds each
threshold (default 1e-3 and 1e-2). Units are the joint's own: hinge rad, slide m; free and
ball joints give a position row (distance, m) and a rotation row (angle between the two
orientations, rad). For limited joints it also says whether and when each simulator reaches
the joint's range, since a limit contact is where the two solvers differ most.

Why: manyworlds steps scenes with substepped XPBD in float32 in maximal coordinates; MuJoCo
uses generalised coordinates, soft constraints and the file's integrator (Gymnasium's files
use RK4) in float64. Matching "to within x for y seconds" is the meaningful statement, and
this script measures it on real files rather than hand-made scenes.

How:
    # a Python with mujoco (and gymnasium, for the default file) installed
    python scripts/compare_mujoco_trajectory.py                      # inverted_pendulum.xml, zero controls, 1 s
    python scripts/compare_mujoco_trajectory.py --controls zero,sine,random --duration 5
    python scripts/compare_mujoco_trajectory.py path/to/model.xml --steps 300 --json summary.json
    python scripts/compare_mujoco_trajectory.py --manyworlds /path/to/manyworlds --velocities --bodies

Both simulators start from the model's default configuration (qpos0, zero velocity):
that is the state manyworlds' scene reset produces, and a scene rollout's
``initial_state`` is manyworlds' internal maximal-coordinate state, not qpos/qvel.
Keyframes are not applied by either side.

Controls (one world per control mode, all in a single manyworlds rollout):
    zero    all controls 0 (clipped into the control range)
    sine    mid + amplitude * half_range * sin(2 pi f t + k pi / 2) for actuator k
            (--amplitude, default 0.5 of the half range; --frequency, default 1 Hz)
    random  uniform in the control range, a fresh draw every step (numpy default_rng(--seed))
Controls are rounded to float32 first, so both simulators see exactly the same numbers.
Actuators without a control range use [-1, 1].

Set XDG_RUNTIME_DIR to silence Mesa's notice when manyworlds runs on lavapipe.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import mujoco
except ImportError:  # pragma: no cover - explained to the user
    sys.exit("this script needs the `mujoco` Python package (pip install mujoco)")

CONTROL_MODES = ("zero", "sine", "random")
# Distance inside a joint's range that counts as "at the limit" (joint units).
LIMIT_TOL = 1e-3
# Joint kinds as plain ints (numpy ints and mujoco's enums do not compare with `in`).
FREE, BALL, SLIDE, HINGE = (int(mujoco.mjtJoint.mjJNT_FREE), int(mujoco.mjtJoint.mjJNT_BALL),
                            int(mujoco.mjtJoint.mjJNT_SLIDE), int(mujoco.mjtJoint.mjJNT_HINGE))
NQ = {FREE: 7, BALL: 4, SLIDE: 1, HINGE: 1}


def default_mjcf() -> str:
    """Gymnasium's inverted_pendulum.xml, from the installed gymnasium package."""
    try:
        import gymnasium
    except ImportError:
        sys.exit("no MJCF file given and gymnasium is not installed; pass a file path")
    return os.path.join(
        os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets", "inverted_pendulum.xml"
    )


def joint_names(m: mujoco.MjModel) -> list[str]:
    """MuJoCo joint names; unnamed joints get manyworlds' fallback name `joint{index}`."""
    out = []
    for j in range(m.njnt):
        name = mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, j)
        out.append(name if name else f"joint{j}")
    return out


def body_names(m: mujoco.MjModel) -> list[str]:
    return [mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, b) or f"body{b}" for b in range(m.nbody)]


def control_range(m: mujoco.MjModel) -> np.ndarray:
    """(nu, 2) control range; [-1, 1] where the actuator is not control-limited."""
    r = np.array(m.actuator_ctrlrange, dtype=np.float64).reshape(m.nu, 2)
    for k in range(m.nu):
        if not m.actuator_ctrllimited[k]:
            r[k] = (-1.0, 1.0)
    return r


def make_controls(mode: str, m: mujoco.MjModel, steps: int, args) -> np.ndarray:
    """(steps, nu) controls, float32-representable, inside the control range."""
    r = control_range(m)
    lo, hi = r[:, 0], r[:, 1]
    if mode == "zero":
        u = np.tile(np.clip(0.0, lo, hi), (steps, 1))
    elif mode == "sine":
        t = np.arange(steps)[:, None] * m.opt.timestep
        phase = np.arange(m.nu)[None, :] * (math.pi / 2)
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        u = mid + args.amplitude * half * np.sin(2 * math.pi * args.frequency * t + phase)
    elif mode == "random":
        rng = np.random.default_rng(args.seed)
        u = rng.uniform(lo, hi, size=(steps, m.nu))
    else:
        raise ValueError(mode)
    u = np.asarray(u, dtype=np.float32).astype(np.float64)
    # float32 rounding may step just outside the range; manyworlds rejects that.
    return np.clip(u, np.float32(lo).astype(np.float64), np.float32(hi).astype(np.float64))


def run_mujoco(m: mujoco.MjModel, controls: np.ndarray) -> dict:
    """Steps MuJoCo from qpos0 with zero velocity; returns qpos, qvel, body positions per step."""
    d = mujoco.MjData(m)
    mujoco.mj_resetData(m, d)
    mujoco.mj_kinematics(m, d)
    qpos, qvel, xpos = [d.qpos.copy()], [d.qvel.copy()], [d.xpos.copy()]
    for u in controls:
        d.ctrl[:] = u
        mujoco.mj_step(m, d)
        # mj_step leaves xpos at the start of the step; refresh it for the new qpos.
        mujoco.mj_kinematics(m, d)
        qpos.append(d.qpos.copy())
        qvel.append(d.qvel.copy())
        xpos.append(d.xpos.copy())
    return {"qpos": np.array(qpos), "qvel": np.array(qvel), "xpos": np.array(xpos)}


def run_manyworlds(binary: str, mjcf: str, controls: list[np.ndarray], lenient: bool) -> dict:
    """One manyworlds rollout with one world per control sequence; returns the parsed output."""
    steps = controls[0].shape[0]
    doc = {
        "seed": 0,
        "steps": steps,
        "worlds": [{"actions": u.tolist()} for u in controls],
    }
    with tempfile.TemporaryDirectory(prefix="mw_compare_") as tmp:
        inp, outp = os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")
        with open(inp, "w") as f:
            json.dump(doc, f)
        cmd = [binary, "rollout", "--scene", mjcf, "--input", inp, "--output", outp]
        if lenient:
            cmd.append("--lenient")
        env = dict(os.environ)
        env.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            sys.exit(f"manyworlds failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
        with open(outp) as f:
            out = json.load(f)
    out["_warnings"] = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    return out


def quat_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation angle between unit quaternions (rows, w x y z), rad."""
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    dot = np.clip(np.abs(np.sum(a * b, axis=-1)), 0.0, 1.0)
    return 2.0 * np.arccos(dot)


def joint_rows(m: mujoco.MjModel, mj: dict, mw_world: dict) -> list[dict]:
    """One row per compared quantity: name, unit, |difference| per step, and both series."""
    rows = []
    mwj = mw_world["joints"]
    for j, name in enumerate(joint_names(m)):
        if name not in mwj:
            print(f"warning: joint {name!r} is missing from manyworlds' output", file=sys.stderr)
            continue
        a = int(m.jnt_qposadr[j])
        theirs = np.array(mwj[name], dtype=np.float64)
        kind = int(m.jnt_type[j])
        if kind in (HINGE, SLIDE):
            ours = mj["qpos"][:, a]
            unit = "rad" if kind == HINGE else "m"
            row = {"name": name, "unit": unit, "diff": np.abs(theirs - ours), "joint": j,
                   "mujoco": ours, "manyworlds": theirs}
            rows.append(row)
        elif kind == FREE:
            ours = mj["qpos"][:, a:a + 7]
            rows.append({"name": f"{name}.pos", "unit": "m",
                         "diff": np.linalg.norm(theirs[:, :3] - ours[:, :3], axis=1)})
            rows.append({"name": f"{name}.rot", "unit": "rad",
                         "diff": quat_angle(theirs[:, 3:7], ours[:, 3:7])})
        else:  # ball
            ours = mj["qpos"][:, a:a + 4]
            rows.append({"name": f"{name}.rot", "unit": "rad", "diff": quat_angle(theirs, ours)})
    return rows


def velocity_rows(m: mujoco.MjModel, mj: dict, mw_world: dict) -> list[dict]:
    """qvel rows from manyworlds' observation (qpos then qvel, MuJoCo's order).

    The observation is not named, so its order is checked first: its qpos part must equal
    the named joint values laid out at MuJoCo's qpos addresses."""
    obs = np.array(mw_world["obs"], dtype=np.float64)
    if obs.shape[1] != m.nq + m.nv:
        print(f"warning: observation has {obs.shape[1]} columns, not nq + nv = {m.nq + m.nv}; "
              "velocities not compared", file=sys.stderr)
        return []
    names = joint_names(m)
    for j, name in enumerate(names):
        a, n = int(m.jnt_qposadr[j]), NQ[int(m.jnt_type[j])]
        vals = np.array(mw_world["joints"][name], dtype=np.float64).reshape(len(obs), n)
        if not np.allclose(obs[:, a:a + n], vals, rtol=1e-6, atol=1e-7):
            print("warning: observation qpos order differs from MuJoCo's; velocities not compared",
                  file=sys.stderr)
            return []
    rows = []
    for j, name in enumerate(names):
        v = int(m.jnt_dofadr[j])
        kind = int(m.jnt_type[j])
        theirs, ours = obs[:, m.nq:], mj["qvel"]
        if kind in (HINGE, SLIDE):
            unit = "rad/s" if kind == HINGE else "m/s"
            rows.append({"name": f"{name} (vel)", "unit": unit,
                         "diff": np.abs(theirs[:, v] - ours[:, v])})
        elif kind == FREE:
            rows.append({"name": f"{name}.lin (vel)", "unit": "m/s",
                         "diff": np.linalg.norm(theirs[:, v:v + 3] - ours[:, v:v + 3], axis=1)})
            rows.append({"name": f"{name}.ang (vel)", "unit": "rad/s",
                         "diff": np.linalg.norm(theirs[:, v + 3:v + 6] - ours[:, v + 3:v + 6], axis=1)})
        else:
            rows.append({"name": f"{name}.ang (vel)", "unit": "rad/s",
                         "diff": np.linalg.norm(theirs[:, v:v + 3] - ours[:, v:v + 3], axis=1)})
    return rows


def body_rows(m: mujoco.MjModel, mj: dict, mw_world: dict) -> list[dict]:
    """Body frame origin distance (m) for every body manyworlds reports."""
    rows = []
    for b, name in enumerate(body_names(m)):
        if b == 0 or name not in mw_world["bodies"]:
            continue
        theirs = np.array(mw_world["bodies"][name]["pos"], dtype=np.float64)
        rows.append({"name": f"body {name}", "unit": "m",
                     "diff": np.linalg.norm(theirs - mj["xpos"][:, b], axis=1)})
    return rows


def first_time(mask: np.ndarray, dt: float):
    idx = np.flatnonzero(mask)
    return float(idx[0] * dt) if idx.size else None


def limit_info(m: mujoco.MjModel, row: dict, dt: float) -> dict | None:
    """For a limited hinge/slide: when each simulator first comes within LIMIT_TOL of the
    range (or beyond it), and its largest excursion past the range."""
    j = row.get("joint")
    if j is None or not m.jnt_limited[j]:
        return None
    lo, hi = m.jnt_range[j]
    info = {"range": [float(lo), float(hi)]}
    for sim in ("mujoco", "manyworlds"):
        q = row[sim]
        info[sim] = {
            "first_at_limit_s": first_time((q <= lo + LIMIT_TOL) | (q >= hi - LIMIT_TOL), dt),
            "max_past_range": float(np.max(np.maximum(q - hi, lo - q).clip(min=0.0))),
        }
    return info


def summarise(row: dict, dt: float, at: list[float], thresholds: list[float]) -> dict:
    diff = row["diff"]
    k = int(np.argmax(diff))
    at_vals = {}
    for t in at:
        s = int(round(t / dt))
        at_vals[f"{t:g}"] = float(diff[s]) if s < len(diff) else None
    return {
        "joint": row["name"],
        "unit": row["unit"],
        "max_abs_diff": float(diff[k]),
        "t_max_s": k * dt,
        "diff_at_s": at_vals,
        "first_exceeds_s": {f"{th:g}": first_time(diff > th, dt) for th in thresholds},
    }


def fmt(v, digits=3) -> str:
    if v is None:
        return "-"
    return f"{v:.{digits}e}"


def fmt_t(v) -> str:
    return "never" if v is None else f"{v:.2f}"


def print_table(mode: str, desc: str, summaries: list[dict], limits: dict):
    at_keys = list(summaries[0]["diff_at_s"]) if summaries else []
    th_keys = list(summaries[0]["first_exceeds_s"]) if summaries else []
    head = (["joint", "unit", "max|d|", "t_max"] + [f"d@{k}s" for k in at_keys]
            + [f"t(>{k})" for k in th_keys])
    body = []
    for s in summaries:
        body.append([s["joint"], s["unit"], fmt(s["max_abs_diff"]), f"{s['t_max_s']:.2f}"]
                    + [fmt(s["diff_at_s"][k]) for k in at_keys]
                    + [fmt_t(s["first_exceeds_s"][k]) for k in th_keys])
    widths = [max(len(str(r[i])) for r in [head] + body) for i in range(len(head))]
    print(f"\ncontrols: {mode} ({desc})")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in body:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    for name, info in limits.items():
        lo, hi = info["range"]
        parts = []
        for sim in ("mujoco", "manyworlds"):
            i = info[sim]
            parts.append(f"{sim} first at limit {fmt_t(i['first_at_limit_s'])} s, "
                         f"max past range {i['max_past_range']:.2e}")
        print(f"  limit {name} [{lo:g}, {hi:g}]: " + "; ".join(parts))


def parse_floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mjcf", nargs="?", help="MJCF file (default: Gymnasium's inverted_pendulum.xml)")
    p.add_argument("--manyworlds", default="target/release/manyworlds",
                   help="manyworlds binary (relative paths: from the current directory, then the repository)")
    p.add_argument("--controls", default="zero",
                   help="comma list of control modes: " + ", ".join(CONTROL_MODES))
    g = p.add_mutually_exclusive_group()
    g.add_argument("--steps", type=int, help="raw model steps (overrides --duration)")
    g.add_argument("--duration", type=float, default=1.0,
                   help="seconds to simulate, in steps of the file's timestep (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random controls")
    p.add_argument("--amplitude", type=float, default=0.5, help="sine amplitude, fraction of half range")
    p.add_argument("--frequency", type=float, default=1.0, help="sine frequency, Hz")
    p.add_argument("--at", default="0.1,0.5,1", help="times (s) at which to report the difference")
    p.add_argument("--thresholds", default="1e-3,1e-2", help="difference thresholds (joint units)")
    p.add_argument("--velocities", action="store_true", help="also compare joint velocities")
    p.add_argument("--bodies", action="store_true", help="also compare body positions")
    p.add_argument("--lenient", action="store_true", help="pass --lenient to manyworlds")
    p.add_argument("--json", metavar="FILE", help="write a JSON summary to FILE ('-': stdout, no table)")
    args = p.parse_args()

    mjcf = os.path.abspath(args.mjcf or default_mjcf())
    modes = [c.strip() for c in args.controls.split(",") if c.strip()]
    for c in modes:
        if c not in CONTROL_MODES:
            p.error(f"unknown control mode {c!r}; choose from {', '.join(CONTROL_MODES)}")
    if not os.path.exists(args.manyworlds) and not os.path.isabs(args.manyworlds):
        # Also look relative to the repository this script lives in.
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if os.path.exists(os.path.join(repo, args.manyworlds)):
            args.manyworlds = os.path.join(repo, args.manyworlds)
    if not os.path.exists(args.manyworlds):
        p.error(f"manyworlds binary {args.manyworlds!r} not found (build it or pass --manyworlds)")

    m = mujoco.MjModel.from_xml_path(mjcf)
    dt = float(m.opt.timestep)
    steps = args.steps if args.steps is not None else int(round(args.duration / dt))
    if steps < 1:
        p.error("need at least one step")
    at, thresholds = parse_floats(args.at), parse_floats(args.thresholds)
    integrator = mujoco.mjtIntegrator(m.opt.integrator).name

    controls = [make_controls(c, m, steps, args) for c in modes]
    mw = run_manyworlds(args.manyworlds, mjcf, controls, args.lenient)
    desc = {
        "zero": "all 0, clipped to the control range",
        "sine": f"amplitude {args.amplitude:g} of half range, {args.frequency:g} Hz",
        "random": f"uniform in the control range, seed {args.seed}",
    }

    report = {
        "mjcf": mjcf,
        "mujoco_version": mujoco.__version__,
        "manyworlds": os.path.abspath(args.manyworlds),
        "adapter": mw.get("adapter"),
        "timestep_s": dt,
        "steps": steps,
        "duration_s": steps * dt,
        "mujoco_integrator": integrator,
        "manyworlds_warnings": mw["_warnings"],
        "runs": [],
    }
    for mode, u, world in zip(modes, controls, mw["worlds"]):
        mj = run_mujoco(m, u)
        rows = joint_rows(m, mj, world)
        limits = {r["name"]: li for r in rows if (li := limit_info(m, r, dt)) is not None}
        if args.velocities:
            rows += velocity_rows(m, mj, world)
        if args.bodies:
            rows += body_rows(m, mj, world)
        summaries = [summarise(r, dt, at, thresholds) for r in rows]
        report["runs"].append({"controls": mode, "description": desc[mode],
                               "joints": summaries, "limits": limits})

    if args.json != "-":
        print(f"{os.path.basename(mjcf)}: {steps} steps of {dt:g} s ({steps * dt:g} s), "
              f"MuJoCo {mujoco.__version__} {integrator} float64 vs manyworlds on {mw.get('adapter')}")
        print("differences are |manyworlds - MuJoCo| in joint units; times in s")
        for run in report["runs"]:
            print_table(run["controls"], run["description"], run["joints"], run["limits"])
        for w in mw["_warnings"]:
            print(f"manyworlds: {w}")
    if args.json:
        text = json.dumps(report, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")


if __name__ == "__main__":
    main()
