"""Interop with anchorpy3, which reads our Anchor IDL from its own environment.

anchorpy3 pins construct-typing < 0.6, which drags solana-py down to 0.36 and
solders to 0.26, so it cannot share the main environment (solders 0.29).
:mod:`.anchorpy_env` builds and runs a separate virtualenv for it;
:mod:`.fixtures` produces real-program fixtures for the tests that run there
(``tests/interop``); :mod:`.decode_bench` compares decoding speed.
"""

from sessions_tools.interop.anchorpy_env import (
    ANCHORPY_REQUIREMENTS,
    AnchorpyEnvError,
    anchorpy_env_dir,
    anchorpy_python,
    ensure_anchorpy_env,
    run_in_anchorpy_env,
)

__all__ = [
    "ANCHORPY_REQUIREMENTS",
    "AnchorpyEnvError",
    "anchorpy_env_dir",
    "anchorpy_python",
    "ensure_anchorpy_env",
    "run_in_anchorpy_env",
]
