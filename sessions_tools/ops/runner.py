"""Running one operator command: asyncio, and every expected failure as one line on stderr.

An operator mistyping an address or pointing at a dead URL should read what is
wrong, not a traceback. Anything the commands or the client raise on purpose
(:class:`~.errors.OperatorError`, the client's ``SessionsClientError`` family) is
printed as ``error: <one line>`` and the exit code is 1; an unexpected exception
still propagates, because that is a bug to see.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from sessions_client.exceptions import RpcConnectionError, RpcTimeoutError, SessionsClientError
from sessions_tools.ops.operator_error import OperatorError
from sessions_tools.ops.solana_config import Target, resolve_target

OperatorAction = Callable[[Target], Coroutine[Any, Any, object]]


def one_line(text: str) -> str:
    """The first non-empty line of ``text`` (messages with logs attached keep only the gist)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return text.strip()


def describe_failure(exc: BaseException, target: Target | None) -> str:
    """The one line an operator sees for ``exc``."""
    if isinstance(exc, RpcConnectionError | RpcTimeoutError) and target is not None:
        return f"cannot reach {target.url}: {one_line(str(exc))}"
    return one_line(str(exc)) or type(exc).__name__


def run_operation(resolve: Callable[[], Target], operation: OperatorAction) -> int:
    """Resolve the target, run ``operation`` on it; 0 on success, 1 (one stderr line) on failure."""
    target: Target | None = None
    try:
        target = resolve()
        asyncio.run(operation(target))
    except (OperatorError, SessionsClientError) as exc:
        sys.stderr.write(f"error: {describe_failure(exc, target)}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    return 0


def run_command(
    config: Path | None, url: str | None, operation: OperatorAction, *, keypair: Path | None = None
) -> int:
    """:func:`run_operation` on the target the Solana CLI's config and the flags name."""
    return run_operation(lambda: resolve_target(config, url, keypair), operation)
