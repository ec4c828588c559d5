"""``sessions localnet`` plumbing: config discovery, the build resolver and exit codes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from sessions_tools.localnet import LocalnetConfig
from sessions_tools.localnet.command import build_named_program, resolve_config, run_localnet

pytestmark = pytest.mark.localnet


def console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=200, color_system=None), buffer


def test_no_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_config(None) == LocalnetConfig()


def test_local_file_is_picked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "localnet.toml").write_text("[server]\nport = 1234\n")
    assert resolve_config(None).server.port == 1234


def test_unknown_build_target() -> None:
    with pytest.raises(ValueError, match="unknown program to build: 'other'"):
        build_named_program("other")


def test_unknown_validator_kind_is_exit_2() -> None:
    out, buffer = console()
    assert run_localnet(None, None, "mainnet", out) == 2
    assert "unknown validator 'mainnet'" in buffer.getvalue()


def test_bad_config_is_exit_2_and_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "localnet.toml"
    path.write_text('[server]\nhost = "0.0.0.0"\n')
    out, buffer = console()
    assert run_localnet(path, None, "embedded", out) == 2
    assert "server.host" in buffer.getvalue()


def test_missing_test_validator_is_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    path = tmp_path / "localnet.toml"
    path.write_text("")
    out, buffer = console()
    assert run_localnet(path, None, "test-validator", out) == 1
    assert "solana-test-validator is not on PATH" in buffer.getvalue()


def test_port_in_use_is_exit_1(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        path = tmp_path / "localnet.toml"
        path.write_text("")
        out, buffer = console()
        assert run_localnet(path, taken.getsockname()[1], "embedded", out) == 1
    assert "cannot serve" in buffer.getvalue()
