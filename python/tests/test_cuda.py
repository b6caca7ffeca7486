"""``device="cuda"``: the CUDA tensors equal the host read-back, bit for bit, after every
reset and step. Runs only where it can: a build with the ``cuda`` feature
(``MATURIN_PEP517_ARGS="--features cuda" pip install ./python``), an NVIDIA GPU that the
engine drives through Vulkan, and torch with CUDA. Elsewhere it is skipped; the export half
is tested on lavapipe by ``tests/external_memory.rs``."""

import numpy as np
import pytest

import manyworlds

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.skipif(
    not (manyworlds._native.CUDA and torch.cuda.is_available()),
    reason="needs a cuda build of manyworlds, an NVIDIA GPU and torch with CUDA",
)


def bits(x) -> np.ndarray:
    """The raw bytes of a tensor or array, on the host."""
    a = x.cpu().numpy() if hasattr(x, "cpu") else np.asarray(x)
    return np.ascontiguousarray(a).view(np.uint8).reshape(-1)


def check(envs, out, what: str) -> None:
    host = envs.native.view()
    obs = out[0]["state"] if isinstance(out[0], dict) else out[0]
    assert obs.is_cuda, what
    np.testing.assert_array_equal(bits(obs), bits(host[0]), err_msg=f"{what}: obs")
    if len(out) > 2:
        np.testing.assert_array_equal(bits(out[1]), bits(host[1]), err_msg=f"{what}: rewards")
        assert torch.equal(out[2].cpu(), torch.from_numpy(np.array(host[2]))), what
    flags = envs.native.cuda_arrays()["flags"]
    np.testing.assert_array_equal(
        bits(torch.from_dlpack(flags)), bits(host[4]), err_msg=f"{what}: flags"
    )
    if isinstance(out[0], dict) and "rgb" in out[0]:
        np.testing.assert_array_equal(
            out[0]["rgb"].cpu().numpy(), np.asarray(host[6]), err_msg=f"{what}: rgb"
        )


@pytest.mark.parametrize("mode", ["next_step", "same_step", "disabled"])
def test_cuda_tensors_equal_the_host_readback(mode):
    envs = manyworlds.make_vec("cartpole", 257, autoreset_mode=mode, seed=3, device="cuda")
    check(envs, envs.reset(), "reset")
    rng = np.random.default_rng(0)
    for t in range(120):
        check(envs, envs.step(rng.integers(0, 2, 257)), f"step {t}")


def test_cuda_images_equal_the_host_readback():
    envs = manyworlds.make_vec(
        "cartpole-rigid", 3, seed=1, device="cuda",
        render={"width": 16, "height": 12, "outputs": ["rgb", "depth"]},
    )
    check(envs, envs.reset(), "reset")
    for t in range(5):
        check(envs, envs.step(np.zeros((3, 1), np.float32)), f"step {t}")
