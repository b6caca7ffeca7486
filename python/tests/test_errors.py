"""Bad input raises with a message that names what is wrong, and changes nothing."""

import json

import numpy as np
import pytest

import manyworlds

N = 4


def snapshot(envs):
    s = envs.get_state()
    return s["state"].copy(), s["clocks"].copy()


def assert_unchanged(envs, snap):
    s, c = snapshot(envs)
    assert np.array_equal(s, snap[0]) and np.array_equal(c, snap[1])


def test_unknown_env_names_the_known_ones():
    with pytest.raises(ValueError, match="nope") as e:
        manyworlds.make_vec("nope", 2)
    assert "cartpole" in str(e.value)


def test_bad_construction_arguments():
    with pytest.raises(ValueError, match="num_envs"):
        manyworlds.make_vec("cartpole", 0)
    with pytest.raises(ValueError, match="autoreset"):
        manyworlds.make_vec("cartpole", 2, autoreset_mode="sometimes")
    with pytest.raises(ValueError, match="allowed: 'cpu'"):
        manyworlds.make_vec("cartpole", 2, device="tpu")
    with pytest.raises(ValueError, match="widht"):
        manyworlds.make_vec("cartpole-rigid", 2, render={"widht": 8})
    with pytest.raises(ValueError, match="8192"):
        manyworlds.make_vec("cartpole-rigid", 2, render={"width": 0})


def test_bad_randomize_spec_names_the_field():
    spec = {
        "entries": [{"field": "geom.frictionn", "targets": ["pole"], "dist": {"uniform": [0.5, 1]}}]
    }
    with pytest.raises(ValueError, match="frictionn"):
        manyworlds.make_vec("cartpole-rigid", 2, randomize=spec)
    with pytest.raises(FileNotFoundError, match="no-such-spec.json"):
        manyworlds.make_vec("cartpole-rigid", 2, randomize="no-such-spec.json")


def test_bad_scene_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.xml"):
        manyworlds.make_vec(scene=tmp_path / "missing.xml", num_envs=2)
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<mujoco>\n<worldbody>\n<body>\n<geom type="sphere" size="-1"/>\n</body>\n'
        "</worldbody>\n</mujoco>\n"
    )
    with pytest.raises(ValueError, match="bad.xml") as e:
        manyworlds.make_vec(scene=bad, num_envs=2)
    assert "size" in str(e.value)


def test_bad_actions_raise_and_change_nothing():
    envs = manyworlds.make_vec("cartpole-rigid", N, seed=0)
    envs.reset()
    snap = snapshot(envs)
    cases = [
        (np.zeros((N, 2), np.float32), "shape"),
        (np.zeros(N, np.float32), "shape"),
        (np.full((N, 1), np.nan, np.float32), "world 0"),
        (np.full((N, 1), 3.0, np.float32), r"\[-1, 1\]"),
        (np.array([["a"]] * N), "dtype"),
        (object(), "actions"),
    ]
    for bad, match in cases:
        with pytest.raises(ValueError, match=match):
            envs.step(bad)
        assert_unchanged(envs, snap)
    nan_one = np.zeros((N, 1), np.float32)
    nan_one[2, 0] = np.inf
    with pytest.raises(ValueError, match="world 2"):
        envs.step(nan_one)
    assert_unchanged(envs, snap)
    envs.step(np.zeros((N, 1), np.float32))  # and the env still steps


def test_bad_discrete_actions():
    envs = manyworlds.make_vec("cartpole", N, seed=0)
    with pytest.raises(ValueError, match="reset"):
        envs.step(np.zeros(N, np.int64))
    envs.reset()
    snap = snapshot(envs)
    for bad in (np.full(N, 2), np.full(N, -1), np.full(N, 0.5)):
        with pytest.raises(ValueError, match="0..2"):
            envs.step(bad)
        assert_unchanged(envs, snap)


def test_bad_reset_arguments():
    envs = manyworlds.make_vec("cartpole", N, seed=0)
    envs.reset()
    snap = snapshot(envs)
    for options, match in [
        ({"reset_mask": [True] * N}, "numpy array"),
        ({"reset_mask": np.ones(N + 1, np.bool_)}, "shape"),
        ({"reset_mask": np.ones(N, np.int8)}, "dtype"),
        ({"reset_mask": np.zeros(N, np.bool_)}, "True"),
        ({"mask": np.ones(N, np.bool_)}, "unknown"),
    ]:
        with pytest.raises(ValueError, match=match):
            envs.reset(options=options)
        assert_unchanged(envs, snap)
    for seed in ([1, 2, 3, 4], -1, "7"):
        with pytest.raises(ValueError, match="seed"):
            envs.reset(seed=seed)
        assert_unchanged(envs, snap)


def test_bad_state_is_refused():
    envs = manyworlds.make_vec("cartpole-rigid", N, seed=0)
    envs.reset()
    snap = snapshot(envs)
    with pytest.raises(ValueError, match="shape"):
        envs.set_state({"state": np.zeros((N, 1), np.float32)})
    with pytest.raises(ValueError, match="qpos"):
        envs.set_state({"qpos": np.zeros((N, 99), np.float32), "qvel": np.zeros((N, 2), np.float32)})
    with pytest.raises(ValueError, match="allowed"):
        envs.set_state({"velocity": 1})
    assert_unchanged(envs, snap)
    with pytest.raises(ValueError, match="scene"):
        manyworlds.make_vec("cartpole", 2).native.get_qpos_qvel()


def test_state_round_trip_replays_bit_for_bit():
    envs = manyworlds.make_vec("cartpole-rigid", N, seed=0, copy=True)
    envs.reset()
    a = np.full((N, 1), 0.5, np.float32)
    envs.step(a)
    saved = envs.get_state()
    first = [envs.step(a)[0] for _ in range(5)]
    envs.set_state({"state": saved["state"], "clocks": saved["clocks"]})
    again = [envs.step(a)[0] for _ in range(5)]
    for x, y in zip(first, again):
        assert np.array_equal(x, y)
    q = envs.get_state()
    assert q["qpos"].shape == (N, 2) and q["qvel"].shape == (N, 2)
    envs.set_state({"qpos": q["qpos"], "qvel": q["qvel"]})
    np.testing.assert_allclose(envs.get_state()["qpos"], q["qpos"], atol=1e-5)
    assert json.dumps(envs.adr_ranges()) == "[]"


def test_cuda_device_explains_what_it_needs():
    """``device="cuda"`` without the ``cuda`` build, or without an NVIDIA driver whose
    GPU is the engine's Vulkan adapter, is a ValueError that says which."""
    if manyworlds._native.CUDA:
        pytest.skip("a cuda build: tested on an NVIDIA GPU (tests/external_memory.rs here)")
    with pytest.raises(ValueError, match="no CUDA support.*--features cuda"):
        manyworlds.make_vec("cartpole", 2, device="cuda")
