#!/usr/bin/env bash
# manyworlds cartpole against Gymnasium's numpy vector env and EnvPool, in one run on one
# machine, so the figures can be quoted as ratios.
#
#   PEERS_PYTHON=/path/to/venv/bin/python scripts/bench-vs-peers.sh [ROUNDS]
#
# The venv needs gymnasium, envpool and numpy (pip install gymnasium envpool numpy); without
# PEERS_PYTHON only manyworlds runs. Peers and manyworlds alternate for ROUNDS rounds
# (default 2) so that drift in the machine's speed hits both; every figure printed is a
# median. Output: JSON lines in results/bench-vs-peers-*.jsonl and a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
worlds=64,256,1024,4096,16384,65536
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
cargo build --release --quiet
mkdir -p results
out=results/bench-vs-peers-$(date +%Y%m%d-%H%M%S).jsonl
for r in $(seq "$rounds"); do
  echo "round $r/$rounds: manyworlds" >&2
  ./target/release/manyworlds bench --env cartpole --worlds "$worlds" --mode rl,fused \
    --steps 1000 --warmup 100 --repeats 5 --json | grep '^{' >> "$out"
  if [ -n "${PEERS_PYTHON:-}" ]; then
    echo "round $r/$rounds: peers" >&2
    "$PEERS_PYTHON" scripts/peers_cartpole.py 1024,4096,16384 >> "$out"
  fi
done
python3 scripts/summarize_bench.py "$out"
