"""Testing utilities for code built on the sessions program.

The pytest plugin (:mod:`sessions_tools.testing.plugin`) is registered through
the ``pytest11`` entry point, so installing this package makes its fixtures
available to every test suite; see that module for the list. The helpers here
are plain functions usable outside pytest too.
"""

from __future__ import annotations

from sessions_tools.testing.helpers import (
    DEFAULT_MAX_DURATION,
    DEFAULT_PAYER_LAMPORTS,
    make_session_params,
    raise_for_outcome,
)

__all__ = [
    "DEFAULT_MAX_DURATION",
    "DEFAULT_PAYER_LAMPORTS",
    "make_session_params",
    "raise_for_outcome",
]
