#!/usr/bin/env bash
# GPU benchmark pass for a machine with an NVIDIA GPU and no Vulkan loader installed:
# one prepared run that prints the adapter and the JSON lines of every cell.
#
# Build here first (the GPU machine cannot build or download):
#   strip -o .dev/manyworlds target/release/manyworlds
#   (cd .gl && apt-get download libvulkan1)      # the Vulkan loader, unpacked below
# then run this script there from the repository root. Results go to $OUT (default
# results/) as JSON lines, one file per workload.
set -u
BIN=${MANYWORLDS_BIN:-.dev/manyworlds}
OUT=${OUT:-results}
mkdir -p "$OUT"
for f in .gl/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
ldconfig
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi -L 2>/dev/null || true
"$BIN" adapter || exit 1
# Rigid-body scene: whole 150-step episodes (fall, impacts, settling), fused and RL loop.
"$BIN" bench --env boxes --worlds 1024,4096,16384,65536 --mode fused,rl --steps 150 \
    --warmup 150 --repeats 3 --json | tee "$OUT/boxes.jsonl"
# Classic-control reference point.
"$BIN" bench --env cartpole --worlds 4096,65536,262144 --mode fused,rl --steps 500 \
    --warmup 50 --repeats 3 --json | tee "$OUT/cartpole.jsonl"
# Bodies per world (tiled copies of the boxes cluster); no MuJoCo there, so ours only.
python3 scripts/boxes_scaling.py --manyworlds "$BIN" --sizes 8,32,128 --worlds 4096 \
    --steps 150 --json | tee "$OUT/scaling.jsonl"
# Rendering: the issue-4 workloads next to Madrona-MJX's published vision CartPole
# (402k steps/s at 64², 1024 worlds, RTX 4090): cartpole-vision with physics, render and
# readback every step; then boxes RGB-D at 64² and 128², rendered alone and with physics.
"$BIN" bench --env cartpole-vision --worlds 1024,4096,16384 --mode rl --render 64x64 \
    --outputs rgb --steps 200 --warmup 20 --repeats 3 --json | tee "$OUT/cartpole_vision.jsonl"
"$BIN" bench --env boxes --worlds 1024,4096 --mode render,rl --render 64x64 \
    --outputs rgb,depth --steps 100 --warmup 10 --repeats 3 --json | tee "$OUT/render64.jsonl"
"$BIN" bench --env boxes --worlds 1024,4096 --mode render,rl --render 128x128 \
    --outputs rgb,depth --steps 100 --warmup 10 --repeats 3 --json | tee "$OUT/render128.jsonl"
