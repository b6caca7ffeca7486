"""CartPole against Gymnasium's own ``CartPoleVectorEnv``: from the same state, under the
same actions, every step agrees to float32 rounding."""

import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

import manyworlds

N = 64


def test_cartpole_matches_gymnasiums_vector_env_step_by_step():
    ours = manyworlds.make_vec("cartpole", N, copy=True)
    theirs = CartPoleVectorEnv(num_envs=N)
    obs, _ = ours.reset(seed=0)
    theirs.reset(seed=0)
    rng = np.random.default_rng(0)
    prev_done = np.zeros(N, np.bool_)
    compared = ended = 0
    for t in range(400):
        # The same state, step counters and pending resets as ours.
        theirs.state = obs.T.astype(np.float32).copy()
        theirs.steps = ours.get_state()["clocks"][:, 0].astype(np.int32) & 0x3FFFFFFF
        theirs.prev_done = prev_done.copy()
        a = rng.integers(0, 2, N)
        obs, rew, term, trunc, _ = ours.step(a)
        tobs, trew, tterm, ttrunc, _ = theirs.step(a)
        live = ~prev_done
        np.testing.assert_allclose(obs[live], tobs[live], rtol=1e-5, atol=1e-6, err_msg=f"step {t}")
        assert np.array_equal(rew, trew.astype(np.float32)), f"step {t}"
        assert np.array_equal(term, tterm), f"step {t}"
        assert np.array_equal(trunc, ttrunc), f"step {t}"
        compared += live.sum()
        ended += (term | trunc).sum()
        prev_done = term | trunc
    assert compared > 20000 and ended > 50
