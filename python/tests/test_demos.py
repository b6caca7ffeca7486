"""The demonstrations file that `manyworlds demos` writes, read with h5py the way
robomimic's loaders read it (`env_args` JSON, `mask/*` byte strings, `num_samples`,
`obs`/`next_obs` keys)."""

import json
import os
import subprocess

import numpy as np
import pytest

from conftest import in_ci

try:
    import h5py
except ImportError:  # the `test` extra installs it
    h5py = None


def binary() -> str:
    """The `manyworlds` CLI (MANYWORLDS_BIN; `.ci/run` points it at the release build)."""
    if h5py is None:
        if in_ci():
            pytest.fail("h5py is not installed in CI (the `test` extra installs it)")
        pytest.skip("h5py is not installed")
    path = os.environ.get("MANYWORLDS_BIN")
    if not path or not os.path.exists(path):
        if in_ci():
            pytest.fail("MANYWORLDS_BIN does not name the manyworlds binary in CI")
        pytest.skip("MANYWORLDS_BIN is not set")
    return path


def test_demos_read_as_robomimic_reads_them(tmp_path):
    out = tmp_path / "demos.hdf5"
    subprocess.run(
        [binary(), "demos", "--env", "push-cube", "--worlds", "8", "--episodes", "10",
         "--render", "32x32", "--outputs", "rgb,depth", "--seed", "5", "--out", str(out)],
        check=True, capture_output=True,
    )
    with h5py.File(out, "r") as f:
        env_meta = json.loads(f["data"].attrs["env_args"])
        assert env_meta["env_name"] == "manyworlds/push-cube"
        assert env_meta["manyworlds"]["seed"] == 5
        train = [e.decode("utf-8") for e in np.array(f["mask/train"][:])]
        valid = [e.decode("utf-8") for e in np.array(f["mask/valid"][:])]
        assert valid == ["demo_9"] and len(train) == 9
        demos = sorted(f["data"].keys(), key=lambda k: int(k[5:]))
        assert demos == [f"demo_{i}" for i in range(10)]
        total = 0
        for k in demos:
            d = f["data"][k]
            t = int(d.attrs["num_samples"])
            total += t
            assert d["actions"].shape == (t, 2) and d["actions"].dtype == np.float32
            assert d["rewards"].shape == (t,) and d["dones"].shape == (t,)
            assert d["dones"][-1] == 1 and bool(d.attrs["success"])
            assert d["states"].shape[0] == t
            assert set(d["obs"].keys()) == {"state", "top_image", "top_depth"}
            assert set(d["next_obs"].keys()) == set(d["obs"].keys())
            img = d["obs/top_image"][:]
            assert img.shape == (t, 32, 32, 3) and img.dtype == np.uint8
            assert d["obs/top_depth"].shape == (t, 32, 32)
            nxt = d["next_obs/top_image"][:]
            np.testing.assert_array_equal(nxt[:-1], img[1:])
            assert nxt[-1].any(), "the frame after the last step is rendered"
            assert d["obs/top_image"].chunks == (1, 32, 32, 3)
            assert d["obs/top_image"].compression == "gzip"
            np.testing.assert_array_equal(d["next_obs/state"][:-1], d["obs/state"][1:])
            params = json.loads(d.attrs["params"])
            assert "body.mass_scale:cube" in params
        assert int(f["data"].attrs["total"]) == total
