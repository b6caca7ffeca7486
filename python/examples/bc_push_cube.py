"""Behaviour cloning on push-cube: a sanity check of the demos `manyworlds demos` writes.

Trains a small MLP (observation -> action, MSE) on the expert demonstrations of a robomimic
HDF5 file, then runs it on push-cube worlds with seeds the demos did not use (default
randomization) next to a uniform random policy. If the demos, the recorded observations
and the Python env agree, the cloned policy succeeds nearly as often as the expert.

The expert switches between going around the cube, lining up behind it and pushing, on
the pusher's position in the frame of the cube-to-goal line. By default the network sees
that frame too (--features push-frame); on the bare observation (--features obs) the
same training clones the switches less well and succeeds markedly less often, somewhat
more often with --positions-only (without velocities, which echo the previous action).

    pip install "./python[examples]"
    manyworlds demos --env push-cube --episodes 1000 --seed 1 --out demos.hdf5
    python python/examples/bc_push_cube.py --demos demos.hdf5
    python python/examples/bc_push_cube.py --demos demos.hdf5 --expert-bin target/release/manyworlds

Every evaluated policy plays the first episode of each of --episodes worlds (seed
--eval-seed): the same initial states and randomized values for every policy, and no bias
toward short episodes (counting the first N episodes to finish would leave out failures,
which run to the 250-step limit). --expert-bin runs the scripted expert on the same worlds
through the CLI and scores its first episodes the same way. An episode succeeds when it
terminates (cube within 5 cm of the goal) before it is truncated.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import torch

# Before manyworlds: on lavapipe, Mesa loads its own LLVM, and torch's Triton (imported
# lazily by torch._dynamo, e.g. by the optimizers) crashes if it loads a second LLVM after it.
import torch._dynamo  # noqa: F401
import torch.nn as nn

import manyworlds

# push-cube's observation: qpos (pusher x, y; cube xyz, quat wxyz; goal x, y), then qvel.
PUSHER, CUBE, GOAL, NQ = slice(0, 2), slice(2, 4), slice(9, 11), 11
FEATURES = ("obs", "relative", "push-frame")


def features(obs: np.ndarray, kind: str, positions_only: bool) -> np.ndarray:
    """The policy's input, from observation rows: `obs` as they are (qpos only with
    `positions_only`); `relative` adds goal - cube and cube - pusher in the table plane;
    `push-frame` also the push line's frame: the unit vector u from cube to goal, the
    pusher's offset from the cube along u and across it, and the cube-goal distance."""
    obs = np.asarray(obs, np.float32)
    parts = [obs[:, :NQ] if positions_only else obs]
    d = obs[:, GOAL] - obs[:, CUBE]
    r = obs[:, PUSHER] - obs[:, CUBE]
    if kind in ("relative", "push-frame"):
        parts += [d, -r]
    if kind == "push-frame":
        dist = np.linalg.norm(d, axis=1, keepdims=True)
        u = d / np.maximum(dist, 1e-6)
        along = (r * u).sum(1, keepdims=True)
        across = r[:, 1:] * u[:, :1] - r[:, :1] * u[:, 1:]  # r . (-u_y, u_x)
        parts += [u, along, across, dist]
    return np.concatenate(parts, 1)


def load(path: str, split: str, action_key: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(observations, actions, episodes) of the demos in mask/`split`."""
    with h5py.File(path, "r") as f:
        names = [n.decode() for n in f[f"mask/{split}"][:]]
        obs = np.concatenate([f[f"data/{n}/obs/state"][:] for n in names])
        act = np.concatenate([f[f"data/{n}/{action_key}"][:] for n in names])
    return obs, act, len(names)


class Policy(nn.Module):
    """An MLP on normalized features whose tanh output, scaled to the action box, is the action."""

    def __init__(self, x: np.ndarray, high: np.ndarray, hidden: int, layers: int):
        super().__init__()
        std = x.std(0)
        self.register_buffer("mean", torch.tensor(x.mean(0)))
        # Constant inputs (the goal's velocities) are left unscaled.
        self.register_buffer("std", torch.tensor(np.where(std > 1e-6, std, 1.0)))
        self.register_buffer("high", torch.tensor(high))
        dims = [x.shape[1]] + [hidden] * layers
        body = [m for i, o in zip(dims, dims[1:]) for m in (nn.Linear(i, o), nn.ReLU())]
        self.net = nn.Sequential(*body, nn.Linear(dims[-1], len(high)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net((x - self.mean) / self.std)) * self.high


def train(policy: Policy, x, y, xv, yv, a) -> None:
    gen = torch.Generator().manual_seed(a.seed)
    x, y, xv, yv = (torch.tensor(v) for v in (x, y, xv, yv))
    opt = torch.optim.Adam(policy.parameters(), lr=a.lr)
    steps_per_epoch = len(x) // a.batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.epochs * steps_per_epoch)
    scale = policy.high**2  # losses in units of the half-range, squared
    start = time.time()
    for epoch in range(1, a.epochs + 1):
        policy.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for s in range(steps_per_epoch):
            i = perm[s * a.batch_size : (s + 1) * a.batch_size]
            loss = (((policy(x[i]) - y[i]) ** 2) / scale).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        if epoch % a.log_every == 0 or epoch == a.epochs:
            policy.eval()
            with torch.no_grad():
                valid = (((policy(xv) - yv) ** 2) / scale).mean().item()
            print(json.dumps({"epoch": epoch, "train_mse": round(total / steps_per_epoch, 5),
                              "valid_mse": round(valid, 5), "wall_s": round(time.time() - start, 1)}),
                  flush=True)


def evaluate(act, episodes: int, seed: int) -> dict:
    """Plays the first episode of each of `episodes` worlds; `act(obs) -> actions`."""
    envs = manyworlds.make_vec("push-cube", episodes, seed=seed)
    obs, _ = envs.reset()
    running = np.ones(episodes, bool)
    length, ret = np.zeros(episodes, int), np.zeros(episodes)
    success = np.zeros(episodes, bool)
    while running.any():
        obs, rew, term, trunc, _ = envs.step(act(obs))
        # Next-step autoreset: worlds whose first episode ended are no longer counted.
        length += running
        ret += np.where(running, rew, 0.0)
        success |= running & term
        running &= ~(term | trunc)
    envs.close()
    return {"episodes": episodes, "success": success.mean(), "length": length.mean(), "return": ret.mean()}


def evaluate_expert(binary: str, episodes: int, seed: int) -> dict:
    """The CLI's scripted expert on the same worlds: it writes every finished episode
    (--keep all) until every world's first one is in the file; those are scored."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "expert.hdf5"
        # Four episodes per world finish after every first one (at most 250 steps) in
        # practice; the check below says when they did not.
        cmd = [binary, "demos", "--env", "push-cube", "--keep", "all", "--seed", str(seed),
               "--worlds", str(episodes), "--episodes", str(4 * episodes), "--out", str(out)]
        subprocess.run(cmd, check=True, capture_output=True)
        with h5py.File(out, "r") as f:
            keys = ("success", "num_samples", "return")
            first = np.array([[g.attrs[k] for k in keys] for g in f["data"].values()
                              if g.attrs["episode"] == 0], np.float64)
    if len(first) != episodes:
        raise RuntimeError(f"the expert run finished {len(first)} of {episodes} first episodes")
    success, length, ret = first.mean(0)
    return {"episodes": episodes, "success": success, "length": length, "return": ret}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--demos", default="demos.hdf5", help="robomimic HDF5 from `manyworlds demos`")
    p.add_argument("--actions", default="actions", choices=["actions", "expert_actions"],
                   help="the targets: the executed actions or the expert's noise-free ones")
    p.add_argument("--features", default="push-frame", choices=FEATURES, help="the policy's input (see features())")
    p.add_argument("--positions-only", action="store_true", help="leave the velocities (qvel) out of the input")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="network initialization and batch order")
    p.add_argument("--episodes", type=int, default=500, help="evaluation episodes (one per world)")
    p.add_argument("--eval-seed", type=int, default=1000, help="env seed of the evaluation (not the demos')")
    p.add_argument("--expert-bin", default=None, help="the manyworlds binary: also score the scripted expert")
    a = p.parse_args()

    torch.manual_seed(a.seed)
    # The network is small: one thread is fastest, leaves the other cores to the env, and
    # keeps the run reproducible.
    torch.set_num_threads(1)
    start = time.time()
    obs, act, n_train = load(a.demos, "train", a.actions)
    obs_v, act_v, n_valid = load(a.demos, "valid", a.actions)
    with h5py.File(a.demos, "r") as f:
        demo_seed = json.loads(f["data"].attrs["env_args"])["manyworlds"]["seed"]
    if demo_seed == a.eval_seed:
        print(f"warning: the demos were recorded with seed {demo_seed}, the evaluation seed")
    x, xv = (features(o, a.features, a.positions_only) for o in (obs, obs_v))
    print(f"demos: {n_train} train episodes ({len(x)} samples), {n_valid} valid ({len(xv)}); "
          f"seed {demo_seed}; inputs {x.shape[1]}")

    envs = manyworlds.make_vec("push-cube", 1)
    space = envs.single_action_space
    envs.close()
    policy = Policy(x, space.high.astype(np.float32), a.hidden, a.layers)
    train(policy, x, act, xv, act_v, a)
    policy.eval()
    train_s = time.time() - start

    def bc(o: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return policy(torch.tensor(features(o, a.features, a.positions_only))).numpy()

    rng = np.random.default_rng(a.seed)

    def uniform(o: np.ndarray) -> np.ndarray:
        return rng.uniform(space.low, space.high, (len(o), len(space.low))).astype(np.float32)

    rows = {"bc": evaluate(bc, a.episodes, a.eval_seed), "random": evaluate(uniform, a.episodes, a.eval_seed)}
    if a.expert_bin:
        rows["expert (CLI)"] = evaluate_expert(a.expert_bin, a.episodes, a.eval_seed)

    print(f"\npush-cube, env seed {a.eval_seed}, first episode of each of {a.episodes} worlds "
          f"(training {train_s:.0f} s, total {time.time() - start:.0f} s)")
    print(f"{'policy':<14}{'episodes':>9}{'success':>10}{'mean len':>10}{'mean return':>13}")
    for name, r in rows.items():
        print(f"{name:<14}{r['episodes']:>9}{100 * r['success']:>9.1f}%{r['length']:>10.1f}{r['return']:>13.2f}")


if __name__ == "__main__":
    main()
