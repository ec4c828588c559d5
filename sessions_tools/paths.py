"""Where the program's sources, the IDL and build outputs live.

In a source checkout (the README's install is editable) they are the repo's
``program/`` and ``idl/``; in a wheel they are bundled under
``sessions_tools/_bundled``. Build outputs go to ``target/deploy`` in a
checkout, else to the user's cache directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


#: The default build's file name under ``target_dir`` (other variants add a suffix).
PROGRAM_SO_NAME = "sessions.so"


@dataclass(frozen=True, slots=True)
class ProjectPaths:
    program_src: Path
    program_include: Path
    idl: Path
    target_dir: Path

    @property
    def program_so(self) -> Path:
        return self.target_dir / PROGRAM_SO_NAME


def project_paths() -> ProjectPaths:
    """Locate sources and outputs for this installation."""
    repo = _PACKAGE.parent
    if (repo / "program" / "src").is_dir() and (repo / "pyproject.toml").is_file():
        return ProjectPaths(
            repo / "program" / "src",
            repo / "program" / "include",
            repo / "idl" / "sessions.json",
            repo / "target" / "deploy",
        )
    bundled = _PACKAGE / "_bundled"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "solana-sessions"
    return ProjectPaths(
        bundled / "program" / "src",
        bundled / "program" / "include",
        bundled / "idl" / "sessions.json",
        cache,
    )


def repo_root() -> Path | None:
    """The source checkout's root, if this is one (for codegen, which writes files)."""
    repo = _PACKAGE.parent
    return repo if (repo / "pyproject.toml").is_file() else None
