"""Real-program fixtures for the anchorpy interop tests.

:func:`generate_fixtures` runs fixed scenarios against the real program in
:class:`~sessions_tools.svm.SessionsSVM` and writes, per transaction, what a
third-party client must be able to read with nothing but the IDL: the session
account's bytes, the log lines, and the values *this* client decodes from
them (JSON). Each step also carries what the scenario itself says must be
true (the expected status and event names, the inputs sent), which does not
come from our decoder, so a defect shared by our schema and the IDL still
shows up on the anchorpy side.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.constants import DEFAULT_START_TIME, Permission, Setting
from sessions_client.discriminators import DISCRIMINATOR_LEN
from sessions_client.execute import execute_instruction
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.types import Guard, ResourceQuotas, SessionConfig, SessionParams, SessionScope
from sessions_tools.paths import project_paths
from sessions_tools.program_build import ensure_program
from sessions_tools.svm import SessionsSVM

FIXTURES_FILE: Final = "fixtures.json"
FIXTURES_FORMAT: Final = 1

#: The scenarios' fixed keys, so fixture files are reproducible byte for byte.
_OWNER_SEED: Final = hashlib.sha256(b"interop-owner").digest()
_DAPP_SEED: Final = hashlib.sha256(b"interop-dapp").digest()
_SCOPE_PROGRAM: Final = Pubkey.from_bytes(hashlib.sha256(b"interop-scope").digest())


def variant_name(member: enum.Enum) -> str:
    """The IDL (Rust) spelling of an enum member: ``TIMED_OUT`` -> ``TimedOut``."""
    return "".join(part.capitalize() for part in member.name.split("_"))


def to_json(value: object) -> object:
    """A decoded value as plain JSON: keys as strings, bytes and arrays as lists of ints."""
    if isinstance(value, enum.Enum):
        return variant_name(value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Pubkey):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"no JSON form for {type(value).__name__}")


def rich_params(
    *, max_duration: int = 7_200, settings: int = Setting.EXECUTION_LOGGING
) -> SessionParams:
    """Parameters with a distinct non-zero value in every field the program stores."""
    return SessionParams(
        config=SessionConfig(
            max_duration,
            int(Permission.EXECUTE | Permission.COMPOSE | Permission.READ_CROSS_SESSION),
            int(settings),
        ),
        scope=SessionScope(_SCOPE_PROGRAM, bytes(range(1, 33))),
        quotas=ResourceQuotas(
            max_executions=1_000,
            max_compute_units=1_400_000,
            max_lamports=5_000_000_000,
            max_borrowed_accounts=4,
            max_children=2,
        ),
        metadata=b"anchorpy-interop".ljust(64, b"\x00")[:48] + bytes(range(200, 216)),
    )


@dataclass
class _Recorder:
    svm: SessionsSVM
    steps: list[dict[str, object]] = field(default_factory=list)

    def step(
        self,
        name: str,
        instruction: Instruction,
        signers: list[Keypair],
        *,
        session: Pubkey,
        at: int,
        expect_status: str | None,
        expect_events: list[str],
        expect_error: str | None = None,
        inputs: dict[str, object] | None = None,
    ) -> None:
        self.svm.set_time(at)
        outcome = self.svm.send(instruction, signers)
        data = self.svm.account_data(session)
        decoded = self.svm.session(session)
        self.steps.append(
            {
                "name": name,
                "instruction": _instruction_name(instruction),
                "time": at,
                "ok": outcome.ok,
                "error_code": None if outcome.error is None else int(outcome.error),
                "logs": list(outcome.logs),
                "events": [{"name": type(e).__name__, "data": to_json(e)} for e in outcome.events],
                "session": str(session),
                "account": None if data is None else base64.b64encode(data).decode(),
                "decoded": None if decoded is None else to_json(decoded),
                "expect_status": expect_status,
                "expect_events": expect_events,
                "expect_error": expect_error,
                "inputs": inputs or {},
            }
        )


def _instruction_name(instruction: Instruction) -> str:
    disc = bytes(instruction.data[:DISCRIMINATOR_LEN])
    for spec in ix.INSTRUCTIONS:
        if spec.discriminator == disc:
            return spec.name
    raise ValueError(f"unknown instruction discriminator {disc.hex()}")


def _params_json(params: SessionParams) -> object:
    return to_json(params)


def _run_scenarios(svm: SessionsSVM) -> tuple[list[dict[str, object]], dict[str, str]]:
    owner = Keypair.from_seed(_OWNER_SEED)
    dapp = Keypair.from_seed(_DAPP_SEED)
    for kp in (owner, dapp):
        svm.svm.airdrop(kp.pubkey(), 100_000_000_000)
    rec = _Recorder(svm)
    t0 = DEFAULT_START_TIME

    # A: the owner's own session through its whole lifecycle. The id exercises every u64 byte.
    sid_a = 0x0102_0304_0506_0708
    params_a = rich_params()
    addr_a, _ = find_session_address(owner.pubkey(), sid_a, svm.program_id)
    created = {"session_id": sid_a, "params": _params_json(params_a), "owner": str(owner.pubkey())}
    rec.step(
        "a_create",
        ix.create_session(owner.pubkey(), sid_a, params_a, program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0,
        expect_status="Created",
        expect_events=["SessionCreated"],
        inputs=created,
    )
    rec.step(
        "a_activate",
        ix.activate_session(owner.pubkey(), addr_a, program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 10,
        expect_status="Active",
        expect_events=["SessionActivated"],
    )
    rec.step(
        "a_pause",
        ix.pause_session(owner.pubkey(), addr_a, program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 20,
        expect_status="Paused",
        expect_events=["SessionPaused"],
    )
    rec.step(
        "a_resume",
        ix.resume_session(owner.pubkey(), addr_a, program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 30,
        expect_status="Active",
        expect_events=["SessionResumed"],
    )
    rec.step(
        "a_activate_again",
        ix.activate_session(owner.pubkey(), addr_a, program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 40,
        expect_status="Active",
        expect_events=[],
        expect_error="InvalidStatusTransition",
    )
    # the session acts: its signer pays the dapp (EXECUTION_LOGGING is on in rich_params)
    signer, _ = find_signer_address(addr_a, svm.program_id)
    svm.svm.airdrop(signer, 1_000_000_000)
    pay = transfer(TransferParams(from_pubkey=signer, to_pubkey=dapp.pubkey(), lamports=12_345))
    rec.step(
        "a_execute",
        execute_instruction(owner.pubkey(), addr_a, [pay], program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 41,
        expect_status="Active",
        expect_events=["SessionExecuted"],
    )
    narrower = dataclasses.replace(params_a.quotas, max_executions=999)
    params_q = dataclasses.replace(params_a, quotas=narrower)
    rec.step(
        "a_narrow_quotas",
        ix.update_quotas(owner.pubkey(), addr_a, narrower, program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 42,
        expect_status="Active",
        expect_events=["SessionQuotasUpdated"],
        inputs={"params": _params_json(params_q)},
    )
    params_p = params_q  # update_permissions changes effective_permissions, not the config
    rec.step(
        "a_narrow_permissions",
        ix.update_permissions(
            owner.pubkey(), addr_a, int(Permission.EXECUTE), program_id=svm.program_id
        ),
        [owner],
        session=addr_a,
        at=t0 + 43,
        expect_status="Active",
        expect_events=["SessionPermissionsUpdated"],
        inputs={"params": _params_json(params_p), "effective_permissions": int(Permission.EXECUTE)},
    )
    rec.step(
        "a_pause_to_update",
        ix.pause_session(owner.pubkey(), addr_a, program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 44,
        expect_status="Paused",
        expect_events=["SessionPaused"],
        inputs={"params": _params_json(params_p), "effective_permissions": int(Permission.EXECUTE)},
    )
    rec.step(
        "a_update_guard",
        ix.update_guard(owner.pubkey(), addr_a, Guard(), program_id=svm.program_id),
        [owner],
        session=addr_a,
        at=t0 + 45,
        expect_status="Paused",
        expect_events=["SessionGuardUpdated"],
        inputs={"params": _params_json(params_p), "effective_permissions": int(Permission.EXECUTE)},
    )
    rec.step(
        "a_close",
        ix.close_session(
            owner.pubkey(), addr_a, owner.pubkey(), owner.pubkey(), program_id=svm.program_id
        ),
        [owner],
        session=addr_a,
        at=t0 + 50,
        expect_status=None,
        expect_events=["SessionClosed"],
    )

    # B: a dapp requests, the owner approves, the session expires and the dapp cleans up.
    sid_b = 77
    params_b = rich_params(max_duration=60)
    addr_b, _ = find_session_address(dapp.pubkey(), sid_b, svm.program_id)
    requested = {
        "session_id": sid_b,
        "params": _params_json(params_b),
        "owner": str(owner.pubkey()),
        "request_ttl": 600,
    }
    rec.step(
        "b_request",
        ix.request_session(
            dapp.pubkey(), owner.pubkey(), sid_b, params_b, 600, program_id=svm.program_id
        ),
        [dapp],
        session=addr_b,
        at=t0 + 100,
        expect_status="Requested",
        expect_events=["SessionRequested"],
        inputs=requested,
    )
    rec.step(
        "b_approve",
        ix.approve_session(owner.pubkey(), addr_b, program_id=svm.program_id),
        [owner],
        session=addr_b,
        at=t0 + 110,
        expect_status="Created",
        expect_events=["SessionCreated"],
    )
    rec.step(
        "b_expire",
        ix.expire_session(addr_b, dapp.pubkey(), owner.pubkey(), program_id=svm.program_id),
        [dapp],
        session=addr_b,
        at=t0 + 500,
        expect_status="Expired",
        expect_events=["SessionExpired"],
    )
    rec.step(
        "b_close_by_creator",
        ix.close_session(
            dapp.pubkey(), addr_b, dapp.pubkey(), owner.pubkey(), program_id=svm.program_id
        ),
        [dapp],
        session=addr_b,
        at=t0 + 510,
        expect_status=None,
        expect_events=["SessionClosed"],
    )

    # C: AUTO_EXPIRE: expiry closes the account in the same instruction.
    sid_c = 3
    params_c = rich_params(max_duration=5, settings=Setting.AUTO_EXPIRE)
    addr_c, _ = find_session_address(owner.pubkey(), sid_c, svm.program_id)
    rec.step(
        "c_create",
        ix.create_session(owner.pubkey(), sid_c, params_c, program_id=svm.program_id),
        [owner],
        session=addr_c,
        at=t0 + 1_000,
        expect_status="Created",
        expect_events=["SessionCreated"],
        inputs={
            "session_id": sid_c,
            "params": _params_json(params_c),
            "owner": str(owner.pubkey()),
        },
    )
    rec.step(
        "c_auto_expire",
        ix.expire_session(addr_c, owner.pubkey(), owner.pubkey(), program_id=svm.program_id),
        [dapp],
        session=addr_c,
        at=t0 + 1_010,
        expect_status=None,
        expect_events=["SessionExpired", "SessionClosed"],
    )

    # D: a request nobody approves times out.
    sid_d = 4
    params_d = rich_params()
    addr_d, _ = find_session_address(dapp.pubkey(), sid_d, svm.program_id)
    rec.step(
        "d_request",
        ix.request_session(
            dapp.pubkey(), owner.pubkey(), sid_d, params_d, 30, program_id=svm.program_id
        ),
        [dapp],
        session=addr_d,
        at=t0 + 2_000,
        expect_status="Requested",
        expect_events=["SessionRequested"],
        inputs={
            "session_id": sid_d,
            "params": _params_json(params_d),
            "owner": str(owner.pubkey()),
            "request_ttl": 30,
        },
    )
    rec.step(
        "d_timeout",
        ix.expire_session(addr_d, dapp.pubkey(), owner.pubkey(), program_id=svm.program_id),
        [owner],
        session=addr_d,
        at=t0 + 2_031,
        expect_status=None,
        expect_events=["SessionExpired", "SessionClosed"],
    )

    return rec.steps, {"owner": str(owner.pubkey()), "dapp": str(dapp.pubkey())}


def generate_fixtures(
    out_dir: Path, *, program: bytes | None = None, idl_path: Path | None = None
) -> Path:
    """Run the scenarios on the real program and write ``out_dir/fixtures.json``.

    ``program`` defaults to the built .so (built if stale). Every transaction
    the scenarios expect to succeed must succeed, or this raises.
    """
    paths = project_paths()
    so = program if program is not None else ensure_program()
    idl = (idl_path or paths.idl).read_bytes()
    svm = SessionsSVM(so)
    steps, actors = _run_scenarios(svm)
    for step in steps:
        if bool(step["ok"]) != (step["expect_error"] is None):
            raise RuntimeError(f"fixture step {step['name']} did not go as scripted: {step}")
    document = {
        "format": FIXTURES_FORMAT,
        "program_id": str(svm.program_id),
        "program_sha256": hashlib.sha256(so).hexdigest(),
        "idl_sha256": hashlib.sha256(idl).hexdigest(),
        "actors": actors,
        "steps": steps,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FIXTURES_FILE
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def sample_session_account(program: bytes | None = None) -> bytes:
    """The bytes of a real Active session account with every stored field non-default."""
    svm = SessionsSVM(program)
    owner = svm.funded_keypair()
    params = rich_params()
    address, _ = find_session_address(owner.pubkey(), 1, svm.program_id)
    for instruction in (
        ix.create_session(owner.pubkey(), 1, params, program_id=svm.program_id),
        ix.activate_session(owner.pubkey(), address, program_id=svm.program_id),
    ):
        outcome = svm.send(instruction, [owner])
        if not outcome.ok:
            raise RuntimeError(f"sample session: {outcome.failure}")
    data = svm.account_data(address)
    if data is None:
        raise RuntimeError("sample session account missing")
    return data
