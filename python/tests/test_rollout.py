"""The Python env and the CLI's `manyworlds rollout` give the same trajectories, bit for
bit, in each autoreset mode."""

import json
import os
import subprocess

import numpy as np
import pytest

import manyworlds
from conftest import in_ci

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MANYWORLDS_BIN", os.path.join(ROOT, "target", "release", "manyworlds"))


@pytest.mark.parametrize("mode", ["disabled", "next_step", "same_step"])
@pytest.mark.parametrize("name,steps", [("cartpole", 150), ("cartpole-rigid", 60)])
def test_python_equals_rollout(tmp_path, mode, name, steps):
    if not os.path.exists(BIN):
        if in_ci():
            pytest.fail(f"{BIN} is missing: CI builds it with cargo test --release")
        pytest.skip(f"{BIN} is missing (cargo build --release)")
    n = 4
    envs = manyworlds.make_vec(name, n, autoreset_mode=mode, copy=True)
    rng = np.random.default_rng(5)
    if name == "cartpole":
        actions = rng.integers(0, 2, (steps, n)).astype(np.float32)
    else:
        actions = rng.uniform(-1, 1, (steps, n, 1)).astype(np.float32)
    src = {
        "env": name,
        "seed": 9,
        "steps": steps,
        "autoreset": mode,
        "worlds": [
            {"actions": [np.atleast_1d(actions[t, w]).tolist() for t in range(steps)]}
            for w in range(n)
        ],
    }
    (tmp_path / "in.json").write_text(json.dumps(src))
    subprocess.run(
        [BIN, "rollout", "--input", str(tmp_path / "in.json"), "--output", str(tmp_path / "out.json")],
        check=True,
        capture_output=True,
    )
    out = json.loads((tmp_path / "out.json").read_text())["worlds"]
    first, _ = envs.reset(seed=9)
    # rollout's "obs" starts with the reset's observation; the other lists have one entry
    # per step.
    for w in range(n):
        assert np.array_equal(first[w], np.float32(out[w]["obs"][0]))
    ended = 0
    for t in range(steps):
        obs, rew, term, trunc, _ = envs.step(actions[t])
        for w in range(n):
            assert np.array_equal(obs[w], np.float32(out[w]["obs"][t + 1])), f"{mode} step {t} world {w}"
            assert rew[w] == np.float32(out[w]["reward"][t])
            assert term[w] == out[w]["terminated"][t] and trunc[w] == out[w]["truncated"][t]
        ended += (term | trunc).sum()
    if name == "cartpole":
        assert ended > 0
