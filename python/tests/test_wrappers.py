"""Gymnasium's vector wrappers run on a manyworlds env."""

import numpy as np
from gymnasium import spaces
from gymnasium.wrappers import vector as vw

import manyworlds

N = 32


def test_record_episode_statistics():
    envs = vw.RecordEpisodeStatistics(manyworlds.make_vec("cartpole", N, seed=1))
    envs.reset()
    seen = 0
    for _ in range(200):
        _, _, term, trunc, info = envs.step(envs.action_space.sample())
        if "episode" in info:
            done = info["_episode"]
            assert np.array_equal(done, term | trunc)
            # CartPole earns 1 per step: the return equals the length.
            np.testing.assert_array_equal(info["episode"]["r"][done], info["episode"]["l"][done])
            seen += done.sum()
    assert seen > 0


def test_normalize_observation_and_reward():
    envs = vw.NormalizeReward(vw.NormalizeObservation(manyworlds.make_vec("cartpole", N, seed=2)))
    obs, _ = envs.reset()
    for _ in range(50):
        obs, rew, *_ = envs.step(envs.action_space.sample())
        assert obs.shape == (N, 4) and np.all(np.isfinite(obs)) and np.all(np.isfinite(rew))
    assert envs.env.obs_rms.count > 50 * N


def test_clip_action_and_transform_observation():
    base = manyworlds.make_vec("cartpole-rigid", N, seed=3)
    envs = vw.ClipAction(base)
    envs.reset()
    big = np.full((N, 1), 5.0, np.float32)  # outside [-1, 1]: the engine would refuse it
    envs.step(big)
    squared = vw.TransformObservation(
        base,
        lambda o: o * 2,
        observation_space=spaces.Box(-np.inf, np.inf, (N, 4), np.float32),
    )
    obs, _ = squared.reset(seed=3)
    raw, _ = manyworlds.make_vec("cartpole-rigid", N).reset(seed=3)
    assert np.array_equal(obs, raw * 2)
