"""program/src/guard.c outside the sessions program: a native (host) build called through
ctypes, and an SBF build inside a probe program (tests/guards/c/probe.c) run in LiteSVM.

Both answer the functions of guard.h on a :class:`simulator.guard_eval.GuardContext` (the
stored rate window included: guard.h's GuardInput carries the stored start and count), so the
differential tests compare the C (two compilers, two targets) with the simulator.
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from solders.compute_budget import set_compute_unit_limit
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from sessions_client.constants import GUARD_CAPACITY
from sessions_client.errors import ErrorCode
from sessions_tools.paths import project_paths
from sessions_tools.sbf import compile_c, link
from simulator.guard_eval import GuardContext, GuardFacts

C_DIR: Final = Path(__file__).resolve().parent / "c"
(
    MODE_VALIDATE,
    MODE_EVALUATE,
    MODE_ADMITS,
    MODE_RATE_WINDOW,
    MODE_HAS_SIGNER_LEAF,
    MODE_EXECUTE,
) = range(6)


def guard_source() -> Path:
    return project_paths().program_src / "guard.c"


def include_dir() -> Path:
    return project_paths().program_include


def padded(code: bytes) -> bytes:
    """The stored code array: the program, then zeros up to the capacity."""
    return code + bytes(max(0, GUARD_CAPACITY - len(code)))


class CGuardInput(ctypes.Structure):
    """guard.h's GuardInput, field for field."""

    _fields_ = (
        ("caller", ctypes.c_void_p),
        ("owner", ctypes.c_void_p),
        ("now", ctypes.c_int64),
        ("usage_after", ctypes.c_uint64),
        ("window_start", ctypes.c_int64),
        ("window_count", ctypes.c_uint32),
        ("program_id", ctypes.c_void_p),
        ("data", ctypes.c_void_p),
        ("data_len", ctypes.c_uint64),
        ("account_keys", ctypes.c_void_p),
        ("account_count", ctypes.c_uint64),
        ("lamports_out", ctypes.c_uint64),
        ("token_spends", ctypes.c_void_p),
        ("token_spend_count", ctypes.c_uint64),
    )


class CGuardFacts(ctypes.Structure):
    """guard.h's GuardFacts, field for field."""

    _fields_ = (
        ("caller", ctypes.c_char_p),
        ("owner", ctypes.c_char_p),
        ("admitted", ctypes.c_bool),
        ("has_signer_leaf", ctypes.c_bool),
        ("rate_window_seconds", ctypes.c_uint64),
        ("named", ctypes.c_bool),
        ("owner_leaf", ctypes.c_bool),
    )


@contextlib.contextmanager
def _c_input(ctx: GuardContext) -> Iterator[CGuardInput]:
    """``ctx`` as a GuardInput whose buffers live while the block runs."""
    keep = [bytes(ctx.caller), bytes(ctx.owner), bytes(ctx.program_id), ctx.data or b"\0"]
    keys = [ctypes.create_string_buffer(bytes(k), 32) for k in ctx.account_keys]
    key_ptrs = (ctypes.c_void_p * max(1, len(keys)))(
        *[ctypes.cast(k, ctypes.c_void_p).value for k in keys]
    )
    spends = b"".join(bytes(m) + struct.pack("<Q", x) for m, x in ctx.token_spends)
    spend_buf = ctypes.create_string_buffer(spends or b"\0", max(1, len(spends)))
    bufs = [ctypes.create_string_buffer(b, len(b)) for b in keep]
    addr = [ctypes.cast(b, ctypes.c_void_p).value for b in bufs]
    yield CGuardInput(
        addr[0],
        addr[1],
        ctx.now,
        ctx.usage_after,
        ctx.window_start,
        ctx.window_count,
        addr[2],
        addr[3],
        len(ctx.data),
        ctypes.cast(key_ptrs, ctypes.c_void_p).value,
        len(keys),
        ctx.lamports_out,
        ctypes.cast(spend_buf, ctypes.c_void_p).value,
        len(ctx.token_spends),
    )  # the buffers above stay alive until the block ends


class NativeGuard:
    """guard.c compiled for the host with the machine's C compiler (zig's clang if none)."""

    def __init__(self, workdir: Path) -> None:
        system_cc = shutil.which("cc") or shutil.which("gcc")
        compiler = [system_cc] if system_cc else [sys.executable, "-m", "ziglang", "cc"]
        lib = workdir / "libguard.so"
        flags = ["-std=c11", "-O2", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror"]
        sources = [str(guard_source()), str(C_DIR / "native_shim.c")]
        subprocess.run(
            [*compiler, *flags, f"-I{include_dir()}", "-o", str(lib), *sources],
            check=True,
            capture_output=True,
        )
        self.dll = ctypes.CDLL(str(lib))
        u64, ptr = ctypes.c_uint64, ctypes.c_char_p
        self.dll.guard_validate.argtypes = [ptr, u64]
        self.dll.guard_validate.restype = u64
        self.dll.guard_evaluate.argtypes = [ptr, u64, ctypes.POINTER(CGuardInput)]
        self.dll.guard_evaluate.restype = u64
        self.dll.guard_execute.argtypes = [
            ptr,
            u64,
            ctypes.POINTER(CGuardInput),
            ctypes.POINTER(u64),
        ]
        self.dll.guard_execute.restype = u64
        self.dll.guard_admits.argtypes = [ptr, u64, ptr, ptr]
        self.dll.guard_admits.restype = ctypes.c_bool
        self.dll.guard_rate_window_seconds.argtypes = [ptr, u64]
        self.dll.guard_rate_window_seconds.restype = u64
        self.dll.guard_inspect.argtypes = [ptr, u64, ctypes.POINTER(CGuardFacts)]
        self.dll.guard_inspect.restype = u64
        self.dll.guard_has_signer_leaf.argtypes = [ptr, u64]
        self.dll.guard_has_signer_leaf.restype = ctypes.c_bool

    def validate(self, code: bytes, length: int) -> int:
        return int(self.dll.guard_validate(padded(code), length))

    def evaluate(self, code: bytes, length: int, ctx: GuardContext) -> int:
        with _c_input(ctx) as cin:
            return int(self.dll.guard_evaluate(padded(code), length, ctypes.byref(cin)))

    def execute(self, code: bytes, length: int, ctx: GuardContext) -> tuple[int, int]:
        """guard_execute's result and its *window_seconds."""
        seconds = ctypes.c_uint64(0)
        with _c_input(ctx) as cin:
            result = self.dll.guard_execute(
                padded(code), length, ctypes.byref(cin), ctypes.byref(seconds)
            )
        return int(result), seconds.value

    def admits(self, code: bytes, length: int, caller: Pubkey, owner: Pubkey) -> bool:
        return bool(self.dll.guard_admits(padded(code), length, bytes(caller), bytes(owner)))

    def rate_window_seconds(self, code: bytes, length: int) -> int:
        return int(self.dll.guard_rate_window_seconds(padded(code), length))

    def inspect(self, code: bytes, length: int, caller: Pubkey, owner: Pubkey) -> GuardFacts:
        facts = CGuardFacts(bytes(caller), bytes(owner))
        result = int(self.dll.guard_inspect(padded(code), length, ctypes.byref(facts)))
        assert result in (0, int(ErrorCode.GUARD_MALFORMED)), result
        return GuardFacts(
            result != 0, facts.admitted, facts.has_signer_leaf, facts.rate_window_seconds
        )

    def has_signer_leaf(self, code: bytes, length: int) -> bool:
        return bool(self.dll.guard_has_signer_leaf(padded(code), length))


def build_probe(workdir: Path) -> bytes:
    """probe.c + guard.c, compiled and linked with the project's SBF toolchain."""
    objects = []
    for source in (C_DIR / "probe.c", guard_source()):
        out = workdir / f"{source.stem}.o"
        compile_c(source, out, include_dirs=[include_dir()])
        objects.append(out)
    return link(objects, "entrypoint").so


def probe_data(mode: int, code: bytes, length: int, ctx: GuardContext) -> bytes:
    """probe.c's instruction data (its header comment is the format)."""
    head = struct.pack("<B7xH", mode, length) + padded(code)
    keys = bytes(ctx.caller) + bytes(ctx.owner) + bytes(ctx.program_id)
    numbers = struct.pack(
        "<qQqI4xQQQQ",
        ctx.now,
        ctx.usage_after,
        ctx.window_start,
        ctx.window_count,
        ctx.lamports_out,
        len(ctx.data),
        len(ctx.account_keys),
        len(ctx.token_spends),
    )
    accounts = b"".join(bytes(k) for k in ctx.account_keys)
    spends = b"".join(bytes(m) + struct.pack("<Q", x) for m, x in ctx.token_spends)
    return head + keys + numbers + ctx.data + accounts + spends


@dataclass(frozen=True)
class ProbeRun:
    result: int
    compute_units: int
    #: guard_execute's *window_seconds (MODE_EXECUTE; 0 in the other modes)
    window_seconds: int = 0


@dataclass
class Probe:
    """The probe program in a LiteSVM of its own."""

    so: bytes
    svm: LiteSVM = field(default_factory=LiteSVM)
    payer: Keypair = field(default_factory=Keypair)
    program_id: Pubkey = field(default_factory=Pubkey.new_unique)

    def __post_init__(self) -> None:
        self.svm.airdrop(self.payer.pubkey(), 10**12)
        self.svm.add_program(self.program_id, self.so)

    def run(self, mode: int, code: bytes, length: int, ctx: GuardContext) -> ProbeRun:
        data = probe_data(mode, code, length, ctx)
        message = Message(
            [set_compute_unit_limit(1_400_000), Instruction(self.program_id, data, [])],
            self.payer.pubkey(),
        )
        tx = Transaction([self.payer], message, self.svm.latest_blockhash())
        result = self.svm.send_transaction(tx)
        self.svm.expire_blockhash()
        assert isinstance(result, TransactionMetadata), result
        answer = bytes(result.return_data().data)
        value, seconds = struct.unpack("<QQ", answer)
        return ProbeRun(value, result.compute_units_consumed(), seconds)


def code_of(error: ErrorCode | None) -> int:
    """The C functions' u64 result for a simulator answer."""
    return 0 if error is None else int(error)
