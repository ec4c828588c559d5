"""Pure pieces of the operator commands: rendering, chunk comparison, error attribution."""

from __future__ import annotations

import io
import struct

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)

from sessions_client.constants import PROGRAM_ID, Permission
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionPaused
from sessions_tools.ops.display import flags, readable_rows, timestamp, to_json
from sessions_tools.ops.logs import ProgramFailure, program_failure
from sessions_tools.ops.rpc_deploy import loader_diagnostic, missing_chunks
from sessions_tools.sbf.loader import (
    BufferState,
    LoaderStateError,
    ProgramDataState,
    ProgramState,
    decode_loader_state,
)

OTHER = Keypair().pubkey()


def test_missing_chunks_compares_bytes_not_positions() -> None:
    so = bytes(range(1, 11)) * 3  # 30 bytes, chunks of 8: 0, 8, 16, 24
    buffer = bytearray(len(so))
    assert missing_chunks(bytes(buffer), so, 8) == [0, 8, 16, 24]
    buffer[8:16] = so[8:16]
    buffer[24:] = so[24:]
    assert missing_chunks(bytes(buffer), so, 8) == [0, 16]
    buffer[16:24] = so[16:24]
    buffer[17] ^= 1  # one wrong byte in a written chunk: it is written again
    assert missing_chunks(bytes(buffer), so, 8) == [0, 16]
    assert missing_chunks(so, so, 8) == []
    assert missing_chunks(bytes(30), bytes(30), 8) == []  # zeros are already there


def test_loader_diagnostic_is_the_loaders_own_line() -> None:
    logs = [
        "Program BPFLoaderUpgradeab1e11111111111111111111111 invoke [1]",
        "Unresolved symbol (sol_get_sysvar) at instruction #2050 (ELF file offset 0x4010)",
        "Program BPFLoaderUpgradeab1e11111111111111111111111 failed: invalid account data",
    ]
    assert loader_diagnostic(logs) == logs[1]
    assert loader_diagnostic(logs[::2]) is None


def test_loader_states() -> None:
    authority = Keypair().pubkey()
    buffer = struct.pack("<I", 1) + b"\x01" + bytes(authority) + b"elf"
    assert decode_loader_state(buffer) == BufferState(authority, b"elf")
    program = struct.pack("<I", 2) + bytes(OTHER)
    assert decode_loader_state(program) == ProgramState(OTHER)
    data = struct.pack("<IQ", 3, 77) + b"\x00" + bytes(32) + bytes(100)
    assert decode_loader_state(data) == ProgramDataState(77, None, 100)
    for bad in (b"", struct.pack("<I", 9) + bytes(40), struct.pack("<I", 1) + b"\x02" + bytes(32)):
        with pytest.raises(LoaderStateError):
            decode_loader_state(bad)


def test_rendering() -> None:
    assert flags(int(Permission.EXECUTE | Permission.COMPOSE), Permission) == "EXECUTE|COMPOSE"
    assert flags(0, Permission) == "-"
    assert flags(0x41, Permission) == "EXECUTE|0x40"
    assert timestamp(0) == "-"
    assert timestamp(1_700_000_000) == "2023-11-14 22:13:20 UTC (1700000000)"
    event = SessionPaused(OTHER, PROGRAM_ID, 1_700_000_000)
    assert to_json(event) == {
        "session": str(OTHER),
        "owner": str(PROGRAM_ID),
        "paused_at": 1_700_000_000,
    }
    assert dict(readable_rows(event))["paused_at"] == "2023-11-14 22:13:20 UTC (1700000000)"


def _custom(index: int, code: int) -> TransactionErrorInstructionError:
    return TransactionErrorInstructionError(index, InstructionErrorCustom(code))


def test_error_codes_are_ours_only_when_our_program_failed() -> None:
    code = int(ErrorCode.UNAUTHORIZED)
    ours = (PROGRAM_ID,)
    assert program_failure(_custom(0, code), (), ours, PROGRAM_ID) == ProgramFailure(
        ErrorCode.UNAUTHORIZED, 0
    )
    assert program_failure(_custom(0, code), (), (OTHER,), PROGRAM_ID) is None
    assert program_failure(_custom(0, 42), (), ours, PROGRAM_ID) is None
    assert program_failure(TransactionErrorFieldless.AccountNotFound, (), ours, PROGRAM_ID) is None
    assert program_failure(None, (), ours, PROGRAM_ID) is None
    # Invoked by CPI from another program: the innermost failure line names us.
    cpi_logs = (
        f"Program {OTHER} invoke [1]",
        f"Program {PROGRAM_ID} invoke [2]",
        f"Program {PROGRAM_ID} failed: custom program error: {hex(code)}",
        f"Program {OTHER} failed: custom program error: {hex(code)}",
    )
    assert program_failure(_custom(0, code), cpi_logs, (OTHER,), PROGRAM_ID) == ProgramFailure(
        ErrorCode.UNAUTHORIZED, 0
    )
    forged = (f"Program {OTHER} failed: custom program error: {hex(code)}",)
    assert program_failure(_custom(0, code), forged, (OTHER,), PROGRAM_ID) is None


def test_zero_key_is_shown_as_empty() -> None:
    rows = dict(readable_rows(SessionPaused(Pubkey.default(), PROGRAM_ID, 0)))
    assert rows == {"session": "-", "owner": str(PROGRAM_ID), "paused_at": "-"}


def test_progress_bar_counts_chunks_on_a_terminal() -> None:
    from rich.console import Console

    from sessions_tools.ops.deploy_command import RichProgress

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with RichProgress(terminal) as progress:
        assert not progress.started
        progress.begin(10, 4)
        for _ in range(6):
            progress.advance()
        assert progress.started
    assert "writing buffer" in screen.getvalue()
    assert "10/10" in screen.getvalue()
    quiet = io.StringIO()
    with RichProgress(Console(file=quiet, width=100)) as progress:  # not a terminal: no frames
        progress.begin(10, 0)
        progress.advance()
    assert quiet.getvalue() == ""
