"""Differential test: the same C compiled natively (cc, x86-64) and for SBPF (our toolchain).

Hypothesis drives both with the same inputs; any disagreement is a compiler,
linker or runtime-semantics bug (e.g. a callx through the wrong register, a
wrong relocation addend, a v4 encoding executed with v0 meaning).  Both call
paths are covered: one .text per file and -ffunction-sections.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from sessions_tools.sbf import DEFAULT_OPTIONS

from .support import C_DIR, FUNCTION_SECTIONS, FixtureObjects, ProgramRunner

U64_MAX = (1 << 64) - 1
EDGES = [0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 65, 255, 2**31, 2**32 - 1, 2**32, 2**63, U64_MAX]
u64s = st.one_of(st.sampled_from(EDGES), st.integers(0, U64_MAX))
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


class Pair(ctypes.Structure):
    _fields_ = (
        ("lo", ctypes.c_uint64),
        ("hi", ctypes.c_uint64),
        ("small", ctypes.c_uint32),
        ("flag", ctypes.c_uint8),
    )


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    """funcs.c built as a native shared library with the machine's C compiler."""
    # The machine's own compiler (an independent code generator) when there is one, else
    # zig's clang for the host: the comparison always runs, it never skips.
    system_cc = shutil.which("cc") or shutil.which("gcc")
    compiler = [system_cc] if system_cc else [sys.executable, "-m", "ziglang", "cc"]
    lib = tmp_path_factory.mktemp("native") / "libfuncs.so"
    flags = ["-O2", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror"]
    subprocess.run(
        [*compiler, *flags, "-o", str(lib), str(C_DIR / "diff" / "funcs.c")],
        check=True,
        capture_output=True,
    )
    dll = ctypes.CDLL(str(lib))
    u64 = ctypes.c_uint64
    for name, args in (
        ("d_arith", [u64, u64]),
        ("d_switch", [u64]),
        ("d_fptr", [u64, u64, u64]),
        ("d_loop", [ctypes.c_char_p, u64]),
    ):
        getattr(dll, name).argtypes = args
        getattr(dll, name).restype = u64
    dll.d_struct.argtypes = [u64, u64, ctypes.POINTER(Pair)]
    dll.d_struct.restype = None
    return dll


@dataclass(frozen=True)
class Programs:
    runner: ProgramRunner
    ids: tuple[Pubkey, ...]

    def results(self, op: int, a: int, b: int, tail: bytes = b"") -> list[bytes]:
        data = bytes([op]) + a.to_bytes(8, "little") + b.to_bytes(8, "little") + tail
        out = []
        for program in self.ids:
            run = self.runner.invoke(program, data)
            assert run.ok, (run.error, run.logs)
            out.append(run.return_data)
        return out


@pytest.fixture(scope="module")
def programs(objects: FixtureObjects, runner: ProgramRunner) -> Programs:
    ids = tuple(
        runner.load(objects.link("diff/entry.c", "diff/funcs.c", options=options).so)
        for options in (DEFAULT_OPTIONS, FUNCTION_SECTIONS)
    )
    return Programs(runner, ids)


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "little")


@SETTINGS
@given(a=u64s, b=u64s)
def test_arithmetic(native: ctypes.CDLL, programs: Programs, a: int, b: int) -> None:
    expected = _u64(native.d_arith(a, b))
    assert programs.results(0, a, b) == [expected, expected]


@SETTINGS
@given(data=st.binary(max_size=40))
def test_loops(native: ctypes.CDLL, programs: Programs, data: bytes) -> None:
    expected = _u64(native.d_loop(data, len(data)))
    assert programs.results(1, 0, 0, data) == [expected, expected]


@SETTINGS
@given(x=u64s)
def test_switch(native: ctypes.CDLL, programs: Programs, x: int) -> None:
    expected = _u64(native.d_switch(x))
    assert programs.results(2, x, 0) == [expected, expected]


@SETTINGS
@given(a=u64s, b=u64s)
def test_struct_out_pointer(native: ctypes.CDLL, programs: Programs, a: int, b: int) -> None:
    pair = Pair()
    native.d_struct(a, b, ctypes.byref(pair))
    expected = _u64(pair.lo) + _u64(pair.hi) + pair.small.to_bytes(4, "little") + bytes([pair.flag])
    assert programs.results(3, a, b) == [expected, expected]


@SETTINGS
@given(a=u64s, b=u64s)
def test_function_pointers(native: ctypes.CDLL, programs: Programs, a: int, b: int) -> None:
    expected = _u64(native.d_fptr(a >> 60, a, b))
    assert programs.results(4, a, b) == [expected, expected]


def test_switch_covers_every_case(native: ctypes.CDLL, programs: Programs) -> None:
    """Deterministic sweep so every switch arm runs regardless of Hypothesis' choices."""
    for x in range(26):
        expected = _u64(native.d_switch(x))
        assert programs.results(2, x, 0) == [expected, expected]


def test_oracle_sanity(native: ctypes.CDLL) -> None:
    """The native side is the oracle: check it against values worked out by hand."""
    assert native.d_switch(13) == 39  # case 0: x * 3
    assert native.d_switch(12) == 12 * 1000 + (12 & 7)  # default arm
    assert native.d_fptr(0, 2, 3) == (2 * 31 ^ 3) + (3 * 31 ^ 2)  # op_mix both ways
