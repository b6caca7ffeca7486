"""The returned arrays view the engine's read-back memory; copy=True returns owned ones."""

import numpy as np

import manyworlds

N = 8


class DlpackOnly:
    """An array that offers only DLPack, as GPU-framework tensors on the host do."""

    def __init__(self, a):
        self._a = a

    def __dlpack__(self, **kwargs):
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


def test_results_alias_the_readback_slots():
    envs = manyworlds.make_vec("cartpole", N, seed=0)
    obs0, _ = envs.reset()
    native = envs.native
    assert obs0.base is native, "the env is the arrays' base object"
    assert not obs0.flags.writeable and not obs0.flags.owndata
    a = np.zeros(N, np.int64)
    r1 = envs.step(a)
    r2 = envs.step(a)
    r3 = envs.step(a)
    # Two read-back slots: steps 1 and 3 land in the same memory, step 2 in the other.
    assert r1[0] is r3[0] and r1[1] is r3[1]
    assert not np.shares_memory(r1[0], r2[0])
    # What the engine holds now is what step 3 returned, with no copy in between.
    assert np.shares_memory(r3[0], native.view()[0])
    state = envs.get_state()["state"]
    assert np.array_equal(r3[0], state)


def test_copies_survive_later_steps():
    envs = manyworlds.make_vec("cartpole", N, seed=0, copy=True)
    envs.reset()
    obs, rew, term, trunc, _ = envs.step(np.ones(N, np.int64))
    assert obs.flags.writeable and obs.flags.owndata
    kept = obs.copy()
    for _ in range(4):
        envs.step(np.ones(N, np.int64))
    assert np.array_equal(obs, kept)


def test_dlpack_both_ways():
    envs = manyworlds.make_vec("cartpole-rigid", N, seed=0)
    obs, _ = envs.reset()
    viewed = np.from_dlpack(obs)
    assert np.shares_memory(viewed, obs)
    act = DlpackOnly(np.full((N, 1), 0.5, np.float32))
    envs.step(act)
    ref = manyworlds.make_vec("cartpole-rigid", N, seed=0)
    ref.reset()
    assert np.array_equal(ref.step(np.full((N, 1), 0.5, np.float32))[0], envs.native.view()[0])


def test_rendered_observations_are_strided_views(tmp_path):
    envs = manyworlds.make_vec(
        "cartpole-rigid",
        2,
        seed=0,
        render={"width": 16, "height": 12, "outputs": ["rgb", "depth", "segmentation"]},
    )
    obs, _ = envs.reset()
    assert set(obs) == {"state", "rgb", "depth", "segmentation"}
    cams = obs["rgb"].shape[1]
    assert obs["rgb"].shape == (2, cams, 12, 16, 3) and obs["rgb"].dtype == np.uint8
    assert obs["depth"].shape == (2, cams, 12, 16) and obs["depth"].dtype == np.float32
    assert obs["segmentation"].dtype == np.uint32
    # The alpha byte is skipped by the strides, not copied out.
    assert obs["rgb"].strides[-2:] == (4, 1)
    assert obs in envs.observation_space
    frame = envs.render()
    assert frame.shape == obs["rgb"].shape and np.array_equal(frame, obs["rgb"])
    assert (obs["segmentation"] > 0).any(), "something is in view"
