#!/usr/bin/env bash
# The GPU benchmark pass, for a Linux machine with an NVIDIA GPU, no Rust toolchain and no
# internet. About 5 minutes. It uses a release binary built elsewhere and, when the machine
# has no Vulkan loader, the loader's Debian package carried beside it.
#
# Build and pack on a machine with Rust (from the repository root):
#   cargo build --release && mkdir -p .dev && strip -o .dev/manyworlds target/release/manyworlds
#   mkdir -p .gl && (cd .gl && apt-get download libvulkan1)   # only if the GPU machine lacks it
#   (cd .gl && apt-get download libhdf5-103-1 libaec0 libsz2 libcurl3-gnutls)   # the same, for
#                                      # the HDF5 library `demos` links (Debian 12 names)
# then, on the GPU machine, from a copy of the repository root that holds .dev/ and .gl/:
#   scripts/device-bench.sh [--full]
#
# It runs, in order: `manyworlds selftest` (stops here if a check fails: figures from an
# adapter that computes wrongly mean nothing), state CartPole at 16,384 worlds, vision
# CartPole (`cartpole-vision`) at 1024 worlds rendering 64² and 128², and `boxes` at 8192
# worlds without and with a 64² RGB-D camera (with physics, and rendering alone), and the
# demo rate of push-cube's expert at 4096 worlds with 64² RGB, writing HDF5 against not
# writing (scripts/demos-rate.sh). Each workload's JSON lines go to $OUT
# (default results/), and one table is printed whose last line summarises the run next to
# the anchors: Madrona-MJX 402k steps/s (vision CartPole 64², 1024 worlds, RTX 4090) and
# 25.6M (state CartPole, 16k worlds); MuJoCo Warp 566k renders/s (64², 8192 worlds).
# --full adds the scaling sweeps (boxes to 65,536 worlds, cartpole to 262,144, bodies per
# world with scripts/boxes_scaling.py) after the summary, for about 10 more minutes.
set -u
full=${1:-}
cd "$(dirname "$0")/.."
BIN=${MANYWORLDS_BIN:-.dev/manyworlds}
OUT=${OUT:-results}
mkdir -p "$OUT"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    for f in .gl/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
    ldconfig
fi
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi -L 2>/dev/null || true
start=$(date +%s)

echo "== selftest"
"$BIN" selftest | tee "$OUT/selftest.txt" || { echo "device-bench: selftest failed; no figures"; exit 1; }

run() { # name, then bench arguments
    local name=$1; shift
    echo "== $name: manyworlds bench $*"
    "$BIN" bench "$@" --json | grep '^{' | tee "$OUT/$name.jsonl"
}
run cartpole_state --env cartpole --worlds 16384 --mode fused,rl --steps 1000 --warmup 100 --repeats 3
run cartpole_vision --env cartpole-vision --worlds 1024 --render 64x64,128x128 --outputs rgb \
    --mode rl --steps 200 --warmup 20 --repeats 3
run boxes --env boxes --worlds 8192 --render none,64x64 --outputs rgb,depth --mode fused,rl,render \
    --steps 150 --warmup 150 --repeats 3
echo "== demos: push-cube's expert, 4096 worlds, 64² RGB, writing against not (3 rounds)"
MANYWORLDS="$BIN" scripts/demos-rate.sh 3 8000 4096 64x64 | tee "$OUT/demos.txt"

echo "== summary ($(( $(date +%s) - start )) s)"
if command -v python3 >/dev/null; then
    python3 - "$OUT" "$(head -n1 "$OUT/selftest.txt")" <<'PY'
import json, pathlib, sys
out, adapter = pathlib.Path(sys.argv[1]), sys.argv[2].removeprefix("adapter: ")
rows = [json.loads(l) for n in ("cartpole_state", "cartpole_vision", "boxes")
        for l in (out / f"{n}.jsonl").read_text().splitlines() if l.startswith("{")]
fmt = lambda r: f"{r / 1e6:.2f}M" if r >= 1e6 else f"{r / 1e3:.1f}k"
print(f"{'env':<16} {'worlds':>7} {'render':>8} {'mode':>6} {'env-steps/s':>12} {'views/s':>10}")
for r in rows:
    v = r.get("views_per_s")
    print(f"{r['env']:<16} {r['worlds']:>7} {r['render'] or '-':>8} {r['mode']:>6} "
          f"{fmt(r['env_steps_per_s']):>12} {fmt(v) if v else '-':>10}")
def best(env, render=None, mode=None, key="env_steps_per_s"):
    c = [(r[key] or 0, r["worlds"]) for r in rows if r["env"] == env and r["render"] == render
         and (mode is None or r["mode"] == mode)]
    return max(c) if c else (0, 0)
(state, ws), (vision, wv) = best("cartpole"), best("cartpole-vision", "64x64", "rl")
(alone, wb), (physics, _) = (best("boxes", "64x64", m, "views_per_s") for m in ("render", "rl"))
print(f"SUMMARY {adapter}: selftest ok; state cartpole x{ws} {fmt(state)} steps/s "
      f"({state / 25.6e6:.2f}x Madrona-MJX 25.6M); cartpole-vision 64² x{wv} {fmt(vision)} "
      f"steps/s ({vision / 402e3:.2f}x Madrona-MJX 402k); boxes 64² RGB-D x{wb} {fmt(alone)} "
      f"renders/s ({alone / 566e3:.2f}x MuJoCo Warp 566k), {fmt(physics)} with physics")
PY
else
    echo "SUMMARY: no python3 here; the JSON lines above and in $OUT hold every figure"
fi

if [ "$full" = "--full" ]; then
    run boxes_scaling_worlds --env boxes --worlds 1024,4096,16384,65536 --mode fused,rl \
        --steps 150 --warmup 150 --repeats 3
    run cartpole_scaling_worlds --env cartpole --worlds 4096,65536,262144 --mode fused,rl \
        --steps 500 --warmup 50 --repeats 3
    python3 scripts/boxes_scaling.py --manyworlds "$BIN" --sizes 8,32,128 --worlds 4096 \
        --steps 150 --json | tee "$OUT/scaling.jsonl"
fi
