#!/usr/bin/env python3
"""How the cost of a world-step grows with the number of bodies: manyworlds against MuJoCo.

Scenes: the shared 'plane + 8 boxes' scene (scenes/boxes.xml) tiled as N/8 copies of its
cluster, 1 m apart on a square grid, so every cluster falls and settles as the original
does and only the body count changes (N = 8, 32, 128 by default).

For each N it runs, alternating, in one run:
  * manyworlds: `bench --scene FILE --worlds W --mode fused --steps S` (one JSON line);
  * MuJoCo (when `import mujoco` works): mujoco.rollout over W worlds for S steps with
    2 threads, from the scene's initial state (no jitter), as ../shared/peers does.
and prints world-steps/s, the cost per body-step, and their ratio.

Run:  python3 scripts/boxes_scaling.py [--sizes 8,32,128] [--worlds 1024] [--steps 150]
                                       [--manyworlds target/release/manyworlds] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def tiled_scene(n: int) -> str:
    """scenes/boxes.xml with its 8 bodies repeated n/8 times on a 1 m grid."""
    if n % 8 != 0 or n <= 0:
        raise SystemExit(f"--sizes: {n} is not a positive multiple of 8")
    with open(os.path.join(ROOT, "scenes", "boxes.xml")) as f:
        xml = f.read()
    bodies = re.findall(r"    <body name=\"box(\d+)\" pos=\"([^\"]+)\"(.*?)</body>\n", xml, re.S)
    if len(bodies) != 8:
        raise SystemExit("scenes/boxes.xml no longer has 8 box bodies; update this script")
    copies = n // 8
    side = 1
    while side * side < copies:
        side += 1
    out = []
    for c in range(copies):
        ox, oy = (c % side) * 1.0, (c // side) * 1.0
        for idx, pos, rest in bodies:
            x, y, z = (float(v) for v in pos.split())
            k = c * 8 + int(idx)
            body = f'    <body name="box{k}" pos="{x + ox:.6f} {y + oy:.6f} {z:.6f}"{rest}</body>\n'
            body = body.replace(f'name="free{idx}"', f'name="free{k}"')
            body = body.replace(f'geom name="box{idx}"', f'geom name="box{k}"')
            out.append(body)
    start = xml.index("    <body name=\"box0\"")
    end = xml.index("  </worldbody>")
    return xml[:start] + "".join(out) + xml[end:]


def run_manyworlds(binary: str, path: str, worlds: int, steps: int) -> dict:
    cmd = [binary, "bench", "--scene", path, "--worlds", str(worlds), "--mode", "fused",
           "--steps", str(steps), "--warmup", "0", "--repeats", "1", "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


def run_mujoco(xml: str, worlds: int, steps: int) -> float | None:
    try:
        import mujoco
        import numpy as np
        from mujoco import rollout as mj_rollout
    except ImportError:
        return None
    model = mujoco.MjModel.from_xml_string(xml)
    data = mujoco.MjData(model)
    full = mujoco.mjtState.mjSTATE_FULLPHYSICS.value
    s0 = np.empty(mujoco.mj_stateSize(model, full))
    mujoco.mj_getState(model, data, s0, full)
    cur = np.tile(s0, (worlds, 1))
    datas = [mujoco.MjData(model) for _ in range(2)]
    # rollout returns every step's state: run in chunks of at most ~128 MB of output.
    chunk = max(1, min(steps, int(128e6 / (worlds * s0.size * 8))))
    out = np.empty((worlds, chunk, s0.size))
    with mj_rollout.Rollout(nthread=2) as r:
        t0 = time.perf_counter()
        done = 0
        while done < steps:
            k = min(chunk, steps - done)
            st, _ = r.rollout(model, datas, cur, nstep=k, state=out[:, :k, :])
            cur = st[:, k - 1, :].copy()
            done += k
        return worlds * steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="8,32,128")
    ap.add_argument("--worlds", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--manyworlds", default=os.path.join(ROOT, "target", "release", "manyworlds"))
    ap.add_argument("--json", action="store_true", help="one JSON line per size")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            xml = tiled_scene(n)
            path = os.path.join(tmp, f"boxes_{n}.xml")
            with open(path, "w") as f:
                f.write(xml)
            mw = run_manyworlds(args.manyworlds, path, args.worlds, args.steps)
            mj = run_mujoco(xml, args.worlds, args.steps)
            row = {
                "bodies": n,
                "worlds": args.worlds,
                "steps": args.steps,
                "adapter": mw.get("adapter"),
                "manyworlds_world_steps_per_s": mw["env_steps_per_s"],
                "mujoco_world_steps_per_s": mj,
                "ratio": (mw["env_steps_per_s"] / mj) if mj else None,
            }
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
    if not args.json:
        print(f"{'bodies':>6} {'manyworlds ws/s':>16} {'us/body-step':>13} "
              f"{'MuJoCo ws/s':>12} {'us/body-step':>13} {'ratio':>6}")
        for r in rows:
            m = r["manyworlds_world_steps_per_s"]
            j = r["mujoco_world_steps_per_s"]
            mjs = f"{j:12.0f} {1e6 / (j * r['bodies']):13.3f}" if j else f"{'(no mujoco)':>12} {'':>13}"
            ratio = f"{r['ratio']:6.2f}" if r["ratio"] else ""
            print(f"{r['bodies']:6d} {m:16.0f} {1e6 / (m * r['bodies']):13.3f} {mjs} {ratio}")
        if rows:
            print(f"adapter: {rows[0]['adapter']}; {args.worlds} worlds, {args.steps} steps "
                  f"from rest at the scene's initial state; MuJoCo: rollout, 2 threads")


if __name__ == "__main__":
    sys.exit(main())
