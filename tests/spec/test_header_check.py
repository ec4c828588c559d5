"""One header check: size, discriminator and version come from the layout, checked once.

The library's decoder, the simulator's account loading and its execution gate all ask
:func:`session_header_fault`, which checks in the program's order; and no Python module
outside the codec spells a struct format of its own (the SBF toolchain's ELF formats
are not account layouts).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from solders.pubkey import Pubkey

from sessions_client import instructions as ix
from sessions_client.accounts import (
    SESSION_ACCOUNT_SIZE,
    SESSION_VERSION_OFFSET,
    HeaderFault,
    decode_session,
    decode_session_layout,
    encode_session,
    session_header_fault,
)
from sessions_client.constants import SESSION_VERSION
from sessions_client.errors import ErrorCode
from sessions_client.exceptions import DecodeError, UnsupportedSessionVersionError
from sessions_client.pda import find_session_address
from sessions_client.types import SessionConfig, SessionParams
from simulator import Clock, ProgramModel, validate_session_for_execution
from simulator.checks import HEADER_ERRORS

REPO = Path(__file__).resolve().parents[2]
OWNER = Pubkey(bytes([7]) * 32)


def good_data() -> bytes:
    model = ProgramModel(clock=Clock())
    model.airdrop(OWNER, 10**10)
    params = SessionParams(SessionConfig(60, 1, 0))
    assert model.execute(ix.create_session(OWNER, 1, params), payer=OWNER).ok
    data = model.account_data(find_session_address(OWNER, 1)[0])
    assert data is not None
    return data


def faulty(fault: HeaderFault | None) -> bytes:
    data = bytearray(good_data())
    if fault is HeaderFault.SIZE:
        data[0] ^= 1  # a wrong discriminator too: size is checked first
        return bytes(data) + b"\0"
    if fault is HeaderFault.DISCRIMINATOR:
        data[0] ^= 1
        data[SESSION_VERSION_OFFSET] = SESSION_VERSION + 1  # and a wrong version
    elif fault is HeaderFault.VERSION:
        data[SESSION_VERSION_OFFSET] = SESSION_VERSION + 1
    return bytes(data)


@pytest.mark.parametrize("fault", [*HeaderFault, None], ids=str)
def test_the_first_failing_check_is_named(fault: HeaderFault | None) -> None:
    assert session_header_fault(faulty(fault)) is fault


def test_the_version_offset_is_the_layouts() -> None:
    session = decode_session(good_data())
    encoded = encode_session(session)
    assert len(encoded) == SESSION_ACCOUNT_SIZE
    assert encoded[SESSION_VERSION_OFFSET] == session.version == SESSION_VERSION


def test_decoding_refuses_size_and_discriminator_and_only_the_strict_decoder_versions() -> None:
    for fault in (HeaderFault.SIZE, HeaderFault.DISCRIMINATOR):
        with pytest.raises(DecodeError):
            decode_session(faulty(fault))
        with pytest.raises(DecodeError):
            decode_session_layout(faulty(fault))
    with pytest.raises(UnsupportedSessionVersionError):
        decode_session(faulty(HeaderFault.VERSION))
    # the simulator's reader decodes another version; the model refuses it with the code
    assert decode_session_layout(faulty(HeaderFault.VERSION)).version == SESSION_VERSION + 1


@pytest.mark.parametrize("fault", list(HeaderFault), ids=str)
def test_the_simulator_answers_each_fault_with_the_programs_code(fault: HeaderFault) -> None:
    code = HEADER_ERRORS[fault]
    assert validate_session_for_execution(faulty(fault), 0) is code
    model = ProgramModel(clock=Clock())
    address = Pubkey(bytes([9]) * 32)
    model.set_account(address, model.program_id, faulty(fault), 10**7)
    outcome = model.execute(ix.activate_session(OWNER, address), payer=OWNER)
    assert outcome.error is code
    assert {HEADER_ERRORS[f] for f in HeaderFault} == {
        ErrorCode.INVALID_ACCOUNT_SIZE,
        ErrorCode.INVALID_DISCRIMINATOR,
        ErrorCode.UNSUPPORTED_VERSION,
    }


def _format_literals(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "struct"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append(ast.unparse(node))
    return found


def test_no_struct_format_outside_the_codec() -> None:
    allowed = {REPO / "sessions_client" / "codec.py", REPO / "sessions_client" / "borsh.py"}
    paths = [
        p
        for pkg in ("sessions_client", "simulator", "sessions_tools")
        for p in (REPO / pkg).rglob("*.py")
        if p not in allowed and "sbf" not in p.relative_to(REPO).parts
    ]
    assert len(paths) > 40
    assert {str(p.relative_to(REPO)): f for p in paths if (f := _format_literals(p))} == {}
