"""The three autoreset modes against the engine's disabled mode driven by hand.

The reference is a disabled-mode env of the same env and seed, stepped with the same
actions, whose finished worlds are reset through ``options={"reset_mask": ...}``, i.e.
what Gymnasium's ``SyncVectorEnv`` does world by world. Everything must agree bit for
bit: the same kernel computes both.
"""

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import manyworlds

N = 16
SEED = 3


def actions(env, t):
    return manyworlds._native.sample_actions(env.native, 11, t).reshape(env.action_space.shape)


def reference_step(ref, a, reset_mask):
    """Steps `ref` (disabled mode, copies on), then resets `reset_mask`'s worlds; returns
    the step's results and the observations after the resets."""
    obs, rew, term, trunc, _ = ref.step(a)
    after = obs
    if reset_mask.any():
        after, _ = ref.reset(options={"reset_mask": reset_mask})
    return obs, rew, term, trunc, after


@pytest.mark.parametrize("name,steps", [("cartpole", 300), ("cartpole-rigid", 120)])
def test_next_step_matches_the_reference(name, steps):
    env = manyworlds.make_vec(name, N, autoreset_mode="NextStep", copy=True)
    ref = manyworlds.make_vec(name, N, autoreset_mode=AutoresetMode.DISABLED, copy=True)
    o, _ = env.reset(seed=SEED)
    r, _ = ref.reset(seed=SEED)
    assert np.array_equal(o, r)
    prev_done = np.zeros(N, np.bool_)
    resets = 0
    for t in range(steps):
        a = actions(env, t)
        obs, rew, term, trunc, _ = env.step(a)
        # The worlds that finished last step only reset now: their action is ignored.
        robs, rrew, rterm, rtrunc, _ = ref.step(a)
        if prev_done.any():
            after, _ = ref.reset(options={"reset_mask": prev_done})
            robs = np.where(prev_done[:, None], after, robs)
            rrew = np.where(prev_done, 0, rrew)
            rterm = rterm & ~prev_done
            rtrunc = rtrunc & ~prev_done
            resets += prev_done.sum()
        assert np.array_equal(obs, robs), f"step {t}"
        assert np.array_equal(rew, rrew), f"step {t}"
        assert np.array_equal(term, rterm) and np.array_equal(trunc, rtrunc), f"step {t}"
        prev_done = term | trunc
    assert resets > 0, "the test must see episodes end"


@pytest.mark.parametrize("name,steps", [("cartpole", 300), ("cartpole-rigid", 120)])
def test_same_step_matches_the_reference(name, steps):
    env = manyworlds.make_vec(name, N, autoreset_mode="SameStep", copy=True)
    ref = manyworlds.make_vec(name, N, autoreset_mode="Disabled", copy=True)
    env.reset(seed=SEED)
    ref.reset(seed=SEED)
    finals = 0
    for t in range(steps):
        a = actions(env, t)
        obs, rew, term, trunc, info = env.step(a)
        robs, rrew, rterm, rtrunc, _ = ref.step(a)
        done = rterm | rtrunc
        after = robs
        if done.any():
            after, _ = ref.reset(options={"reset_mask": done})
            assert np.array_equal(info["_final_obs"], done)
            for w in np.flatnonzero(done):
                assert np.array_equal(info["final_obs"][w], robs[w]), f"step {t} world {w}"
            assert all(info["final_obs"][w] is None for w in np.flatnonzero(~done))
            finals += done.sum()
        else:
            assert "final_obs" not in info
        assert np.array_equal(obs, np.where(done[:, None], after, robs)), f"step {t}"
        assert np.array_equal(rew, rrew) and np.array_equal(term, rterm)
        assert np.array_equal(trunc, rtrunc)
    assert finals > 0


def test_disabled_mode_never_resets_and_reset_mask_resets_only_masked():
    env = manyworlds.make_vec("cartpole", N, autoreset_mode="Disabled", copy=True)
    env.reset(seed=SEED)
    ever = np.zeros(N, np.bool_)
    for t in range(60):
        obs, rew, term, trunc, _ = env.step(actions(env, t))
        assert np.all(rew[ever] == 0), "steps after termination earn 0"
        ever |= term
    assert ever.any()
    before = env.get_state()
    mask = np.zeros(N, np.bool_)
    mask[::3] = True
    obs, _ = env.reset(options={"reset_mask": mask})
    after = env.get_state()
    keep = ~mask
    assert np.array_equal(after["state"][keep], before["state"][keep])
    assert np.array_equal(after["clocks"][keep], before["clocks"][keep])
    assert np.all(after["clocks"][mask, 0] == 0), "masked worlds start a new episode"
    assert np.all(after["clocks"][mask, 1] == before["clocks"][mask, 1] + 1)
    assert np.array_equal(obs, after["state"])


def test_reset_without_seed_starts_the_next_episode_of_every_world():
    env = manyworlds.make_vec("cartpole", N, seed=5, copy=True)
    first, _ = env.reset()
    again = manyworlds.make_vec("cartpole", N, copy=True).reset(seed=5)[0]
    assert np.array_equal(first, again), "make_vec's seed is the first reset's"
    second, _ = env.reset()
    assert not np.array_equal(first, second)
    assert np.all(env.get_state()["clocks"][:, 1] == 1)
    # A seed restarts from episode 0, bit for bit.
    third, _ = env.reset(seed=5)
    assert np.array_equal(first, third)


def test_step_many_equals_repeated_steps():
    a_env = manyworlds.make_vec("cartpole-rigid", N, copy=True)
    b_env = manyworlds.make_vec("cartpole-rigid", N, copy=True)
    a_env.reset(seed=2)
    b_env.reset(seed=2)
    act = np.full((N, 1), 0.25, np.float32)
    for _ in range(7):
        a = a_env.step(act)
    b = b_env.step_many(act, 7)
    for x, y in zip(a[:4], b[:4]):
        assert np.array_equal(x, y)
    assert np.array_equal(a_env.get_state()["state"], b_env.get_state()["state"])
