"""manyworlds: thousands of simulated worlds stepped together on the GPU, as Gymnasium
vector envs.

>>> import manyworlds
>>> envs = manyworlds.make_vec("cartpole", 1024, seed=0)
>>> obs, info = envs.reset()

Every registered env is also registered with Gymnasium as ``manyworlds/<name>``, so
``gymnasium.make_vec("manyworlds/cartpole", num_envs=1024)`` works after
``import manyworlds``.
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium
from gymnasium.vector import AutoresetMode

from . import _native
from .vector import ManyworldsVectorEnv

__version__ = _native.__version__
__all__ = ["make_vec", "env_names", "adapter", "ManyworldsVectorEnv", "AutoresetMode"]


def env_names() -> list[str]:
    """The registered env names (``cartpole``, ``boxes``, ``ant``, ...)."""
    return list(_native.env_names())


def adapter() -> str:
    """The GPU adapter envs run on (opens the device on first use)."""
    return _native.adapter()


def make_vec(
    env_id: str | None = None,
    num_envs: int = 1,
    *,
    scene: str | os.PathLike | None = None,
    autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    render: dict | None = None,
    randomize: dict | str | os.PathLike | None = None,
    seed: int | None = None,
    device: str = "cpu",
    copy: bool = False,
    **kwargs: Any,
) -> ManyworldsVectorEnv:
    """``num_envs`` worlds of the registered env ``env_id`` (or of the MJCF file ``scene``)
    as a ``gymnasium.vector.VectorEnv``.

    - ``autoreset_mode``: Gymnasium's next-step (default), same-step or disabled.
    - ``render``: ``{"width", "height", "cameras", "outputs": ["rgb", "depth",
      "segmentation"]}``; observations become a Dict with ``state`` and the images.
    - ``randomize``: a domain-randomization spec (a dict, or a JSON file path).
    - ``seed``: the seed of the first ``reset()`` that gives none.
    - ``device``: ``"cpu"`` (host numpy arrays) or ``"cuda"``: observations, rewards and
      images as torch CUDA tensors that view the engine's Vulkan memory imported into
      CUDA (a wheel built with the ``cuda`` feature, Linux, Vulkan on an NVIDIA GPU; not
      yet run on one). Terminations and truncations are copied to the GPU.
    - ``copy``: return owned arrays instead of views valid until the next step.
    - ``keyframe``, ``lenient``, ``reward_terms``, ``render_mode``: see
      ``ManyworldsVectorEnv``.
    """
    return ManyworldsVectorEnv(
        env_id,
        num_envs,
        scene=scene,
        autoreset_mode=autoreset_mode,
        render=render,
        randomize=randomize,
        seed=seed,
        device=device,
        copy=copy,
        **kwargs,
    )


def _register() -> None:
    for name in _native.env_names():
        env_id = f"manyworlds/{name}"
        if env_id not in gymnasium.registry:
            gymnasium.register(
                id=env_id,
                vector_entry_point="manyworlds.vector:_entry_point",
                kwargs={"env_id": name},
            )


_register()
