"""anchorpy over RPC against ``sessions localnet``: a rejected ``.rpc()`` names the IDL error.

The main environment starts the localnet (SESSIONS_INTEROP_RPC_URL); anchorpy
sends real transactions to it through its own Provider and, on a preflight
failure, maps the program's custom code to the IDL's error with
``ProgramError.parse``; the program's log line is the Anchor-format one Anchor
TS parses.
"""

from __future__ import annotations

import asyncio
import os

import interop_support as s
import pytest
from anchorpy import Program, Provider, Wallet
from anchorpy.error import ProgramError
from anchorpy.program.namespace.methods import MethodsBuilder
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from test_interop_svm import params

OPTS = TxOpts(preflight_commitment=Confirmed)


async def funded(client: AsyncClient) -> Keypair:
    owner = Keypair()
    airdrop = await client.request_airdrop(owner.pubkey(), 2_000_000_000)
    await client.confirm_transaction(airdrop.value, Confirmed)
    return owner


def rpc_program(client: AsyncClient, owner: Keypair) -> Program:
    return Program(s.idl(), s.program_id(), Provider(client, Wallet(owner), OPTS))


def builder(
    program: Program, name: str, args: dict[str, object], accounts: dict[str, Pubkey]
) -> MethodsBuilder:
    idl_ix = next(i for i in s.idl().instructions if i.name == name)
    return program.methods[name].args([args[a.name] for a in idl_ix.args]).accounts(accounts)


def create_builder(
    program: Program, owner: Keypair, session_id: int, max_duration: int = 3_600
) -> tuple[MethodsBuilder, Pubkey]:
    """create_session for ``owner``, its PDA resolved from the IDL's seeds."""
    accounts, bumps = s.resolve_accounts(
        "create_session", {"creator": owner.pubkey()}, {"session_id": session_id}
    )
    args = {
        "session_id": session_id,
        "params": params(max_duration=max_duration),
        "bump": bumps["session"],
    }
    return builder(program, "create_session", args, accounts), accounts["session"]


async def reject_activation_twice() -> ProgramError:
    async with AsyncClient(os.environ["SESSIONS_INTEROP_RPC_URL"], Confirmed) as client:
        owner = await funded(client)
        program = rpc_program(client, owner)
        create, session = create_builder(program, owner, 5)
        await create.rpc(OPTS)
        activate = builder(
            program, "activate_session", {}, {"owner": owner.pubkey(), "session": session}
        )
        await activate.rpc(OPTS)
        with pytest.raises(ProgramError) as caught:
            await activate.rpc(OPTS)
    return caught.value


def test_rejected_rpc_raises_the_idl_error() -> None:
    error = asyncio.run(reject_activation_twice())  # this environment has no pytest-asyncio
    assert s.idl_error_by_code()[error.code] == "InvalidStatusTransition"
    assert error.msg == next(e.msg for e in s.idl().errors or [] if e.code == error.code)
    assert error.logs is not None
    assert s.anchor_errors_in_logs(error.logs) == [("InvalidStatusTransition", 6022, error.msg)]


async def create_with_zero_duration() -> ProgramError:
    async with AsyncClient(os.environ["SESSIONS_INTEROP_RPC_URL"], Confirmed) as client:
        owner = await funded(client)
        create, _ = create_builder(rpc_program(client, owner), owner, 6, max_duration=0)
        with pytest.raises(ProgramError) as caught:
            await create.rpc(OPTS)
    return caught.value


def test_invalid_configuration_over_rpc() -> None:
    error = asyncio.run(create_with_zero_duration())
    assert s.idl_error_by_code()[error.code] == "InvalidConfiguration"
    assert error.logs is not None
    assert [name for name, _, _ in s.anchor_errors_in_logs(error.logs)] == ["InvalidConfiguration"]
