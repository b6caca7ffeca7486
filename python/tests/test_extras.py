"""Randomization through Python: per-world values, and a partial reset redraws only the
masked worlds."""

import numpy as np

import manyworlds

N = 8
SPEC = {"entries": [{"field": "body.mass_scale", "targets": ["pole"], "dist": {"uniform": [0.5, 2.0]}}]}


def test_randomized_params_follow_the_partial_reset():
    envs = manyworlds.make_vec("cartpole-rigid", N, seed=4, randomize=SPEC, autoreset_mode="Disabled")
    envs.reset()
    p0 = envs.randomized_params()
    assert set(p0) == {"body.mass_scale:pole"}
    v0 = p0["body.mass_scale:pole"]
    assert v0.shape == (N, 1) and np.all((v0 >= 0.5) & (v0 <= 2.0))
    assert len(np.unique(v0)) == N, "each world draws its own value"
    mask = np.zeros(N, np.bool_)
    mask[[1, 6]] = True
    envs.reset(options={"reset_mask": mask})
    v1 = envs.randomized_params()["body.mass_scale:pole"]
    assert np.array_equal(v1[~mask], v0[~mask])
    assert np.all(v1[mask] != v0[mask])
    # The same worlds' next episodes, drawn by a full reset-without-seed of a twin env.
    twin = manyworlds.make_vec("cartpole-rigid", N, seed=4, randomize=SPEC)
    twin.reset()
    twin.reset()
    v2 = twin.randomized_params()["body.mass_scale:pole"]
    assert np.array_equal(v1[mask], v2[mask])
    assert manyworlds.make_vec("cartpole", 2).randomized_params() is None
