"""The guard evaluators built once for the package's tests: guard.c for the host and for SBF
(the probe program in a LiteSVM of its own); see support.py."""

from __future__ import annotations

import pytest

from .support import NativeGuard, Probe, build_probe


@pytest.fixture(scope="package")
def native(tmp_path_factory: pytest.TempPathFactory) -> NativeGuard:
    return NativeGuard(tmp_path_factory.mktemp("native-guard"))


@pytest.fixture(scope="package")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Probe:
    return Probe(build_probe(tmp_path_factory.mktemp("guard-probe")))
