"""SessionsClient and the cache against a scripted RPC that hangs, fails or answers garbage."""

from __future__ import annotations

import base64
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
    TransactionErrorType,
)

from sessions_client import instructions as ix
from sessions_client.accounts import encode_session
from sessions_client.cache import OptimisticSessionManager
from sessions_client.client import SessionsClient
from sessions_client.confirm import transaction_failure
from sessions_client.constants import PROGRAM_ID
from sessions_client.errors import ErrorCode, SessionsProgramError
from sessions_client.exceptions import (
    DecodeError,
    MalformedRpcResponseError,
    RpcConnectionError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    TransactionFailedError,
)
from sessions_client.pda import find_session_address
from sessions_client.types import Session, SessionStatus
from sessions_tools.bench.cache_bench import sample_session
from sessions_tools.testing import make_session_params

from .fake_rpc import FakeRpc, Reply, context, fake_rpc

OWNER = Keypair()
ADDRESS = find_session_address(OWNER.pubkey(), 1)[0]
SESSION = sample_session(OWNER.pubkey(), 1)
BLOCKHASH = str(Hash.new_unique())


def account_json(session: Session = SESSION, owner: Pubkey = PROGRAM_ID) -> dict[str, Any]:
    return {
        "data": [base64.b64encode(encode_session(session)).decode(), "base64"],
        "executable": False,
        "lamports": 10_000_000,
        "owner": str(owner),
        "rentEpoch": 0,
        "space": 0,
    }


#: How a getAccountInfo answer solders cannot read is reported (method, type, then an excerpt).
NOT_ACCOUNT_INFO = "getAccountInfo: the result is not a GetAccountInfoResp"


def with_fields(account: dict[str, Any], **fields: object) -> dict[str, Any]:
    return {**account, **fields}


def without(account: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in account.items() if name != key}


def signature_status(err: object) -> dict[str, Any]:
    """A getSignatureStatuses entry as a validator writes it (``status`` mirrors ``err``)."""
    status = {"Ok": None} if err is None else {"Err": err}
    return {
        "slot": 5,
        "confirmations": 0,
        "err": err,
        "status": status,
        "confirmationStatus": "confirmed",
    }


def transaction_record(err: object, logs: list[str], **meta_extra: object) -> dict[str, Any]:
    """A getTransaction (json encoding) result as a validator writes it."""
    meta: dict[str, Any] = {
        "err": err,
        "status": {"Ok": None} if err is None else {"Err": err},
        "fee": 5000,
        "preBalances": [10, 0],
        "postBalances": [5, 0],
        "innerInstructions": [],
        "logMessages": logs,
        "preTokenBalances": [],
        "postTokenBalances": [],
        "rewards": [],
        **meta_extra,
    }
    message = {
        "accountKeys": [str(OWNER.pubkey()), str(PROGRAM_ID)],
        "header": {
            "numRequiredSignatures": 1,
            "numReadonlySignedAccounts": 0,
            "numReadonlyUnsignedAccounts": 1,
        },
        "recentBlockhash": BLOCKHASH,
        "instructions": [{"programIdIndex": 1, "accounts": [0], "data": "", "stackHeight": None}],
    }
    transaction = {"signatures": [str(Signature.default())], "message": message}
    return {"slot": 5, "blockTime": None, "meta": meta, "transaction": transaction}


def chain(overrides: dict[str, Reply] | None = None) -> Callable[[str, list[Any]], Reply]:
    """A well-behaved chain holding SESSION at ADDRESS, with some methods overridden."""
    sent: list[str] = []

    def handler(method: str, params: list[Any]) -> Reply:
        if overrides and method in overrides:
            return overrides[method]
        if method == "getAccountInfo":
            return Reply(context(account_json() if params[0] == str(ADDRESS) else None))
        if method == "getLatestBlockhash":
            return Reply(context({"blockhash": BLOCKHASH, "lastValidBlockHeight": 300}))
        if method == "sendTransaction":
            sent.append(params[0])
            wire = base64.b64decode(params[0])
            return Reply(str(Signature.from_bytes(wire[1:65])))
        if method == "getSignatureStatuses":
            return Reply(context([signature_status(None)]))
        if method == "getTransaction":
            return Reply(transaction_record(None, [], computeUnitsConsumed=589))
        return Reply(error={"code": -32601, "message": f"Method not found: {method}"})

    return handler


@contextlib.asynccontextmanager
async def serving(
    overrides: dict[str, Reply] | None = None, **kw: Any
) -> AsyncIterator[tuple[FakeRpc, SessionsClient]]:
    """A fake chain (with ``overrides``) and a client on it with short timeouts."""
    options: dict[str, Any] = {"timeout": 0.3, "retries": 1, "retry_backoff": 0.01}
    options.update(kw)
    async with fake_rpc(chain(overrides)) as fake:
        client = SessionsClient(fake.url, **options)
        try:
            yield fake, client
        finally:
            await client.close()


# -- transport faults -----------------------------------------------------------------------


async def test_a_hanging_rpc_times_out_after_the_retries() -> None:
    async with serving({"getAccountInfo": Reply(delay=2.0)}, retries=2) as (fake, client):
        with pytest.raises(RpcTimeoutError, match="getAccountInfo") as info:
            await client.get_session(ADDRESS)
    assert "3 attempts" in str(info.value)
    assert fake.count("getAccountInfo") == 3


async def test_an_unreachable_endpoint_raises_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with SessionsClient(f"http://127.0.0.1:{port}", retries=1, retry_backoff=0) as client:
        with pytest.raises(RpcConnectionError, match="2 attempts"):
            await client.get_session(ADDRESS)


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (Reply(raw=b"\x00garbage{"), MalformedRpcResponseError, "not a JSON-RPC 2.0 response"),
        (Reply(raw=b'{"jsonrpc":"2.0","id":1}'), MalformedRpcResponseError, "JSON-RPC"),
        (Reply(status=500, raw=b"oops"), RpcError, "HTTP 500"),
        (Reply(None), MalformedRpcResponseError, f"{NOT_ACCOUNT_INFO}: null$"),
        (
            Reply({"context": {}}),
            MalformedRpcResponseError,
            rf'{NOT_ACCOUNT_INFO}: {{"context":{{}}}}$',
        ),
        (
            Reply(context(with_fields(account_json(), data=5))),
            MalformedRpcResponseError,
            f'{NOT_ACCOUNT_INFO}: .*"data":5',
        ),
        (
            Reply(context(with_fields(account_json(), data=["!!", "base64"]))),
            MalformedRpcResponseError,
            rf'{NOT_ACCOUNT_INFO}: .*"data":\["!!","base64"\]',
        ),
        (
            Reply(context(with_fields(account_json(), owner="nope", data=["", "base64"]))),
            MalformedRpcResponseError,
            f'{NOT_ACCOUNT_INFO}: .*"owner":"nope"',
        ),
        (
            Reply(context(with_fields(account_json(), lamports=-1, data=["", "base64"]))),
            MalformedRpcResponseError,
            '"lamports":-1',
        ),
        (
            Reply(context(without(account_json(), "owner"))),
            MalformedRpcResponseError,
            NOT_ACCOUNT_INFO,
        ),
        (Reply(context([1, 2])), MalformedRpcResponseError, rf"{NOT_ACCOUNT_INFO}: .*\[1,2\]"),
        (Reply(error={"code": -32005, "message": "Node is unhealthy"}), RpcResponseError, "-32005"),
    ],
)
async def test_malformed_or_failed_answers_raise_typed_errors(
    reply: Reply, error: type[Exception], message: str
) -> None:
    async with serving({"getAccountInfo": reply}, retries=3) as (fake, client):
        with pytest.raises(error, match=message):
            await client.get_session(ADDRESS)
    assert fake.count("getAccountInfo") == 1  # answers, even bad ones, are never retried


async def test_account_data_that_is_not_a_session_raises_decode_error() -> None:
    bad = account_json()
    bad["data"] = [base64.b64encode(b"\x01" * 40).decode(), "base64"]
    async with serving({"getAccountInfo": Reply(context(bad))}) as (_fake, client):
        with pytest.raises(DecodeError, match="must be"):
            await client.get_session(ADDRESS)


async def test_get_sessions_refuses_a_short_answer() -> None:
    reply = Reply(context([account_json()]))
    async with serving({"getMultipleAccounts": reply}) as (_fake, client):
        with pytest.raises(MalformedRpcResponseError, match="asked for 2 accounts, got 1"):
            await client.get_sessions([ADDRESS, Keypair().pubkey()])


async def test_listing_refuses_accounts_that_ignore_the_filters() -> None:
    stranger = sample_session(Keypair().pubkey(), 3)
    reply = Reply([{"pubkey": str(ADDRESS), "account": account_json(stranger)}])
    async with serving({"getProgramAccounts": reply}) as (fake, client):
        with pytest.raises(MalformedRpcResponseError, match="does not match the requested owner"):
            await client.sessions_by_owner(OWNER.pubkey())
        # Garbage in the list itself names the element.
        fake.handler = chain({"getProgramAccounts": Reply([{"pubkey": str(ADDRESS)}])})
        with pytest.raises(
            MalformedRpcResponseError,
            match=rf"^getProgramAccounts: the result is not a GetProgramAccountsResp or "
            rf'GetProgramAccountsWithContextResp: \[{{"pubkey":"{ADDRESS}"}}\]$',
        ):
            await client.sessions_by_owner(OWNER.pubkey())


# -- transactions ---------------------------------------------------------------------------


def preflight(err: object, logs: list[str]) -> Reply:
    return Reply(
        error={
            "code": -32002,
            "message": "Transaction simulation failed: Error processing Instruction 0",
            "data": {"err": err, "logs": logs, "accounts": None, "unitsConsumed": 700},
        }
    )


async def test_preflight_program_error_is_typed_and_never_retried() -> None:
    logs = ["Program log: InvalidStatusTransition (6022): Session status does not allow this"]
    reply = preflight({"InstructionError": [0, {"Custom": 6022}]}, logs)
    async with serving({"sendTransaction": reply}, retries=3) as (fake, client):
        with pytest.raises(SessionsProgramError) as info:
            await client.activate_session(OWNER, ADDRESS)
    assert info.value.code is ErrorCode.INVALID_STATUS_TRANSITION
    assert info.value.logs == tuple(logs)
    assert fake.count("sendTransaction") == 1


async def test_preflight_failure_of_another_kind_is_transaction_failed() -> None:
    reply = preflight("InsufficientFundsForFee", ["some log"])
    async with serving({"sendTransaction": reply}) as (_fake, client):
        with pytest.raises(TransactionFailedError, match="InsufficientFundsForFee") as info:
            await client.activate_session(OWNER, ADDRESS)
    assert not isinstance(info.value, SessionsProgramError)
    assert info.value.logs == ("some log",)


async def test_confirmed_program_error_is_typed() -> None:
    err = {"InstructionError": [0, {"Custom": 6013}]}
    overrides = {
        "getSignatureStatuses": Reply(context([signature_status(err)])),
        "getTransaction": Reply(transaction_record(err, ["Program log: Unauthorized (6013)"])),
    }
    async with serving(overrides, skip_preflight=True) as (_fake, client):
        with pytest.raises(SessionsProgramError) as info:
            await client.close_session(OWNER, ADDRESS, creator=OWNER.pubkey())
    assert info.value.code is ErrorCode.UNAUTHORIZED
    assert info.value.logs == ("Program log: Unauthorized (6013)",)


async def test_already_processed_on_a_retried_send_counts_as_sent() -> None:
    reply = preflight("AlreadyProcessed", [])
    async with serving({"sendTransaction": reply}) as (fake, client):
        result = await client.activate_session(OWNER, ADDRESS)
    assert fake.count("sendTransaction") == 1
    assert fake.count("getTransaction") == 1
    assert result.compute_units == 589
    assert result.slot == 5


async def test_a_transaction_that_never_confirms_times_out() -> None:
    overrides = {"getSignatureStatuses": Reply(context([None]))}
    async with serving(overrides, confirm_timeout=0.2, poll_interval=0.02) as (fake, client):
        with pytest.raises(RpcTimeoutError, match="did not reach confirmed"):
            await client.activate_session(OWNER, ADDRESS)
    assert fake.count("getSignatureStatuses") >= 2


def test_custom_codes_of_other_programs_are_not_sessions_errors() -> None:
    other = ix.activate_session(OWNER.pubkey(), ADDRESS, program_id=Keypair().pubkey())
    ours = ix.activate_session(OWNER.pubkey(), ADDRESS)
    err = TransactionErrorInstructionError(1, InstructionErrorCustom(6000))
    assert isinstance(
        transaction_failure(err, [], [ours, ours], PROGRAM_ID, "tx"), SessionsProgramError
    )
    failure = transaction_failure(err, ["x"], [ours, other], PROGRAM_ID, "tx")
    assert type(failure) is TransactionFailedError
    assert failure.logs == ("x",)
    assert str(failure) == 'tx: {"InstructionError":[1,{"Custom":6000}]}'
    # A custom code that is not one of ours (a system-program error inside our CPI).
    unknown = TransactionErrorInstructionError(0, InstructionErrorCustom(0))
    assert (
        type(transaction_failure(unknown, [], [ours], PROGRAM_ID, "tx")) is TransactionFailedError
    )
    # Other error kinds, and an index past the instructions, are never sessions errors.
    others: list[tuple[TransactionErrorType, str]] = [
        (
            TransactionErrorInstructionError(0, InstructionErrorFieldless.InvalidArgument),
            '{"InstructionError":[0,"InvalidArgument"]}',
        ),
        (
            TransactionErrorInstructionError(9, InstructionErrorCustom(6000)),
            '{"InstructionError":[9,{"Custom":6000}]}',
        ),
        (
            TransactionErrorInsufficientFundsForRent(2),
            '{"InsufficientFundsForRent":{"account_index":2}}',
        ),
        (TransactionErrorFieldless.AccountNotFound, "AccountNotFound"),
    ]
    for weird, text in others:
        refused = transaction_failure(weird, [], [ours], PROGRAM_ID, "tx")
        assert type(refused) is TransactionFailedError
        assert str(refused) == f"tx: {text}"


# -- the cache over a faulty RPC ------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(delay=2.0), RpcTimeoutError),
        (Reply(raw=b"<html>502 Bad Gateway</html>"), MalformedRpcResponseError),
        (
            Reply(context({"owner": str(PROGRAM_ID), "data": [None, "base64"]})),
            MalformedRpcResponseError,
        ),
    ],
)
async def test_faulty_loads_leave_the_cache_unchanged(reply: Reply, error: type[Exception]) -> None:
    other = find_session_address(OWNER.pubkey(), 2)[0]
    async with serving(retries=0) as (fake, client):
        manager = OptimisticSessionManager(client, capacity=4)
        loaded = await manager.get(ADDRESS)
        assert loaded is not None
        fake.handler = chain({"getAccountInfo": reply})
        before = manager.stats()
        with pytest.raises(error):
            await manager.get(other)
        with pytest.raises(error):
            await manager.refresh(ADDRESS)
        after = manager.stats()
    assert manager.peek(ADDRESS) is loaded
    assert other not in manager
    assert (after.size, after.loads, after.evictions) == (before.size, before.loads, 0)
    assert after.load_errors == before.load_errors + 2


@pytest.mark.parametrize(
    ("method", "reply", "error"),
    [
        ("sendTransaction", Reply(delay=2.0), RpcTimeoutError),
        ("getLatestBlockhash", Reply(raw=b"garbage"), MalformedRpcResponseError),
        ("getSignatureStatuses", Reply(context("nope")), MalformedRpcResponseError),
    ],
)
async def test_faulty_operations_leave_the_cache_unchanged(
    method: str, reply: Reply, error: type[Exception]
) -> None:
    async with serving(retries=0) as (fake, client):
        manager = OptimisticSessionManager(client, capacity=4)
        before = await manager.get(ADDRESS)
        assert before is not None
        assert before.status is SessionStatus.ACTIVE
        fake.handler = chain({method: reply})
        with pytest.raises(error):
            await manager.close(ADDRESS, lambda: client.close_session(OWNER, ADDRESS))
        assert manager.peek(ADDRESS) is before
        new = find_session_address(OWNER.pubkey(), 9)[0]
        with pytest.raises(error):
            await manager.create(
                new, lambda: client.create_session(OWNER, 9, make_session_params())
            )
        assert new not in manager
        assert manager.pending_operations() == {}


# -- what solders' typed responses do not cover -------------------------------------------


async def test_a_blockhash_that_is_not_a_hash_is_malformed_not_a_panic() -> None:
    # solders reads RpcBlockhash.blockhash lazily and panics (a BaseException) on bad input.
    reply = Reply(context({"blockhash": "xx", "lastValidBlockHeight": 300}))
    async with serving({"getLatestBlockhash": reply}) as (_fake, client):
        with pytest.raises(
            MalformedRpcResponseError, match=r"^getLatestBlockhash result\.value\.blockhash: "
        ):
            await client.latest_blockhash()


@pytest.mark.parametrize(
    "error",
    [
        {"code": -32005, "message": "Node is unhealthy"},  # solders panics without data
        {"code": -32005, "message": "Node is unhealthy", "data": {"numSlotsBehind": 7}},
        {"code": -32602, "message": "Invalid param: WrongSize"},
        {"code": -32002, "message": "Transaction simulation failed"},  # no data
        {"code": -32002, "message": "Transaction simulation failed", "data": {"err": 5}},
        {"code": -32099, "message": "a provider's own code", "data": [1, 2]},
    ],
)
async def test_error_objects_keep_code_message_and_data(error: dict[str, Any]) -> None:
    async with serving({"getAccountInfo": Reply(error=error)}, retries=3) as (fake, client):
        with pytest.raises(RpcResponseError) as info:
            await client.get_session(ADDRESS)
    assert (info.value.code, info.value.rpc_message) == (error["code"], error["message"])
    assert info.value.data == error.get("data")
    assert info.value.simulation is None
    assert str(info.value) == f"getAccountInfo: JSON-RPC error {error['code']}: {error['message']}"
    assert fake.count("getAccountInfo") == 1


async def test_a_preflight_failure_carries_solders_simulation() -> None:
    logs = ["Program log: InvalidStatusTransition (6022): Session status does not allow this"]
    reply = preflight({"InstructionError": [0, {"Custom": 6022}]}, logs)
    async with serving({"sendTransaction": reply}) as (_fake, client):
        with pytest.raises(SessionsProgramError) as info:
            await client.activate_session(OWNER, ADDRESS)
    cause = info.value.__cause__
    assert isinstance(cause, RpcResponseError)
    assert cause.simulation is not None
    assert cause.simulation.logs == logs
    assert cause.simulation.units_consumed == 700
    assert cause.simulation.err == TransactionErrorInstructionError(0, InstructionErrorCustom(6022))


async def test_an_envelope_with_result_and_error_is_malformed() -> None:
    both = b'{"jsonrpc":"2.0","id":1,"result":null,"error":{"code":-32005,"message":"x"}}'
    async with serving({"getAccountInfo": Reply(raw=both)}) as (_fake, client):
        with pytest.raises(MalformedRpcResponseError, match=r"not a JSON-RPC 2\.0 response"):
            await client.get_session(ADDRESS)


async def test_a_transaction_record_without_meta_is_malformed() -> None:
    record = transaction_record(None, [])
    record["meta"] = None
    async with serving({"getTransaction": Reply(record)}) as (_fake, client):
        with pytest.raises(MalformedRpcResponseError, match="the record has no meta"):
            await client.activate_session(OWNER, ADDRESS)


async def test_a_status_solders_refuses_names_the_type() -> None:
    status = {**signature_status(None), "confirmationStatus": "bogus"}
    async with serving({"getSignatureStatuses": Reply(context([status]))}) as (_fake, client):
        with pytest.raises(
            MalformedRpcResponseError,
            match=r'^getSignatureStatuses: the result is not a GetSignatureStatusesResp: .*"bogus"',
        ):
            await client.activate_session(OWNER, ADDRESS)


async def test_a_listing_with_its_context_is_read_too() -> None:
    listing = context([{"pubkey": str(ADDRESS), "account": account_json()}])
    async with serving({"getProgramAccounts": Reply(listing)}) as (_fake, client):
        listed = await client.sessions_by_owner(OWNER.pubkey())
    assert [(item.address, item.session) for item in listed] == [(ADDRESS, SESSION)]


async def test_an_excerpt_is_bounded() -> None:
    huge = context(with_fields(account_json(), owner="nope", data=["A" * 10_000, "base64"]))
    async with serving({"getAccountInfo": Reply(huge)}) as (_fake, client):
        with pytest.raises(MalformedRpcResponseError) as info:
            await client.get_session(ADDRESS)
    assert str(info.value).endswith("...")
    assert len(str(info.value)) < 400
