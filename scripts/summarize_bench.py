"""Summarises a bench-vs-peers JSON-lines file: medians over rounds, and ratios to the peers."""

import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ours = defaultdict(list)
peers = defaultdict(list)
adapter = None
for r in rows:
    if "env_steps_per_s" not in r:
        continue
    if "peer" in r:
        peers[(r["peer"], r["worlds"], r["threads"])].append(r["env_steps_per_s"])
    else:
        adapter = r["adapter"]
        ours[(r["mode"], r["worlds"])].append(r["env_steps_per_s"])
med = {k: statistics.median(v) for k, v in ours.items()}
pmed = {k: statistics.median(v) for k, v in peers.items()}
print(f"adapter: {adapter}")
print(f"{'workload':<44} {'env-steps/s':>14}")
for (mode, n), v in sorted(med.items(), key=lambda kv: (kv[0][0], kv[0][1])):
    print(f"{'manyworlds cartpole ' + mode + ' x' + str(n):<44} {v/1e6:>13.2f}M")
for (peer, n, t), v in sorted(pmed.items()):
    print(f"{peer + ' x' + str(n) + ' (' + str(t) + ' thread)':<44} {v/1e6:>13.2f}M")
print()
for (peer, n, t), v in sorted(pmed.items()):
    for mode in ("rl", "fused"):
        if (mode, n) in med:
            print(f"manyworlds {mode} x{n} / {peer} x{n} ({t} thread): {med[(mode, n)] / v:.2f}x")
