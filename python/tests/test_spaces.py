"""Spaces, dtypes and shapes of every registered env, through make_vec and Gymnasium."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import manyworlds
from conftest import require_assets

N = 3


@pytest.mark.parametrize("name", manyworlds.env_names())
def test_spaces_and_one_step(name):
    require_assets(name)
    envs = manyworlds.make_vec(name, N, seed=7)
    try:
        assert envs.num_envs == N
        assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
        single_a = envs.single_action_space
        assert isinstance(single_a, (spaces.Discrete, spaces.Box))
        if isinstance(single_a, spaces.Box):
            assert single_a.dtype == np.float32
            assert envs.action_space.shape == (N, *single_a.shape)
            assert np.all(single_a.low <= single_a.high)
        else:
            assert envs.action_space == spaces.MultiDiscrete([single_a.n] * N)
        obs_space = envs.single_observation_space
        state = obs_space["state"] if isinstance(obs_space, spaces.Dict) else obs_space
        assert state.dtype == np.float32 and len(state.shape) == 1

        obs, info = envs.reset()
        assert info == {}
        assert obs in envs.observation_space
        actions = envs.action_space.sample()
        obs, rew, term, trunc, info = envs.step(actions)
        assert obs in envs.observation_space
        assert rew.shape == (N,) and rew.dtype == np.float32
        assert term.shape == (N,) and term.dtype == np.bool_
        assert trunc.shape == (N,) and trunc.dtype == np.bool_
        assert np.all(np.isfinite(rew))
        if isinstance(obs, dict):
            for key, part in obs.items():
                assert part.shape == envs.observation_space[key].shape, key
                assert part.dtype == envs.observation_space[key].dtype, key
    finally:
        envs.close()


def test_gymnasium_make_vec_builds_the_registered_env():
    envs = gym.make_vec("manyworlds/cartpole", num_envs=5)
    assert isinstance(envs.unwrapped, manyworlds.ManyworldsVectorEnv)
    assert envs.spec.id == "manyworlds/cartpole"
    assert envs.num_envs == 5
    obs, _ = envs.reset(seed=1)
    assert obs.shape == (5, 4)
    ours = manyworlds.make_vec("cartpole", 5)
    assert np.array_equal(ours.reset(seed=1)[0], obs)


def test_every_registered_env_is_registered_with_gymnasium():
    for name in manyworlds.env_names():
        assert f"manyworlds/{name}" in gym.registry
