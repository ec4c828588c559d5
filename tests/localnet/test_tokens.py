"""SPL token reads and jsonParsed tokens: real mints and accounts made by the token programs.

The instructions come from solana-py's ``spl.token`` builders (an independent
encoder); LiteSVM runs the real SPL Token, Token-2022 and associated-token
programs.
"""

from __future__ import annotations

from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.models import TokenAccountOpts
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import VersionedTransaction
from spl.token import instructions as spl
from spl.token.instructions import models

from sessions_tools.localnet import RunningLocalnet
from sessions_tools.localnet.parsed_instructions import parsed_instruction_json
from sessions_tools.localnet.token_layouts import (
    ACCOUNT_LEN,
    MINT_LEN,
    TOKEN_2022_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
    ui_amount_string,
)

from .test_accounts import rpc
from .test_blocks import V0, error, result

pytestmark = pytest.mark.localnet
SOL = 1_000_000_000
DECIMALS = 6


async def send(client: AsyncClient, payer: Keypair, ixs: list[Instruction], *extra: Keypair) -> str:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    message = MessageV0.try_compile(payer.pubkey(), ixs, [], blockhash)
    tx = VersionedTransaction(message, [payer, *extra])
    return str((await client.send_transaction(tx)).value)


async def allocate(
    client: AsyncClient, payer: Keypair, new: Keypair, space: int, owner: Pubkey
) -> Instruction:
    """A rent-exempt ``space``-byte account for ``owner`` (a token program)."""
    rent = (await client.get_minimum_balance_for_rent_exemption(space)).value
    params = CreateAccountParams(
        from_pubkey=payer.pubkey(), to_pubkey=new.pubkey(), lamports=rent, space=space, owner=owner
    )
    return create_account(params)


async def new_mint(
    client: AsyncClient, payer: Keypair, program: Pubkey = TOKEN_PROGRAM_ID
) -> Pubkey:
    mint = Keypair()
    await send(
        client,
        payer,
        [
            await allocate(client, payer, mint, MINT_LEN, program),
            spl.initialize_mint2(
                models.InitializeMint2Params(
                    decimals=DECIMALS,
                    program_id=program,
                    mint=mint.pubkey(),
                    mint_authority=payer.pubkey(),
                    freeze_authority=None,
                )
            ),
        ],
        mint,
    )
    return mint.pubkey()


@pytest.fixture
async def token_world(fresh_localnet: RunningLocalnet) -> dict[str, Any]:
    """A mint (6 decimals), Alice's associated account with 1.25, Bob's plain account with 0.25."""
    async with AsyncClient(fresh_localnet.url) as client:
        payer, alice, bob = Keypair(), Keypair(), Keypair()
        await client.request_airdrop(payer.pubkey(), 10 * SOL)
        mint = await new_mint(client, payer)
        alice_ata = spl.get_associated_token_address(alice.pubkey(), mint)
        bob_account = Keypair()
        await send(
            client,
            payer,
            [
                spl.create_associated_token_account(payer.pubkey(), alice.pubkey(), mint),
                spl.mint_to(
                    models.MintToParams(
                        program_id=TOKEN_PROGRAM_ID,
                        mint=mint,
                        dest=alice_ata,
                        mint_authority=payer.pubkey(),
                        amount=1_500_000,
                    )
                ),
                await allocate(client, payer, bob_account, ACCOUNT_LEN, TOKEN_PROGRAM_ID),
                spl.initialize_account3(
                    models.InitializeAccount3Params(
                        program_id=TOKEN_PROGRAM_ID,
                        account=bob_account.pubkey(),
                        mint=mint,
                        owner=bob.pubkey(),
                    )
                ),
            ],
            bob_account,
        )
        await client.request_airdrop(alice.pubkey(), SOL)  # alice pays for her transfer
        transfer_checked = spl.transfer_checked(
            models.TransferCheckedParams(
                program_id=TOKEN_PROGRAM_ID,
                source=alice_ata,
                mint=mint,
                dest=bob_account.pubkey(),
                owner=alice.pubkey(),
                amount=250_000,
                decimals=DECIMALS,
            )
        )
        transfer = await send(client, alice, [transfer_checked])
    return {
        "net": fresh_localnet,
        "mint": mint,
        "alice": alice.pubkey(),
        "alice_ata": alice_ata,
        "bob": bob.pubkey(),
        "bob_account": bob_account.pubkey(),
        "transfer": transfer,
        "payer": payer,
    }


def test_token_account_balance_and_supply(token_world: dict[str, Any]) -> None:
    net = token_world["net"]
    balance = result(net, "getTokenAccountBalance", [str(token_world["alice_ata"])])["value"]
    assert balance == {
        "amount": "1250000",
        "decimals": 6,
        "uiAmount": 1.25,
        "uiAmountString": "1.25",
    }
    bob = result(net, "getTokenAccountBalance", [str(token_world["bob_account"])])["value"]
    assert bob["uiAmountString"] == "0.25"
    supply = result(net, "getTokenSupply", [str(token_world["mint"])])["value"]
    assert supply["amount"] == "1500000"
    assert supply["uiAmountString"] == "1.5"
    missing = error(net, "getTokenAccountBalance", [str(Pubkey.new_unique())])
    assert missing["message"] == "Invalid param: could not find account"
    not_token = error(net, "getTokenAccountBalance", [str(token_world["payer"].pubkey())])
    assert not_token["message"] == "Invalid param: not a Token account"
    assert error(net, "getTokenSupply", [str(token_world["alice_ata"])])["code"] == -32602


def test_token_accounts_by_owner_by_mint_and_program(token_world: dict[str, Any]) -> None:
    net, mint = token_world["net"], token_world["mint"]
    alice = str(token_world["alice"])
    by_mint = result(
        net, "getTokenAccountsByOwner", [alice, {"mint": str(mint)}, {"encoding": "jsonParsed"}]
    )
    [entry] = by_mint["value"]
    assert entry["pubkey"] == str(token_world["alice_ata"])
    data = entry["account"]["data"]
    assert data["program"] == "spl-token"
    assert data["space"] == ACCOUNT_LEN
    assert data["parsed"] == {
        "type": "account",
        "info": {
            "isNative": False,
            "mint": str(mint),
            "owner": alice,
            "state": "initialized",
            "tokenAmount": {
                "amount": "1250000",
                "decimals": 6,
                "uiAmount": 1.25,
                "uiAmountString": "1.25",
            },
        },
    }
    by_program = result(
        net,
        "getTokenAccountsByOwner",
        [alice, {"programId": str(TOKEN_PROGRAM_ID)}, {"encoding": "base64"}],
    )
    assert [e["pubkey"] for e in by_program["value"]] == [str(token_world["alice_ata"])]
    other_program = result(
        net, "getTokenAccountsByOwner", [alice, {"programId": str(TOKEN_2022_PROGRAM_ID)}]
    )
    assert other_program["value"] == []
    sliced = result(
        net,
        "getTokenAccountsByOwner",
        [
            alice,
            {"mint": str(mint)},
            {"encoding": "base64", "dataSlice": {"offset": 0, "length": 32}},
        ],
    )
    assert sliced["value"][0]["account"]["space"] == ACCOUNT_LEN
    assert error(net, "getTokenAccountsByOwner", [alice, {"mint": str(mint)}])["code"] == -32602
    unknown = error(
        net, "getTokenAccountsByOwner", [alice, {"programId": str(Pubkey.new_unique())}]
    )
    assert unknown["message"] == "Invalid param: unrecognized Token program id"
    no_mint = error(net, "getTokenAccountsByOwner", [alice, {"mint": str(Pubkey.new_unique())}])
    assert no_mint["message"] == "Invalid param: could not find mint"
    both = error(
        net, "getTokenAccountsByOwner", [alice, {"mint": str(mint), "programId": str(mint)}]
    )
    assert both["code"] == -32602


async def test_solana_py_parses_the_token_answers(token_world: dict[str, Any]) -> None:
    async with AsyncClient(token_world["net"].url) as client:
        parsed = await client.get_token_accounts_by_owner_json_parsed(
            token_world["bob"], TokenAccountOpts(mint=token_world["mint"])
        )
        [entry] = parsed.value
        assert entry.pubkey == token_world["bob_account"]
        assert entry.account.data.parsed["info"]["tokenAmount"]["amount"] == "250000"
        balance = await client.get_token_account_balance(token_world["bob_account"])
        assert balance.value.ui_amount_string == "0.25"


def test_account_reads_parse_mints_and_token_accounts(token_world: dict[str, Any]) -> None:
    net, mint = token_world["net"], token_world["mint"]
    info = result(net, "getAccountInfo", [str(mint), {"encoding": "jsonParsed"}])["value"]
    assert info["data"]["parsed"] == {
        "type": "mint",
        "info": {
            "mintAuthority": str(token_world["payer"].pubkey()),
            "supply": "1500000",
            "decimals": 6,
            "isInitialized": True,
            "freezeAuthority": None,
        },
    }
    many = result(
        net,
        "getMultipleAccounts",
        [
            [str(token_world["bob_account"]), str(token_world["payer"].pubkey())],
            {"encoding": "jsonParsed"},
        ],
    )["value"]
    assert many[0]["data"]["parsed"]["info"]["owner"] == str(token_world["bob"])
    assert many[1]["data"][1] == "base64"  # a wallet: no parser, the validator's fallback
    listed = result(
        net,
        "getProgramAccounts",
        [str(TOKEN_PROGRAM_ID), {"encoding": "jsonParsed", "filters": [{"dataSize": ACCOUNT_LEN}]}],
    )
    assert {e["account"]["data"]["parsed"]["type"] for e in listed} == {"account"}


def test_json_parsed_token_instructions(token_world: dict[str, Any]) -> None:
    net = token_world["net"]
    found = result(
        net, "getTransaction", [token_world["transfer"], {"encoding": "jsonParsed", **V0}]
    )
    [instruction] = found["transaction"]["message"]["instructions"]
    assert instruction["program"] == "spl-token"
    assert instruction["parsed"] == {
        "type": "transferChecked",
        "info": {
            "source": str(token_world["alice_ata"]),
            "mint": str(token_world["mint"]),
            "destination": str(token_world["bob_account"]),
            "authority": str(token_world["alice"]),
            "tokenAmount": {
                "amount": "250000",
                "decimals": 6,
                "uiAmount": 0.25,
                "uiAmountString": "0.25",
            },
        },
    }
    signatures = result(net, "getSignaturesForAddress", [str(token_world["bob_account"])])
    setup = result(
        net, "getTransaction", [signatures[-1]["signature"], {"encoding": "jsonParsed", **V0}]
    )
    top = [i.get("parsed", {}).get("type") for i in setup["transaction"]["message"]["instructions"]]
    assert top == [None, "mintTo", "createAccount", "initializeAccount3"]  # the ATA program: raw
    inner = [
        i.get("parsed", {}).get("type")
        for group in setup["meta"]["innerInstructions"]
        for i in group["instructions"]
    ]
    assert "initializeAccount3" in inner  # made by the ATA program through a CPI


def test_token_instruction_shapes_multisig_and_malformed() -> None:
    keys = [Pubkey.new_unique() for _ in range(5)]
    multisig = spl.transfer(
        models.TransferParams(
            program_id=TOKEN_PROGRAM_ID,
            source=keys[0],
            dest=keys[1],
            owner=keys[2],
            amount=7,
            signers=[keys[3], keys[4]],
        )
    )
    accounts = [meta.pubkey for meta in multisig.accounts]
    parsed = parsed_instruction_json(TOKEN_PROGRAM_ID, accounts, bytes(multisig.data), None)
    assert parsed is not None
    assert parsed["parsed"] == {
        "type": "transfer",
        "info": {
            "source": str(keys[0]),
            "destination": str(keys[1]),
            "multisigAuthority": str(keys[2]),
            "signers": [str(keys[3]), str(keys[4])],
            "amount": "7",
        },
    }
    authority = spl.set_authority(
        models.SetAuthorityParams(
            program_id=TOKEN_2022_PROGRAM_ID,
            account=keys[0],
            authority=spl.AuthorityType.CLOSE_ACCOUNT,
            current_authority=keys[1],
            new_authority=None,
        )
    )
    accounts = [meta.pubkey for meta in authority.accounts]
    parsed = parsed_instruction_json(TOKEN_2022_PROGRAM_ID, accounts, bytes(authority.data), None)
    assert parsed is not None
    assert parsed["program"] == "spl-token-2022"
    assert parsed["parsed"] == {
        "type": "setAuthority",
        "info": {
            "account": str(keys[0]),
            "authority": str(keys[1]),
            "authorityType": "closeAccount",
            "newAuthority": None,
        },
    }
    data = bytes(multisig.data)
    assert parsed_instruction_json(TOKEN_PROGRAM_ID, keys, data[:-1], None) is None
    assert parsed_instruction_json(TOKEN_PROGRAM_ID, keys[:2], data, None) is None
    assert parsed_instruction_json(TOKEN_PROGRAM_ID, keys, bytes([99]), None) is None


@pytest.mark.parametrize(
    ("amount", "decimals", "text"),
    [(0, 6, "0"), (1_250_000, 6, "1.25"), (5, 9, "0.000000005"), (42, 0, "42"), (10**6, 6, "1")],
)
def test_ui_amount_strings(amount: int, decimals: int, text: str) -> None:
    assert ui_amount_string(amount, decimals) == text


async def test_token_2022_mints_are_served_too(fresh_localnet: RunningLocalnet) -> None:
    async with AsyncClient(fresh_localnet.url) as client:
        payer = Keypair()
        await client.request_airdrop(payer.pubkey(), 2 * SOL)
        mint = await new_mint(client, payer, TOKEN_2022_PROGRAM_ID)
    supply = result(fresh_localnet, "getTokenSupply", [str(mint)])["value"]
    assert supply == {"amount": "0", "decimals": 6, "uiAmount": 0.0, "uiAmountString": "0"}
    info = result(fresh_localnet, "getAccountInfo", [str(mint), {"encoding": "jsonParsed"}])
    assert info["value"]["data"]["program"] == "spl-token-2022"
    assert rpc(fresh_localnet.url, "getHealth", [])["result"] == "ok"
