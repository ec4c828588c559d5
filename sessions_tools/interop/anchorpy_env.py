"""A separate virtualenv for anchorpy3, created on demand and reused while it is current.

anchorpy3 0.4.5 (the anchorpy fork that reads 0.30+ IDLs) requires
construct-typing < 0.6, and so does solana-py up to 0.36.x; solana-py 0.41,
which this project uses, requires construct-typing >= 0.8. Installing anchorpy
next to it would silently downgrade solana to 0.36.6 and solders to 0.26.0, so
anchorpy lives in ``<root>/.venv-anchorpy`` instead, with every package pinned
to the set that resolved and passed ``tests/interop`` (solders 0.26.0 ships
LiteSVM too, and runs our SBPF v0 program).

:func:`ensure_anchorpy_env` creates the environment when it is missing or
when :data:`ANCHORPY_REQUIREMENTS` (or the interpreter) changed since it was
built, which a stamp file records; otherwise it only reads the stamp.
Concurrent callers serialize on a lock file, so two test processes never
build the same environment at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from sessions_tools.paths import repo_root

#: The environment's directory name, under the root (``.venv-*/`` is gitignored).
ENV_DIR_NAME: Final = ".venv-anchorpy"
_STAMP_NAME: Final = ".sessions-anchorpy-stamp.json"
_STAMP_FORMAT: Final = 1

#: Everything the environment holds, pinned: the set pip resolved for
#: ``anchorpy3==0.4.5`` + ``pytest`` on CPython 3.11, with which the interop
#: tests pass. solana 0.36.6 is the newest solana-py that accepts
#: construct-typing < 0.6, and it caps solders below 0.27.
ANCHORPY_REQUIREMENTS: Final[tuple[str, ...]] = (
    "anchorpy3==0.4.5",
    "anchorpy3-core==0.4.0",
    "solana==0.36.6",
    "solders==0.26.0",
    "construct==2.10.68",
    "construct-typing==0.5.6",
    "borsh-construct==0.1.0",
    "sumtypes==0.1a6",
    "based58==0.1.1",
    "pyheck==0.1.5",
    "jsonalias==0.1.1",
    "toml==0.10.2",
    "toolz==0.11.2",
    "attrs==26.1.0",
    "typing_extensions==4.16.0",
    "httpx==0.28.1",
    "httpcore==1.0.9",
    "h11==0.16.0",
    "anyio==4.16.0",
    "idna==3.20",
    "certifi==2026.10.18",
    "websockets==15.0",
    "pytest==9.2.0",
    "iniconfig==2.3.1",
    "packaging==26.3",
    "pluggy==1.7.0",
    "Pygments==2.21.0",
)

#: Imports that must work before the environment counts as built.
_SMOKE_TEST: Final = (
    "import anchorpy, anchorpy_core, pytest, solana, solders;"
    "from solders.litesvm import LiteSVM;"
    "assert anchorpy.__version__ == '0.4.5', anchorpy.__version__"
)

#: How much of pip's output an error carries.
_TAIL_LINES: Final = 40


class AnchorpyEnvError(RuntimeError):
    """Creating the anchorpy environment failed; ``output_tail`` is the failing step's output."""

    def __init__(
        self, message: str, *, step: str, output_tail: str, returncode: int | None
    ) -> None:
        super().__init__(f"{message}\n--- {step} output (tail) ---\n{output_tail}")
        self.step = step
        self.output_tail = output_tail
        self.returncode = returncode


def default_root() -> Path:
    """Where the environment lives by default: the source checkout, else the user's cache."""
    root = repo_root()
    if root is not None:
        return root
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "solana-sessions"


def anchorpy_env_dir(root: Path) -> Path:
    return root / ENV_DIR_NAME


def anchorpy_python(root: Path) -> Path:
    """The environment's interpreter (which may not exist yet)."""
    env = anchorpy_env_dir(root)
    if os.name == "nt":
        return env / "Scripts" / "python.exe"
    return env / "bin" / "python"


def _stamp_payload() -> dict[str, object]:
    return {
        "format": _STAMP_FORMAT,
        "requirements": list(ANCHORPY_REQUIREMENTS),
        # A different base interpreter needs a different environment.
        "python": sys.version,
        "base_prefix": sys.base_prefix,
    }


def _is_current(root: Path) -> bool:
    stamp = anchorpy_env_dir(root) / _STAMP_NAME
    if not anchorpy_python(root).is_file() or not stamp.is_file():
        return False
    try:
        recorded: object = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    return recorded == _stamp_payload()


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """An inter-process lock per environment path (kept outside the work tree)."""
    key = hashlib.sha256(str(anchorpy_env_dir(root).resolve()).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"sessions-anchorpy-{key}.lock"
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment minus what would leak the main environment into the other."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "__PYVENV_LAUNCHER__"}
    }
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if extra:
        env.update(extra)
    return env


def _run_step(step: str, cmd: Sequence[str], *, timeout: float) -> None:
    try:
        proc = subprocess.run(
            list(cmd),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=_clean_env(),
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode()
        raise AnchorpyEnvError(
            f"{step} timed out after {timeout:.0f} s",
            step=step,
            output_tail=_tail(output),
            returncode=None,
        ) from exc
    except OSError as exc:
        raise AnchorpyEnvError(
            f"{step} could not start: {exc}", step=step, output_tail="", returncode=None
        ) from exc
    if proc.returncode != 0:
        raise AnchorpyEnvError(
            f"{step} failed with exit code {proc.returncode}",
            step=step,
            output_tail=_tail(proc.stdout),
            returncode=proc.returncode,
        )


def _build(root: Path, *, timeout: float) -> None:
    env_dir = anchorpy_env_dir(root)
    if env_dir.exists():
        shutil.rmtree(env_dir)
    root.mkdir(parents=True, exist_ok=True)
    _run_step("venv", [sys.executable, "-m", "venv", str(env_dir)], timeout=timeout)
    python = str(anchorpy_python(root))
    _run_step(
        "pip install",
        [python, "-m", "pip", "install", "--no-input", *ANCHORPY_REQUIREMENTS],
        timeout=timeout,
    )
    _run_step("import check", [python, "-c", _SMOKE_TEST], timeout=timeout)
    # Written last: an interrupted build leaves no stamp and is redone next time.
    (env_dir / _STAMP_NAME).write_text(json.dumps(_stamp_payload(), indent=2) + "\n")


def ensure_anchorpy_env(root: Path | None = None, *, timeout: float = 900.0) -> Path:
    """The anchorpy environment's python, creating or rebuilding the environment if needed.

    Raises :class:`AnchorpyEnvError` (with the failing step's output tail) when
    ``venv``, ``pip install`` or the import check fails.
    """
    root = default_root() if root is None else root
    if _is_current(root):
        return anchorpy_python(root)
    with _exclusive(root):
        if not _is_current(root):  # another process may have built it meanwhile
            _build(root, timeout=timeout)
    return anchorpy_python(root)


def run_in_anchorpy_env(
    args: Sequence[str],
    *,
    root: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``<anchorpy python> *args`` (ensuring the environment first), capturing text output.

    The child gets the caller's environment without PYTHONPATH/PYTHONHOME/VIRTUAL_ENV,
    plus ``env``. The exit code is not checked.
    """
    python = ensure_anchorpy_env(root)
    return subprocess.run(
        [str(python), *args],
        capture_output=True,
        text=True,
        env=_clean_env(env),
        cwd=cwd,
        timeout=timeout,
        input=input_text,
        check=False,
    )
