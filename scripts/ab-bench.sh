#!/usr/bin/env bash
# A/B of two manyworlds binaries on one workload, in alternating rounds in one run, so a
# machine whose speed drifts (this project's dev machines have run 3x slower some days)
# biases neither side. Prints every round, then each side's median and the ratio B/A.
#
#   scripts/ab-bench.sh OLD_BINARY NEW_BINARY [ROUNDS] [-- BENCH ARGS...]
#
# Default workload: the default main job's boxes cells (1024 worlds, rl and fused, 150 steps
# after 150 warm-up steps, median of 3 repeats per round). Build the starting commit into
# its own target dir (e.g. `git worktree add /tmp/base <commit>` and
# `CARGO_TARGET_DIR=/tmp/base-target cargo build --release` there) to get OLD_BINARY.
set -euo pipefail
a=$1
b=$2
rounds=${3:-5}
shift $(($# < 3 ? $# : 3))
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--env boxes --worlds 1024 --mode rl,fused --steps 150 --warmup 150 --repeats 3)
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
# One discarded round first, so both kernels are in the driver's shader cache and the
# machine is warm.
"$a" bench "${args[@]}" >/dev/null
"$b" bench "${args[@]}" >/dev/null
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
    for side in A B; do
        bin=$a
        [ $side = B ] && bin=$b
        "$bin" bench "${args[@]}" --json | sed "s/^/$side $r /" | tee -a "$out"
    done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, r, js = line.split(" ", 2)
    if not js.startswith("{"):
        continue  # the adapter line bench prints before its cells
    cell = json.loads(js)
    key = (cell["env"], cell["worlds"], cell["mode"])
    rows.setdefault(key, {}).setdefault(side, []).append(cell["env_steps_per_s"])
print(f"adapter: {cell['adapter']}")
print(f"{'env':<12}{'worlds':>8}{'mode':>7}{'A median':>12}{'B median':>12}{'B/A':>7}   rounds")
for (env, worlds, mode), s in rows.items():
    a, b = statistics.median(s["A"]), statistics.median(s["B"])
    print(f"{env:<12}{worlds:>8}{mode:>7}{a:>12.0f}{b:>12.0f}{b / a:>7.3f}   {len(s['A'])}")
PY
rm -f "$out"
