"""``sessions build --portable``: the portable variant has its own output next to the default."""

from __future__ import annotations

from sessions_tools.paths import project_paths

from .support import invoke


def test_build_portable_writes_its_own_file() -> None:
    portable = invoke(["build", "--portable"])
    assert portable.exit_code == 0, portable.output
    assert "sessions-portable.so" in portable.stdout
    default = invoke(["build"])
    assert default.exit_code == 0, default.output
    assert "sessions-portable.so" not in default.stdout
    target = project_paths().target_dir
    assert (target / "sessions.so").read_bytes() != (target / "sessions-portable.so").read_bytes()
