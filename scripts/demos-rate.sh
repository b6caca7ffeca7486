#!/usr/bin/env bash
# The demo rate against the rate without writing, in one run: `manyworlds demos` with and
# without --dry-run (same env, expert, worlds, rendering and seed), alternating which goes
# first each round, then the medians of successful episodes/s and their ratio
# (issue target: writing keeps >= 80% of the rate).
#
#   scripts/demos-rate.sh [ROUNDS] [EPISODES] [WORLDS] [SIZE]     (defaults 3 1000 256 64x64)
#   MANYWORLDS=path/to/manyworlds scripts/demos-rate.sh           (default: target/release)
set -euo pipefail
rounds="${1:-3}"
episodes="${2:-1000}"
worlds="${3:-256}"
size="${4:-64x64}"
bin="${MANYWORLDS:-target/release/manyworlds}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
run() { # $1: dry | write; prints successful episodes/s
  local extra=(--dry-run)
  if [ "$1" = write ]; then extra=(--out "$tmp/demos.hdf5"); rm -f "$tmp/demos.hdf5"; fi
  "$bin" demos --env push-cube --episodes "$episodes" --worlds "$worlds" --render "$size" \
    --seed 1 "${extra[@]}" 2>/dev/null | tee -a "$tmp/log" |
    sed -n 's/.* \([0-9.]*\) successful episodes\/s.*/\1/p'
}
"$bin" adapter | head -1
dry=() write=()
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then d=$(run dry); w=$(run write); else w=$(run write); d=$(run dry); fi
  echo "round $r: without writing $d, writing $w successful episodes/s"
  dry+=("$d") write+=("$w")
done
grep -h "holds" "$tmp/log" | tail -1
python3 - "${dry[*]}" "${write[*]}" "$episodes" "$worlds" "$size" <<'PY'
import statistics, sys
d = [float(x) for x in sys.argv[1].split()]
w = [float(x) for x in sys.argv[2].split()]
md, mw = statistics.median(d), statistics.median(w)
print(f"push-cube, {sys.argv[3]} demos, {sys.argv[4]} worlds, {sys.argv[5]} RGB: "
      f"median {md:.1f} successful episodes/s without writing, {mw:.1f} writing: "
      f"ratio {mw / md:.2f} (target >= 0.80)")
PY
