"""Instructions are driven by their spec: metas, data, C dispatch and simulator dispatch.

Each builder's account metas come from :meth:`InstructionSpec.build` (names, never flags or
order); the program's generated dispatch table and the simulator's dispatch table list the
same instructions with the same data sizes and account counts as the specs; every handler
lives in exactly one C file and one simulator module, registered by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from sessions_client import instructions as ix
from sessions_client.instructions import (
    INSTRUCTIONS,
    INSTRUCTIONS_BY_NAME,
    CreateSessionArgs,
    build_instruction,
)
from sessions_client.pda import find_signer_address
from sessions_client.types import Guard, ResourceQuotas, SessionConfig, SessionParams
from sessions_tools.codegen.c_dispatch import dispatch_order, render_dispatch
from simulator import handler_registry as sim_dispatch
from simulator.handler import InstructionHandler

REPO = Path(__file__).resolve().parents[2]
INCLUDE = REPO / "program" / "include"
SRC = REPO / "program" / "src"
PARAMS = SessionParams(SessionConfig(60, 1, 0))


def keys(n: int) -> list[Pubkey]:
    return [Pubkey(bytes([i + 1]) * 32) for i in range(n)]


def c_defines() -> dict[str, int]:
    text = (INCLUDE / "sessions_layout.h").read_text()
    found = re.findall(r"^#define (\w+) (0x[0-9a-f]+ULL|\d+)$", text, re.M)
    return {name: int(value.removesuffix("ULL"), 0) for name, value in found}


@pytest.mark.parametrize("spec", INSTRUCTIONS, ids=lambda s: s.name)
def test_build_takes_flags_and_order_from_the_spec(spec: ix.InstructionSpec) -> None:
    named = {a.name: k for a, k in zip(spec.accounts, keys(len(spec.accounts)), strict=True)}
    fixed = {a.name for a in spec.accounts if a.address is not None}
    given = {n: k for n, k in named.items() if n not in fixed}
    samples: dict[type, object] = {
        CreateSessionArgs: CreateSessionArgs(1, PARAMS, 255),
        ix.RequestSessionArgs: ix.RequestSessionArgs(1, keys(1)[0], 60, PARAMS, 255),
        ix.ExecuteArgs: ix.ExecuteArgs(255, 0),
        ix.SweepArgs: ix.SweepArgs(254),
        ix.UpdateGuardArgs: ix.UpdateGuardArgs(Guard()),
        ix.UpdatePermissionsArgs: ix.UpdatePermissionsArgs(1),
        ix.UpdateQuotasArgs: ix.UpdateQuotasArgs(ResourceQuotas()),
    }
    args = None if spec.args is None else samples[spec.args]
    built = spec.build(given, args)
    assert bytes(built.data)[:8] == spec.discriminator
    assert len(built.data) == spec.data_size
    for meta, account in zip(built.accounts, spec.accounts, strict=True):
        assert meta.pubkey == (account.address or given[account.name])
        assert (meta.is_signer, meta.is_writable) == (account.signer, account.writable)


def test_builders_equal_the_generic_build() -> None:
    owner, session, creator = keys(3)
    signer, bump = find_signer_address(session)
    sweep = {"owner": owner, "session_signer": signer}
    assert ix.close_session(owner, session, creator, owner) == build_instruction(
        "close_session",
        {"authority": owner, "session": session, "creator": creator, **sweep},
        ix.SweepArgs(bump),
    )
    assert ix.expire_session(session, creator, owner) == build_instruction(
        "expire_session", {"session": session, "creator": creator, **sweep}, ix.SweepArgs(bump)
    )
    # a test passes another signer or bump to see it refused
    other = ix.close_session(owner, session, creator, owner, signer=creator, signer_bump=7)
    assert other.accounts[4].pubkey == creator
    assert bytes(other.data)[8] == 7
    assert ix.pause_session(owner, session) == build_instruction(
        "pause_session", {"owner": owner, "session": session}
    )


def test_build_refuses_wrong_accounts_and_arguments() -> None:
    owner, session, other = keys(3)
    spec = INSTRUCTIONS_BY_NAME["activate_session"]
    with pytest.raises(ValueError, match="'session' is required"):
        spec.build({"owner": owner})
    with pytest.raises(ValueError, match="no accounts named"):
        spec.build({"owner": owner, "session": session, "payer": other})
    with pytest.raises(TypeError, match="takes no arguments"):
        spec.build({"owner": owner, "session": session}, PARAMS)
    create = INSTRUCTIONS_BY_NAME["create_session"]
    with pytest.raises(TypeError, match="takes CreateSessionArgs"):
        create.build({"creator": owner, "session": session}, PARAMS)
    with pytest.raises(ValueError, match="system_program must be"):
        create.build(
            {"creator": owner, "session": session, "system_program": other},
            CreateSessionArgs(1, PARAMS, 255),
        )
    # the fixed address may be given, when it is the right one
    assert create.build(
        {"creator": owner, "session": session, "system_program": SYSTEM_PROGRAM_ID},
        CreateSessionArgs(1, PARAMS, 255),
    ) == create.build({"creator": owner, "session": session}, CreateSessionArgs(1, PARAMS, 255))


@pytest.mark.parametrize("spec", INSTRUCTIONS, ids=lambda s: s.name)
def test_arg_offsets_are_the_headers(spec: ix.InstructionSpec) -> None:
    defines = c_defines()
    prefix = f"IX_{spec.name.upper()}_ARG_"
    header = {k.removeprefix(prefix): v for k, v in defines.items() if k.startswith(prefix)}
    ours = {re.sub(r"\W+", "_", p).upper(): off for p, off in spec.arg_offsets().items()}
    assert header == ours


def dispatch_rows() -> list[tuple[str, str, str, str, str]]:
    text = (INCLUDE / "sessions_dispatch.h").read_text()
    assert text == render_dispatch()
    table = text[text.index("#define SESSIONS_DISPATCH_TABLE(X)") :]
    return re.findall(r"X\((\w+), (\w+), ([01]), (\w+), (\w+)\)", table)


def test_c_dispatch_table_is_the_specs_in_dispatch_order() -> None:
    defines = c_defines()
    rows = dispatch_rows()
    assert [h for *_, h in rows] == [f"process_{s.name}" for s in dispatch_order()]
    assert {h for *_, h in rows} == {f"process_{s.name}" for s in INSTRUCTIONS}
    firsts = [s.name for s in dispatch_order() if s.dispatch_first]
    assert [s.name for s in dispatch_order()][: len(firsts)] == firsts
    for (tag, size, exact, count, handler), spec in zip(rows, dispatch_order(), strict=True):
        assert handler == f"process_{spec.name}"
        assert defines[tag] == int.from_bytes(spec.discriminator, "little")
        assert defines[size] == spec.data_size
        assert exact == str(int(not spec.variable_data))
        assert defines[count] == len(spec.accounts)


def test_simulator_dispatch_has_the_c_tables_shape() -> None:
    """discriminator -> (handler, data size, exact, account count), as the C table."""
    defines = c_defines()
    rows = dispatch_rows()
    c_rows = {
        defines[tag]: (defines[size], exact == "1", defines[count])
        for tag, size, exact, count, _ in rows
    }
    py_rows = {
        int.from_bytes(disc, "little"): (size, exact, count)
        for disc, (_, size, exact, count) in sim_dispatch.DISPATCH.items()
    }
    assert py_rows == c_rows


def test_each_c_handler_is_defined_once_and_checks_no_sizes_itself() -> None:
    """The dispatch checks data size and account count; handlers do not repeat it."""
    sources = {path.name: path.read_text() for path in SRC.glob("*.c")}
    for spec in INSTRUCTIONS:
        pattern = rf"^u64 process_{spec.name}\(const Context \*ctx\) \{{"
        defined_in = [name for name, text in sources.items() if re.search(pattern, text, re.M)]
        assert len(defined_in) == 1, (spec.name, defined_in)
    for name, text in sources.items():
        assert "check_instruction(" not in text or name == "entrypoint.c", name
    entry = sources["entrypoint.c"]
    assert "SESSIONS_DISPATCH_TABLE(ROUTE)" in entry
    assert not re.search(r"tag == IX_", entry), "the dispatch is the generated table's"


def test_simulator_handlers_are_registered_by_name() -> None:
    modules = sim_dispatch.handler_modules()
    assert set(modules) >= {"simulator.ix_create", "simulator.ix_lifecycle"}
    handlers = sim_dispatch.collect_handlers(modules)
    assert set(handlers) == set(INSTRUCTIONS_BY_NAME)
    for spec in INSTRUCTIONS:
        handler, size, _exact, count = sim_dispatch.DISPATCH[spec.discriminator]
        assert handler is handlers[spec.name]
        assert (size, count) == (spec.data_size, len(spec.accounts))


def test_a_missing_unknown_or_twice_registered_handler_fails() -> None:
    handlers = sim_dispatch.collect_handlers(sim_dispatch.handler_modules())
    partial = {k: v for k, v in handlers.items() if k != "close_session"}
    with pytest.raises(TypeError, match=r"missing \['close_session'\]"):
        sim_dispatch.build_dispatch(partial)
    extra: dict[str, InstructionHandler] = {
        **handlers,
        "execute_session": handlers["close_session"],
    }
    with pytest.raises(TypeError, match=r"unknown \['execute_session'\]"):
        sim_dispatch.build_dispatch(extra)
    with pytest.raises(TypeError, match="has handlers in"):
        sim_dispatch.collect_handlers(("simulator.ix_create", "simulator.ix_create"))
