"""PPO on a manyworlds vector env, in the style of CleanRL's single-file ppo.py.

    pip install "./python[examples]"
    python python/examples/ppo.py --env cartpole            # solves CartPole (mean return >= 475)
    python python/examples/ppo.py --env hopper --total-steps 3000000 --num-envs 256

Discrete action spaces get a categorical policy, box spaces a diagonal Gaussian (actions
clipped to the box before the env sees them, as Gymnasium's ClipAction). Observations are
normalized for box envs. Writes the learning curve (PNG) and one JSON line per update.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

# Before manyworlds: on lavapipe, Mesa loads its own LLVM, and torch's Triton (imported
# lazily by torch._dynamo, e.g. by the optimizers) crashes if it loads a second LLVM after it.
import torch._dynamo  # noqa: F401
import torch.nn as nn
from gymnasium import spaces
from gymnasium.wrappers import vector as vw
from torch.distributions import Categorical, Normal

import manyworlds


def layer(i: int, o: int, std: float = np.sqrt(2)) -> nn.Linear:
    lin = nn.Linear(i, o)
    nn.init.orthogonal_(lin.weight, std)
    nn.init.constant_(lin.bias, 0.0)
    return lin


class Agent(nn.Module):
    def __init__(self, obs_dim: int, action_space: spaces.Space, hidden: int):
        super().__init__()
        self.discrete = isinstance(action_space, spaces.Discrete)
        out = action_space.n if self.discrete else action_space.shape[0]
        self.critic = nn.Sequential(
            layer(obs_dim, hidden), nn.Tanh(), layer(hidden, hidden), nn.Tanh(), layer(hidden, 1, 1.0)
        )
        self.actor = nn.Sequential(
            layer(obs_dim, hidden), nn.Tanh(), layer(hidden, hidden), nn.Tanh(), layer(hidden, out, 0.01)
        )
        if not self.discrete:
            self.log_std = nn.Parameter(torch.zeros(out))

    def value(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic(x).squeeze(-1)

    def dist(self, x: torch.Tensor):
        if self.discrete:
            return Categorical(logits=self.actor(x))
        mean = self.actor(x)
        return Normal(mean, self.log_std.expand_as(mean).exp())

    def act(self, x: torch.Tensor, a: torch.Tensor | None = None):
        d = self.dist(x)
        if a is None:
            a = d.sample()
        logp = d.log_prob(a)
        ent = d.entropy()
        if not self.discrete:
            logp, ent = logp.sum(-1), ent.sum(-1)
        return a, logp, ent, self.value(x)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="cartpole")
    # CleanRL's CartPole defaults (4 envs x 128 steps, 500k steps): with 16 envs, 4
    # minibatches and 4 epochs the policy takes a quarter of the gradient steps per sample,
    # and one seed in the runs recorded in the README peaked at 448 and fell back.
    p.add_argument("--num-envs", type=int, default=4)
    p.add_argument("--num-steps", type=int, default=128, help="steps per env per update")
    p.add_argument("--total-steps", type=int, default=500_000)
    p.add_argument("--lr", type=float, default=2.5e-4)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--minibatches", type=int, default=4)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--clip", type=float, default=0.2)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--target", type=float, default=None, help="stop once the mean return of the last 100 episodes reaches it")
    p.add_argument("--plot", default=None, help="learning-curve PNG (default: ppo_<env>.png)")
    a = p.parse_args()

    torch.manual_seed(a.seed)
    # The networks are small: one thread is fastest, and leaves the other cores to the env.
    torch.set_num_threads(1)
    base = manyworlds.make_vec(a.env, a.num_envs, seed=a.seed)
    box = isinstance(base.single_action_space, spaces.Box)
    stats = vw.RecordEpisodeStatistics(base, buffer_length=100)
    # Box envs: clip actions to the box, normalize observations and rewards (as CleanRL's
    # continuous-action PPO); the statistics wrapper sees the raw rewards.
    envs = (
        vw.NormalizeReward(vw.NormalizeObservation(vw.ClipAction(stats)), gamma=a.gamma)
        if box
        else stats
    )
    obs_dim = envs.single_observation_space.shape[0]
    agent = Agent(obs_dim, envs.single_action_space, a.hidden)
    opt = torch.optim.Adam(agent.parameters(), lr=a.lr, eps=1e-5)
    n, t_len = a.num_envs, a.num_steps
    act_shape = envs.single_action_space.shape
    obs_b = torch.zeros((t_len, n, obs_dim))
    act_b = torch.zeros((t_len, n, *act_shape))
    logp_b, rew_b, done_b, val_b = (torch.zeros((t_len, n)) for _ in range(4))

    obs, _ = envs.reset()
    # The arrays envs.step returns view the engine's memory until the next step:
    # torch.tensor copies them into the rollout buffer.
    next_obs = torch.tensor(obs, dtype=torch.float32)
    next_done = torch.zeros(n)
    updates = a.total_steps // (n * t_len)
    curve, start, steps = [], time.time(), 0
    print(f"adapter: {envs.unwrapped.adapter}; env {a.env}, {n} worlds, {updates} updates")
    for update in range(updates):
        frac = 1.0 - update / updates
        opt.param_groups[0]["lr"] = frac * a.lr
        for t in range(t_len):
            obs_b[t], done_b[t] = next_obs, next_done
            with torch.no_grad():
                action, logp, _, value = agent.act(next_obs)
            act_b[t], logp_b[t], val_b[t] = action, logp, value
            obs, rew, term, trunc, info = envs.step(action.numpy())
            # Next-step autoreset: a world that ended returns its last observation now,
            # and the next step resets it (that step is masked out by `done`).
            rew_b[t] = torch.tensor(rew, dtype=torch.float32)
            next_obs = torch.tensor(obs, dtype=torch.float32)
            next_done = torch.tensor(term | trunc, dtype=torch.float32)
            steps += n
        # GAE; a world whose episode ended at t contributes nothing past t.
        with torch.no_grad():
            next_val = agent.value(next_obs)
            adv = torch.zeros_like(rew_b)
            last = torch.zeros(n)
            for t in reversed(range(t_len)):
                nonterminal = 1.0 - (next_done if t == t_len - 1 else done_b[t + 1])
                nv = next_val if t == t_len - 1 else val_b[t + 1]
                delta = rew_b[t] + a.gamma * nv * nonterminal - val_b[t]
                # The step that resets a world (done_b[t] = 1 from the step before) has
                # reward 0 and an ignored action: it is left out of the loss below.
                last = delta + a.gamma * a.gae_lambda * nonterminal * last
                adv[t] = last
            ret = adv + val_b
        valid = (done_b == 0).reshape(-1)
        b_obs = obs_b.reshape(-1, obs_dim)[valid]
        b_act = act_b.reshape(-1, *act_shape)[valid]
        b_logp, b_adv, b_ret = (x.reshape(-1)[valid] for x in (logp_b, adv, ret))
        size = b_obs.shape[0]
        mb = max(size // a.minibatches, 1)
        for _ in range(a.epochs):
            perm = torch.randperm(size)
            for s in range(0, size - mb + 1, mb):  # whole minibatches only
                i = perm[s : s + mb]
                _, logp, ent, v = agent.act(b_obs[i], b_act[i])
                ratio = (logp - b_logp[i]).exp()
                adv_i = (b_adv[i] - b_adv[i].mean()) / (b_adv[i].std() + 1e-8)
                pg = torch.max(-adv_i * ratio, -adv_i * ratio.clamp(1 - a.clip, 1 + a.clip)).mean()
                loss = pg + a.vf_coef * ((v - b_ret[i]) ** 2).mean() - a.ent_coef * ent.mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                opt.step()
        returns = list(stats.return_queue)
        mean_ret = float(np.mean(returns)) if returns else float("nan")
        wall = time.time() - start
        curve.append((steps, mean_ret, wall))
        print(json.dumps({"update": update + 1, "env_steps": steps, "mean_return_100": round(mean_ret, 2),
                          "wall_s": round(wall, 1), "env_steps_per_s": round(steps / wall)}), flush=True)
        if a.target is not None and len(returns) >= 100 and mean_ret >= a.target:
            print(f"reached mean return {mean_ret:.1f} >= {a.target} after {steps} env steps, {wall:.0f} s")
            break
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot([c[0] for c in curve], [c[1] for c in curve])
        ax.set_xlabel("env steps")
        ax.set_ylabel("mean return (last 100 episodes)")
        ax.set_title(f"PPO on manyworlds/{a.env}, {n} worlds ({envs.unwrapped.adapter.split(' (')[0]})")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = a.plot or f"ppo_{a.env}.png"
        fig.savefig(path, dpi=100)
        print(f"learning curve: {path}")
    except ImportError:
        print("matplotlib is not installed: no plot")


if __name__ == "__main__":
    main()
