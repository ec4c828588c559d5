"""jsonParsed system instructions: agave's ``parse_system`` type names and info members."""

from __future__ import annotations

import pytest
from solana.rpc.async_api import AsyncClient
from solders import system_program as sp
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.transaction_status import ParsedInstruction

from sessions_tools.localnet.parsed_instructions import parsed_instruction_json

from .conftest import PAYER
from .test_pubsub import SOL, transfer_tx

pytestmark = pytest.mark.localnet

A, B, C, D, E = (Pubkey.new_unique() for _ in range(5))
SYSVAR_RECENT = Pubkey.from_string("SysvarRecentB1ockHashes11111111111111111111")
SYSVAR_RENT = Pubkey.from_string("SysvarRent111111111111111111111111111111111")


def parse(instruction: Instruction) -> object:
    accounts = [meta.pubkey for meta in instruction.accounts]
    found = parsed_instruction_json(instruction.program_id, accounts, bytes(instruction.data), 1)
    assert found is not None
    assert found["program"] == "system"
    assert found["programId"] == str(sp.ID)
    assert found["stackHeight"] == 1
    return found["parsed"]


CASES = [
    (
        sp.create_account(
            sp.CreateAccountParams(from_pubkey=A, to_pubkey=B, lamports=7, space=40, owner=C)
        ),
        "createAccount",
        {"source": A, "newAccount": B, "lamports": 7, "space": 40, "owner": C},
    ),
    (sp.assign(sp.AssignParams(pubkey=A, owner=C)), "assign", {"account": A, "owner": C}),
    (
        sp.transfer(sp.TransferParams(from_pubkey=A, to_pubkey=B, lamports=9)),
        "transfer",
        {"source": A, "destination": B, "lamports": 9},
    ),
    (
        sp.create_account_with_seed(
            sp.CreateAccountWithSeedParams(
                from_pubkey=A, to_pubkey=B, base=D, seed="seed-1", lamports=5, space=8, owner=C
            )
        ),
        "createAccountWithSeed",
        {
            "source": A,
            "newAccount": B,
            "base": D,
            "seed": "seed-1",
            "lamports": 5,
            "space": 8,
            "owner": C,
        },
    ),
    (
        sp.advance_nonce_account(sp.AdvanceNonceAccountParams(nonce_pubkey=A, authorized_pubkey=B)),
        "advanceNonce",
        {"nonceAccount": A, "recentBlockhashesSysvar": SYSVAR_RECENT, "nonceAuthority": B},
    ),
    (
        sp.withdraw_nonce_account(
            sp.WithdrawNonceAccountParams(
                nonce_pubkey=A, authorized_pubkey=B, to_pubkey=C, lamports=3
            )
        ),
        "withdrawFromNonce",
        {
            "nonceAccount": A,
            "destination": C,
            "recentBlockhashesSysvar": SYSVAR_RECENT,
            "rentSysvar": SYSVAR_RENT,
            "nonceAuthority": B,
            "lamports": 3,
        },
    ),
    (
        sp.initialize_nonce_account(sp.InitializeNonceAccountParams(nonce_pubkey=A, authority=B)),
        "initializeNonce",
        {
            "nonceAccount": A,
            "recentBlockhashesSysvar": SYSVAR_RECENT,
            "rentSysvar": SYSVAR_RENT,
            "nonceAuthority": B,
        },
    ),
    (
        sp.authorize_nonce_account(
            sp.AuthorizeNonceAccountParams(nonce_pubkey=A, authorized_pubkey=B, new_authority=C)
        ),
        "authorizeNonce",
        {"nonceAccount": A, "nonceAuthority": B, "newAuthorized": C},
    ),
    (sp.allocate(sp.AllocateParams(pubkey=A, space=64)), "allocate", {"account": A, "space": 64}),
    (
        sp.allocate_with_seed(
            sp.AllocateWithSeedParams(address=A, base=D, seed="s", space=2, owner=C)
        ),
        "allocateWithSeed",
        {"account": A, "base": D, "seed": "s", "space": 2, "owner": C},
    ),
    (
        sp.assign_with_seed(sp.AssignWithSeedParams(address=A, base=D, seed="t", owner=C)),
        "assignWithSeed",
        {"account": A, "base": D, "seed": "t", "owner": C},
    ),
    (
        sp.transfer_with_seed(
            sp.TransferWithSeedParams(
                from_pubkey=A, from_base=D, from_seed="u", from_owner=C, lamports=4, to_pubkey=E
            )
        ),
        "transferWithSeed",
        {
            "source": A,
            "sourceBase": D,
            "destination": E,
            "lamports": 4,
            "sourceSeed": "u",
            "sourceOwner": C,
        },
    ),
    (
        sp.upgrade_nonce_account(sp.UpgradeNonceAccountParams(nonce_pubkey=A)),
        "upgradeNonce",
        {"nonceAccount": A},
    ),
]


@pytest.mark.parametrize(("instruction", "kind", "info"), CASES, ids=[c[1] for c in CASES])
def test_system_instructions_parse_like_the_validator(
    instruction: Instruction, kind: str, info: dict[str, object]
) -> None:
    expected = {k: str(v) if isinstance(v, Pubkey) else v for k, v in info.items()}
    assert parse(instruction) == {"type": kind, "info": expected}


def test_undecodable_or_foreign_instructions_are_left_unparsed() -> None:
    transfer = sp.transfer(sp.TransferParams(from_pubkey=A, to_pubkey=B, lamports=9))
    keys = [A, B]
    data = bytes(transfer.data)
    assert parsed_instruction_json(sp.ID, keys, data[:-1], None) is None  # truncated
    assert parsed_instruction_json(sp.ID, keys[:1], data, None) is None  # too few accounts
    assert parsed_instruction_json(sp.ID, keys, (99).to_bytes(4, "little"), None) is None
    assert parsed_instruction_json(sp.ID, keys, b"", None) is None
    assert parsed_instruction_json(C, keys, data, None) is None  # not the system program
    assert parsed_instruction_json(sp.ID, keys, data + b"\x00", None) is not None  # as bincode


async def test_get_transaction_json_parsed_parses_the_transfer(client: AsyncClient) -> None:
    recipient = Pubkey.new_unique()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    signature = (await client.send_transaction(transfer_tx(recipient, SOL, blockhash))).value
    found = await client.get_transaction(
        signature, "jsonParsed", max_supported_transaction_version=0
    )
    assert found.value is not None
    [instruction] = found.value.transaction.transaction.message.instructions  # type: ignore[union-attr]
    assert isinstance(instruction, ParsedInstruction)
    assert instruction.program == "system"
    assert instruction.parsed == {
        "type": "transfer",
        "info": {"source": str(PAYER.pubkey()), "destination": str(recipient), "lamports": SOL},
    }
