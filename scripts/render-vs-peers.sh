#!/usr/bin/env bash
# The renderer against the CPU renderers of ../shared/peers, in one run on one machine:
# PyBullet's TinyRenderer (RGB + depth, 64² and 128²) and MuJoCo Warp's ray caster on its
# CPU device (RGB + depth + segmentation, 64 worlds), then manyworlds on the same scene
# (boxes.xml, 1024 worlds, one camera): `--mode render` (the current state rendered and read
# back) and `--mode rl` (physics step + render + readback every step), RGB + depth.
# Prints the peers' JSON lines, ours, and a table of frames (views) per second with ratios.
#
#   PEERS_PYTHON=/path/to/venv/bin/python scripts/render-vs-peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PEERS_PYTHON:-python3}"
peers="${PEERS_DIR:-../shared/peers}"
out="$(mktemp -d)"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
cargo build --release --quiet
"$py" "$peers/pybullet_render.py" | tail -n 1 > "$out/pybullet.json"
"$py" "$peers/mujoco_warp_cpu.py" | tail -n 1 > "$out/mjwarp.json"
for size in 64x64 128x128; do
  ./target/release/manyworlds bench --env boxes --worlds 1024 --render "$size" \
    --outputs rgb,depth --mode render,rl --steps 30 --warmup 5 --repeats 3 --json \
    | tail -n 2 > "$out/manyworlds_$size.json"
done
cat "$out"/*.json
python3 - "$out" <<'PY'
import json, os, sys
d = sys.argv[1]
load = lambda n: json.loads(open(os.path.join(d, n)).read().strip().splitlines()[-1])
pb, mw = load("pybullet.json"), load("mjwarp.json")
def num(x):
    # Peers report a number, {"median": …}, or {"frames_per_s": {"median": …}}.
    while isinstance(x, dict):
        x = x["frames_per_s"] if "frames_per_s" in x else x["median"]
    return x
rows = []
for size, res in (("64x64", 64), ("128x128", 128)):
    peers = {
        "PyBullet TinyRenderer RGB-D": num(pb["render"][size]["tiny_rgb_depth_noseg"]),
        "MuJoCo Warp CPU ray cast RGB-D": num(mw["render_rgb_depth"][f"{res}x{res}_64worlds_settled"]),
    }
    best = max(peers.values())
    for name, v in peers.items():
        rows.append((size, name, v, ""))
    for line in open(os.path.join(d, f"manyworlds_{size}.json")).read().split("\n"):
        if not line.strip():
            continue
        c = json.loads(line)
        v = c["views_per_s"]
        rows.append((size, f"manyworlds {c['mode']} x{c['worlds']} ({'+'.join(c['outputs'])})", v, f"{v / best:.1f}x best peer"))
print(f"{'size':<8} {'renderer':<44} {'views/s':>10}  ratio")
for size, name, v, r in rows:
    print(f"{size:<8} {name:<44} {v:>10.0f}  {r}")
PY
