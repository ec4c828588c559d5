"""anchorpy's view of the sessions program: IDL, coder, PDA resolution and a LiteSVM chain.

Runs in .venv-anchorpy (anchorpy3 0.4.5, solana 0.36.6, solders 0.26.0).
Everything here is built from the IDL file and anchorpy alone; nothing
imports sessions_client.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorpy import Event, EventParser, Idl, Program, Provider, Wallet
from anchorpy.coder.idl import _type_layout
from anchorpy.error import ProgramError
from anchorpy.idl_adapter import IdlAccount, IdlSeedAccount, IdlSeedArg, IdlSeedConst
from anchorpy.program.core import _parse_idl_errors
from anchorpy.program.namespace.methods import MethodsBuilder
from solana.rpc.async_api import AsyncClient
from solders.clock import Clock
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

#: The SVM's clock at the start of every chain (2026-01-01T00:00:00Z).
START_TIME = 1_767_225_600


def env_path(name: str) -> Path:
    value = os.environ.get(name)
    if not value:  # conftest already refuses to run without it; be loud anyway
        raise RuntimeError(f"{name} is not set")
    return Path(value)


@functools.cache
def idl_text() -> str:
    return env_path("SESSIONS_INTEROP_IDL").read_text()


@functools.cache
def raw_idl() -> dict[str, Any]:
    return json.loads(idl_text())


@functools.cache
def idl() -> Idl:
    return Idl.from_json(idl_text())


@functools.cache
def program_id() -> Pubkey:
    return Pubkey.from_string(raw_idl()["address"])


@functools.cache
def program() -> Program:
    """A Program with a provider that never connects (nothing here uses RPC)."""
    provider = Provider(AsyncClient("http://127.0.0.1:1"), Wallet.dummy())
    return Program(idl(), program_id(), provider)


@functools.cache
def program_bytes() -> bytes:
    return env_path("SESSIONS_INTEROP_PROGRAM").read_bytes()


@functools.cache
def fixtures() -> dict[str, Any]:
    return json.loads((env_path("SESSIONS_INTEROP_FIXTURES") / "fixtures.json").read_text())


def fixture_steps() -> list[dict[str, Any]]:
    return list(fixtures()["steps"])


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- values ---------------------------------------------------------------------------------


def is_variant(value: object) -> bool:
    """A borsh-construct enum value (a sumtypes constructor instance)."""
    return type(value).__module__ == "sumtypes"


def variant_name(value: object) -> str:
    if not is_variant(value):
        raise TypeError(f"not an enum variant: {value!r}")
    if getattr(type(value), "_sumtype_attribs", ()):
        raise TypeError(f"variant with fields: {value!r}")
    return type(value).__name__


def plain(value: Any) -> Any:
    """anchorpy's decoded value as plain JSON, in the fixtures' form."""
    if is_variant(value):
        return variant_name(value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Pubkey):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, list | tuple):  # construct's ListContainer is a list
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"unexpected decoded value {type(value).__name__}: {value!r}")


def build_input(value: Any) -> Any:
    """A decoded value in the form anchorpy's encoder accepts.

    anchorpy encodes its generated dataclasses with ``dataclasses.asdict``,
    which deep-copies field values, and solders 0.26's Pubkey cannot be
    deep-copied (``TypeError: cannot pickle 'solders.pubkey.Pubkey'``), so
    structs holding keys must be given as dicts.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: build_input(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [build_input(v) for v in value]
    return value


def decode_session(data: bytes) -> Any:
    return program().coder.accounts.decode(data)


ANCHOR_ERROR_LOG = re.compile(
    r"^Program log: AnchorError occurred\. Error Code: (.*)\. Error Number: (\d*)\. "
    r"Error Message: (.*)\."
)
"""Anchor TS's ``regexNoInfo`` (``AnchorError.parse``) with the runtime's log prefix."""


def anchor_errors_in_logs(logs: list[str]) -> list[tuple[str, int, str]]:
    """(name, number, message) of every Anchor-format error line, as Anchor TS reads them."""
    return [
        (m.group(1), int(m.group(2)), m.group(3))
        for line in logs
        if (m := ANCHOR_ERROR_LOG.match(line)) is not None
    ]


def idl_error_by_code() -> dict[int, str]:
    return {e.code: e.name for e in idl().errors or []}


# -- events ---------------------------------------------------------------------------------


def parse_events(logs: list[str]) -> list[Event]:
    events: list[Event] = []
    EventParser(program_id(), program().coder).parse_logs(list(logs), events.append)
    return events


def data_payloads(logs: list[str]) -> list[bytes]:
    """The ``sol_log_data`` payloads (our program makes no CPI that logs data)."""
    prefix = "Program data: "
    return [base64.b64decode(line[len(prefix) :]) for line in logs if line.startswith(prefix)]


def reencode_event(event: Event) -> bytes:
    """The event's body re-encoded through anchorpy's layout for it (no discriminator)."""
    layout = program().coder.events.layouts[event.name]
    return bytes(layout.build(build_input(event.data)))


# -- accounts resolution from the IDL --------------------------------------------------------


def _raw_instruction(name: str) -> dict[str, Any]:
    return next(i for i in raw_idl()["instructions"] if i["name"] == name)


def resolve_accounts(
    ix_name: str, given: dict[str, Pubkey], args: dict[str, Any]
) -> tuple[dict[str, Pubkey], dict[str, int]]:
    """Fill in the accounts the IDL determines: fixed addresses and PDAs (with their bumps).

    anchorpy3 0.4.5 does not resolve accounts itself (its builders take every
    account explicitly), so this reads what it parsed: ``IdlAccount.pda`` seeds
    (const / account / arg, the arg encoded with anchorpy's borsh layout for
    its IDL type) and, since anchorpy's IdlAccount drops it, the raw ``address``.
    """
    idl_ix = next(i for i in idl().instructions if i.name == ix_name)
    raw_accounts = {a["name"]: a for a in _raw_instruction(ix_name)["accounts"]}
    arg_types = {a.name: a.ty for a in idl_ix.args}
    accounts = dict(given)
    bumps: dict[str, int] = {}
    for acc in idl_ix.accounts:
        assert isinstance(acc, IdlAccount), f"composite accounts not expected: {acc!r}"
        if acc.name in accounts:
            continue
        address = raw_accounts[acc.name].get("address")
        if address is not None:
            accounts[acc.name] = Pubkey.from_string(address)
            continue
        if acc.pda is None:
            raise KeyError(f"{ix_name}: account {acc.name} must be given")
        seeds: list[bytes] = []
        for seed in acc.pda.seeds:
            if isinstance(seed, IdlSeedConst):
                seeds.append(bytes(seed.value))
            elif isinstance(seed, IdlSeedAccount):
                seeds.append(bytes(accounts[seed.path]))
            elif isinstance(seed, IdlSeedArg):
                layout = _type_layout(arg_types[seed.path], idl().types)
                seeds.append(bytes(layout.build(args[seed.path])))
            else:
                raise TypeError(f"unknown seed {seed!r}")
        owner = program_id() if acc.pda.program_id is None else acc.pda.program_id
        accounts[acc.name], bumps[acc.name] = Pubkey.find_program_address(seeds, owner)
    return accounts, bumps


def methods(ix_name: str, args: dict[str, Any], accounts: dict[str, Pubkey]) -> MethodsBuilder:
    """``program.methods[ix]`` with the args in IDL order and the accounts given."""
    idl_ix = next(i for i in idl().instructions if i.name == ix_name)
    ordered = [args[a.name] for a in idl_ix.args]
    return program().methods[ix_name].args(ordered).accounts(accounts)


# -- the chain --------------------------------------------------------------------------------


@dataclass
class Sent:
    ok: bool
    logs: list[str]
    events: list[Event]
    error: ProgramError | None
    raw: TransactionMetadata | FailedTransactionMetadata


class Chain:
    """solders 0.26's LiteSVM with the real program at the IDL's address."""

    def __init__(self) -> None:
        self.svm = LiteSVM()
        self.svm.add_program(program_id(), program_bytes())
        self.set_time(START_TIME)

    def now(self) -> int:
        return int(self.svm.get_clock().unix_timestamp)

    def set_time(self, unix_timestamp: int) -> None:
        c = self.svm.get_clock()
        self.svm.set_clock(
            Clock(c.slot, c.epoch_start_timestamp, c.epoch, c.leader_schedule_epoch, unix_timestamp)
        )

    def funded(self, lamports: int = 10_000_000_000) -> Keypair:
        kp = Keypair()
        self.svm.airdrop(kp.pubkey(), lamports)
        return kp

    def balance(self, key: Pubkey) -> int:
        return int(self.svm.get_balance(key) or 0)

    def account(self, key: Pubkey) -> bytes | None:
        acc = self.svm.get_account(key)
        if acc is None or (acc.lamports == 0 and len(acc.data) == 0):
            return None
        return bytes(acc.data)

    def lamports(self, key: Pubkey) -> int:
        acc = self.svm.get_account(key)
        return 0 if acc is None else int(acc.lamports)

    def session(self, key: Pubkey) -> Any:
        data = self.account(key)
        return None if data is None else decode_session(data)

    def send(self, builder: MethodsBuilder, payer: Keypair, *signers: Keypair) -> Sent:
        tx = builder.signers(list(signers)).transaction(payer, self.svm.latest_blockhash())
        result = self.svm.send_transaction(tx)
        self.svm.expire_blockhash()
        if isinstance(result, TransactionMetadata):
            logs = list(result.logs())
            return Sent(True, logs, parse_events(logs), None, result)
        logs = list(result.meta().logs())
        error = ProgramError.parse_tx_error(
            result.err(), _parse_idl_errors(idl()), program_id(), logs
        )
        return Sent(False, logs, [], error, result)
