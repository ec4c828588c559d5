"""Each check and handler of the simulator names the C function it mirrors, and that
function exists in the program's sources."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from simulator import checks
from simulator.handler_registry import collect_handlers, handler_modules

PROGRAM = Path(__file__).resolve().parents[2] / "program"
C_FUNCTIONS = {
    name
    for path in [*(PROGRAM / "src").glob("*.c"), *(PROGRAM / "include").glob("*.h")]
    for name in re.findall(
        r"^(?:__attribute__\(\(\w+\)\)\s+)?[A-Za-z_][\w \*]*?\b(\w+)\([^;{}()]*\)\s*\{",
        path.read_text(),
        re.M,
    )
}
MIRRORED = re.compile(r"``(\w+)``")


def mirrored(obj: object) -> str | None:
    doc = inspect.getdoc(obj) or ""
    found = MIRRORED.match(doc)
    return found.group(1) if found else None


def test_the_c_scan_sees_the_program() -> None:
    assert {"load_session", "process_activate_session", "verify_session_address"} <= C_FUNCTIONS


def test_every_handler_names_its_c_handler() -> None:
    for name, handler in collect_handlers(handler_modules()).items():
        assert mirrored(handler) == f"process_{name}", name


def test_every_check_names_a_c_function() -> None:
    public = [
        fn
        for name, fn in vars(checks).items()
        if inspect.isfunction(fn) and fn.__module__ == checks.__name__ and not name.startswith("_")
    ]
    assert len(public) >= 6
    for fn in public:
        assert mirrored(fn) in C_FUNCTIONS, fn.__name__


def test_execute_names_the_c_functions_it_mirrors() -> None:
    """The model's execute and its policy functions, check for check with execute.c,
    inner.c, effects.c, instructions_sysvar.c, signer.c, admission.c and guard.c."""
    from simulator import execute_policy, guard_eval, ix_execute, ix_limits

    functions = {
        guard_eval: {"execute": "guard_execute", "window_count": "guard_window_count"},
        ix_limits: {"check_unguarded_caller": "check_unguarded_caller"},
    }
    for module, named in functions.items():
        for attribute, c_name in named.items():
            assert mirrored(getattr(module, attribute)) == c_name, attribute
            assert c_name in C_FUNCTIONS, c_name

    expected = {
        ix_execute: {
            "load_execution",
            "parse_inner",
            "session_signer",
            "read_transaction",
            "snapshot_token_account",
            "check_effects",
            "run_inner",
            "evaluate_guard",
        },
        execute_policy: {
            "check_execution_quota",
            "check_compute_quota",
            "check_lamport_quota",
            "next_window",
            "record_usage",
        },
    }
    for module, names in expected.items():
        for name in names:
            assert mirrored(getattr(module, name)) == name, name
            assert name in C_FUNCTIONS, name
