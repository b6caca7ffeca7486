"""Shared fixtures. The tests run on whatever adapter the engine picks: lavapipe in CI."""

import os

import pytest

# The scene envs run on the engine's generic scene kernel (no private record copies), the
# one `cargo test` compiles first: on lavapipe a scene kernel takes minutes to compile, and
# Mesa's disk cache then serves it here. Step results are bitwise the same as with the
# registered envs' specialized kernels (tests/physics.rs checks it).
os.environ.setdefault("MANYWORLDS_PRIVATE_WORDS", "0")

import manyworlds  # noqa: E402

#: Envs that read Gymnasium's MuJoCo model files (MANYWORLDS_GYMNASIUM_ASSETS).
GYM_ASSET_ENVS = {
    name for name, _, needs in manyworlds._native.env_infos() if needs
}


def in_ci() -> bool:
    """`.ci/run` sets MANYWORLDS_CI: there, what a test needs and lacks is a failure."""
    return bool(os.environ.get("MANYWORLDS_CI") or os.environ.get("CI"))


def require_assets(name: str) -> None:
    """Skips a test of a Gymnasium-asset env when the files are absent, except in CI,
    where their absence is a failure."""
    if name in GYM_ASSET_ENVS and not os.environ.get("MANYWORLDS_GYMNASIUM_ASSETS"):
        if in_ci():
            pytest.fail("MANYWORLDS_GYMNASIUM_ASSETS is not set in CI")
        pytest.skip("MANYWORLDS_GYMNASIUM_ASSETS is not set")
