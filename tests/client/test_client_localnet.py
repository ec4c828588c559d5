"""SessionsClient over HTTP (solana-py's AsyncClient) against the localnet JSON-RPC server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import pytest_asyncio
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from sessions_client.accounts import SESSION_ACCOUNT_SIZE, encode_session
from sessions_client.cache import OptimisticSessionManager
from sessions_client.client import SessionAccount, SessionsClient
from sessions_client.constants import PROGRAM_ID, Setting
from sessions_client.errors import ErrorCode, SessionsProgramError
from sessions_client.events import (
    SessionActivated,
    SessionClosed,
    SessionCreated,
    SessionExecuted,
    SessionExpired,
    SessionPaused,
    SessionRequested,
    SessionResumed,
)
from sessions_client.exceptions import (
    AccountNotFoundError,
    DecodeError,
    TransactionFailedError,
    TransactionNotFoundError,
)
from sessions_client.guards import calls_per, compile_guard
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.refusals import GuardRejectedError, Quota, QuotaExceededError, QuotaUse
from sessions_client.types import ResourceQuotas, SessionParams, SessionStatus
from sessions_tools.bench.cache_bench import sample_session
from sessions_tools.localnet import AccountConfig, start_in_thread
from sessions_tools.testing.localnet_setup import sessions_localnet_config

pytestmark = pytest.mark.localnet

Payer = Callable[..., Awaitable[Keypair]]
Params = Callable[..., SessionParams]


async def test_whole_lifecycle_over_http(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    client = sessions_client
    owner = await localnet_payer()
    start_balance = await client.get_balance(owner.pubkey())

    created = await client.create_session(owner, None, mock_session_config())
    address = created.session
    assert address is not None
    assert created.slot > 0
    assert created.compute_units is not None
    assert created.compute_units > 0
    [event] = created.events
    assert isinstance(event, SessionCreated)
    assert (event.session, event.owner, event.creator) == (address, owner.pubkey(), owner.pubkey())
    session = await client.get_session(address)
    assert session.status is SessionStatus.CREATED
    assert session.session_id == event.session_id

    steps = [
        (client.activate_session, SessionActivated, SessionStatus.ACTIVE),
        (client.pause_session, SessionPaused, SessionStatus.PAUSED),
        (client.resume_session, SessionResumed, SessionStatus.ACTIVE),
    ]
    fees = created.fee
    for method, event_type, status in steps:
        result = await method(owner, address)
        assert [type(e) for e in result.events] == [event_type]
        assert result.events[0].session == address
        assert result.compute_units is not None
        assert result.compute_units > 0
        assert result.slot > created.slot
        assert (await client.get_session(address)).status is status
        fees += result.fee

    # Events and compute units come back from getTransaction too.
    record = await client.get_transaction(created.signature)
    assert record.compute_units == created.compute_units
    assert record.err is None
    assert await client.get_events(created.signature) == created.events

    closed = await client.close_session(owner, address)
    [closed_event] = closed.events
    assert isinstance(closed_event, SessionClosed)
    assert closed_event.rent_receiver == owner.pubkey()
    fees += closed.fee
    with pytest.raises(AccountNotFoundError):
        await client.get_session(address)
    # All the rent came back: the owner paid only fees.
    assert await client.get_balance(owner.pubkey()) == start_balance - fees


async def test_request_then_approve(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    client = sessions_client
    dapp, owner = await localnet_payer(), await localnet_payer()
    requested = await client.request_session(dapp, owner.pubkey(), None, mock_session_config(), 600)
    address = requested.session
    assert address is not None
    [event] = requested.events
    assert isinstance(event, SessionRequested)
    assert (event.owner, event.creator) == (owner.pubkey(), dapp.pubkey())
    session = await client.get_session(address)
    assert session.status is SessionStatus.REQUESTED
    assert session.creator == dapp.pubkey()

    # Only the named owner may approve.
    with pytest.raises(SessionsProgramError) as info:
        await client.approve_session(dapp, address)
    assert info.value.code is ErrorCode.UNAUTHORIZED

    approved = await client.approve_session(owner, address)
    assert [type(e) for e in approved.events] == [SessionCreated]
    assert (await client.get_session(address)).status is SessionStatus.CREATED
    await client.activate_session(owner, address)
    # The creator (the dapp) gets the rent back when the owner closes.
    closed = await client.close_session(owner, address, payer=dapp)
    [closed_event] = closed.events
    assert isinstance(closed_event, SessionClosed)
    assert closed_event.rent_receiver == dapp.pubkey()


async def test_expire_after_the_clock_passes_expiry(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    client = sessions_client
    owner, anyone = await localnet_payer(), await localnet_payer()
    created = await client.create_session(owner, None, mock_session_config(max_duration=5))
    address = created.session
    assert address is not None
    await client.activate_session(owner, address)
    with pytest.raises(SessionsProgramError) as info:
        await client.expire_session(address, payer=anyone)
    assert info.value.code is ErrorCode.SESSION_NOT_EXPIRED
    expires_at = (await client.get_session(address)).expires_at
    # Each landed transaction advances the localnet clock by one 400 ms slot.
    result = None
    for _ in range(40):
        await client.airdrop(Keypair().pubkey(), 1_000_000)
        try:
            result = await client.expire_session(address, payer=anyone)
            break
        except SessionsProgramError as exc:
            if exc.code is not ErrorCode.SESSION_NOT_EXPIRED:
                raise
    assert result is not None, "the localnet clock never passed expires_at"
    [event] = result.events
    assert isinstance(event, SessionExpired)
    assert event.expires_at == expires_at
    assert event.previous_status is SessionStatus.ACTIVE
    assert (await client.get_session(address)).status is SessionStatus.EXPIRED


# -- errors ---------------------------------------------------------------------------------


async def test_program_errors_are_typed_with_their_code(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    client = sessions_client
    owner, stranger = await localnet_payer(), await localnet_payer()

    with pytest.raises(SessionsProgramError) as info:
        await client.create_session(owner, None, mock_session_config(max_duration=0))
    assert info.value.code is ErrorCode.INVALID_CONFIGURATION
    assert f"Program log: {ErrorCode.INVALID_CONFIGURATION.log_line}" in info.value.logs

    address = (await client.create_session(owner, None, mock_session_config())).session
    assert address is not None
    with pytest.raises(SessionsProgramError) as info:
        await client.pause_session(owner, address)
    assert info.value.code is ErrorCode.SESSION_NOT_ACTIVE

    await client.activate_session(owner, address)
    with pytest.raises(SessionsProgramError) as info:
        await client.activate_session(owner, address)
    assert info.value.code is ErrorCode.INVALID_STATUS_TRANSITION
    assert "InvalidStatusTransition (6022)" in str(info.value)

    with pytest.raises(SessionsProgramError) as info:
        await client.activate_session(stranger, address)
    assert info.value.code is ErrorCode.UNAUTHORIZED

    with pytest.raises(SessionsProgramError) as info:
        await client.close_session(stranger, address)
    assert info.value.code is ErrorCode.UNAUTHORIZED
    # Nothing changed on chain.
    assert (await client.get_session(address)).status is SessionStatus.ACTIVE


async def test_program_errors_from_the_confirmed_transaction(
    localnet: str, localnet_payer: Payer, mock_session_config: Params
) -> None:
    """Without preflight the failure comes from the landed transaction's status and logs."""
    async with SessionsClient(localnet, skip_preflight=True) as client:
        owner = await localnet_payer()
        address = (await client.create_session(owner, None, mock_session_config())).session
        assert address is not None
        with pytest.raises(SessionsProgramError) as info:
            await client.resume_session(owner, address)
        assert info.value.code is ErrorCode.INVALID_STATUS_TRANSITION
        assert info.value.logs
        assert any("InvalidStatusTransition" in line for line in info.value.logs)


async def test_non_program_failures_raise_transaction_failed(
    sessions_client: SessionsClient, mock_session_config: Params
) -> None:
    broke = Keypair()  # no lamports: cannot pay the fee
    with pytest.raises(TransactionFailedError) as info:
        await sessions_client.create_session(broke, None, mock_session_config())
    assert not isinstance(info.value, SessionsProgramError)
    assert "AccountNotFound" in str(info.value) or "credit" in str(info.value)


async def test_reading_what_is_not_a_session(
    sessions_client: SessionsClient, localnet_payer: Payer
) -> None:
    wallet = await localnet_payer()
    with pytest.raises(DecodeError, match="not the sessions program"):
        await sessions_client.get_session(wallet.pubkey())
    with pytest.raises(AccountNotFoundError):
        await sessions_client.get_session(Keypair().pubkey())
    with pytest.raises(TransactionNotFoundError):
        await sessions_client.get_events(Keypair().sign_message(b"nothing"))


async def test_get_sessions_keeps_order_and_reports_missing(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    client = sessions_client
    owner = await localnet_payer()
    first = (await client.create_session(owner, None, mock_session_config())).session
    second = (await client.create_session(owner, None, mock_session_config())).session
    assert first is not None
    assert second is not None
    missing = [Keypair().pubkey() for _ in range(120)]  # more than one 100-address batch
    found = await client.get_sessions([first, *missing, second])
    assert len(found) == 122
    assert found[0] == await client.get_session(first)
    assert found[-1] == await client.get_session(second)
    assert found[1:-1] == [None] * 120


async def test_optimistic_manager_over_the_client(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    client = sessions_client
    manager = OptimisticSessionManager(client, capacity=4)
    owner = await localnet_payer()
    session_id = client.new_session_id(owner.pubkey())
    address = (await client.create_session(owner, session_id, mock_session_config())).session
    assert address is not None
    await client.close_session(owner, address)  # ids are reusable once closed
    await manager.create(
        address, lambda: client.create_session(owner, session_id, mock_session_config())
    )
    entry = manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.CREATED
    with pytest.raises(SessionsProgramError):
        await manager.activate(address, lambda: client.pause_session(owner, address))
    entry = manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.ACTIVATION_FAILED
    await manager.activate(address, lambda: client.activate_session(owner, address))
    entry = manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.ACTIVE
    await manager.close(address, lambda: client.close_session(owner, address))
    assert manager.peek(address) is None
    assert await manager.get(address) is None


# -- listings ---------------------------------------------------------------------------------

OWNER_A = Keypair()
OWNER_B = Keypair()
DAPP = Keypair()
PARENT_1 = Keypair().pubkey()
PARENT_2 = Keypair().pubkey()
RENT = (SESSION_ACCOUNT_SIZE + 128) * 6960
PRELOADED_FIRST_ID = 1000


def _preloaded() -> dict[Pubkey, tuple[Pubkey, Pubkey, SessionStatus, Pubkey]]:
    """Child sessions no instruction can create yet: address -> (owner, creator, status, parent)."""
    rows = [
        (OWNER_A.pubkey(), OWNER_A.pubkey(), SessionStatus.ACTIVE, PARENT_1),
        (OWNER_A.pubkey(), OWNER_A.pubkey(), SessionStatus.PAUSED, PARENT_1),
        (OWNER_B.pubkey(), DAPP.pubkey(), SessionStatus.ACTIVE, PARENT_1),
        (OWNER_B.pubkey(), OWNER_B.pubkey(), SessionStatus.ACTIVE, PARENT_2),
    ]
    # at their PDAs (the client refuses a Session anywhere else), ids 1000, 1001, ...
    return {
        find_session_address(row[1], PRELOADED_FIRST_ID + index)[0]: row
        for index, row in enumerate(rows)
    }


PRELOADED = _preloaded()


def _accounts() -> list[AccountConfig]:
    accounts = []
    for index, (address, (owner, creator, status, parent)) in enumerate(PRELOADED.items()):
        session_id = PRELOADED_FIRST_ID + index
        session = dataclasses.replace(
            sample_session(owner, session_id),
            bump=find_session_address(creator, session_id)[1],
            creator=creator,
            status=status,
            bound_to=parent,
            depth=1,
        )
        accounts.append(AccountConfig(address, RENT, PROGRAM_ID, encode_session(session)))
    data = encode_session(sample_session(OWNER_A.pubkey(), 7))
    # Same size, wrong discriminator; and a right-prefixed account of the wrong size.
    accounts.append(AccountConfig(Keypair().pubkey(), RENT, PROGRAM_ID, b"\xff" * 8 + data[8:]))
    accounts.append(AccountConfig(Keypair().pubkey(), RENT, PROGRAM_ID, data + b"\0"))
    return accounts


async def _make_sessions(url: str) -> dict[str, Pubkey]:
    """Sessions made by instructions beside the preloaded ones: created, active, requested."""
    async with SessionsClient(url) as client:
        for keypair in (OWNER_A, OWNER_B, DAPP):
            await client.airdrop(keypair.pubkey(), 10**10)
        params = SessionParams(sample_session(OWNER_A.pubkey(), 0).config)
        a_created = (await client.create_session(OWNER_A, None, params)).session
        a_active = (await client.create_session(OWNER_A, None, params)).session
        assert a_created is not None
        assert a_active is not None
        await client.activate_session(OWNER_A, a_active)
        requested = await client.request_session(DAPP, OWNER_B.pubkey(), None, params, 600)
        assert requested.session is not None
        return {"a_created": a_created, "a_active": a_active, "b_requested": requested.session}


@pytest.fixture(scope="module")
def listing_localnet() -> Iterator[tuple[str, dict[str, Pubkey]]]:
    """One localnet for the listing tests (read-only), set up once in its own event loop."""
    running = start_in_thread(sessions_localnet_config(accounts=_accounts()), port=0)
    try:
        yield running.url, asyncio.run(_make_sessions(running.url))
    finally:
        running.stop()


@pytest_asyncio.fixture
async def listing_client(
    listing_localnet: tuple[str, dict[str, Pubkey]],
) -> AsyncIterator[tuple[SessionsClient, dict[str, Pubkey]]]:
    url, made = listing_localnet
    async with SessionsClient(url) as client:
        yield client, made


def _addresses(items: list[SessionAccount]) -> set[Pubkey]:
    return {item.address for item in items}


def _preloaded_where(**want: object) -> set[Pubkey]:
    names = ("owner", "creator", "status", "parent")
    return {
        address
        for address, row in PRELOADED.items()
        if all(dict(zip(names, row, strict=True))[k] == v for k, v in want.items())
    }


async def test_list_by_owner(listing_client: tuple[SessionsClient, dict[str, Pubkey]]) -> None:
    client, made = listing_client
    by_a = await client.sessions_by_owner(OWNER_A.pubkey())
    assert _addresses(by_a) == {made["a_created"], made["a_active"]} | _preloaded_where(
        owner=OWNER_A.pubkey()
    )
    assert all(item.session.owner == OWNER_A.pubkey() for item in by_a)
    assert [bytes(i.address) for i in by_a] == sorted(bytes(i.address) for i in by_a)
    by_b = await client.sessions_by_owner(OWNER_B.pubkey())
    assert _addresses(by_b) == {made["b_requested"]} | _preloaded_where(owner=OWNER_B.pubkey())
    assert await client.sessions_by_owner(Keypair().pubkey()) == []


async def test_list_by_status(listing_client: tuple[SessionsClient, dict[str, Pubkey]]) -> None:
    client, made = listing_client
    active = await client.sessions_by_status(SessionStatus.ACTIVE)
    assert _addresses(active) == {made["a_active"]} | _preloaded_where(status=SessionStatus.ACTIVE)
    assert _addresses(await client.sessions_by_status(SessionStatus.CREATED)) == {made["a_created"]}
    assert _addresses(await client.sessions_by_status(SessionStatus.REQUESTED)) == {
        made["b_requested"]
    }
    assert _addresses(await client.sessions_by_status(SessionStatus.PAUSED)) == _preloaded_where(
        status=SessionStatus.PAUSED
    )
    assert await client.sessions_by_status(SessionStatus.EXPIRED) == []
    with pytest.raises(ValueError, match="never stored on chain"):
        await client.sessions_by_status(SessionStatus.CREATING)


async def test_list_by_parent(listing_client: tuple[SessionsClient, dict[str, Pubkey]]) -> None:
    client, _ = listing_client
    children_1 = await client.sessions_by_parent(PARENT_1)
    assert _addresses(children_1) == _preloaded_where(parent=PARENT_1)
    assert len(children_1) == 3
    assert all(item.session.bound_to == PARENT_1 for item in children_1)
    assert _addresses(await client.sessions_by_parent(PARENT_2)) == _preloaded_where(
        parent=PARENT_2
    )
    assert await client.sessions_by_parent(Keypair().pubkey()) == []


async def test_list_by_several_fields_at_once(
    listing_client: tuple[SessionsClient, dict[str, Pubkey]],
) -> None:
    client, _ = listing_client
    # Four field filters: two go to the endpoint, two are applied by the client.
    found = await client.list_sessions(
        owner=OWNER_B.pubkey(),
        status=SessionStatus.ACTIVE,
        bound_to=PARENT_1,
        creator=DAPP.pubkey(),
    )
    assert _addresses(found) == _preloaded_where(
        owner=OWNER_B.pubkey(), status=SessionStatus.ACTIVE, parent=PARENT_1, creator=DAPP.pubkey()
    )
    assert len(found) == 1
    both = await client.list_sessions(owner=OWNER_A.pubkey(), bound_to=PARENT_1)
    assert _addresses(both) == _preloaded_where(owner=OWNER_A.pubkey(), parent=PARENT_1)
    assert len(both) == 2


async def test_execute_over_http_and_a_named_quota(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    """SessionsClient.execute wraps ordinary Instructions; QuotaExceeded names its quota."""
    client = sessions_client
    owner = await localnet_payer()
    quotas = ResourceQuotas(max_executions=5, max_compute_units=10**9, max_lamports=30_000)
    created = await client.create_session(
        owner, None, mock_session_config(settings=int(Setting.EXECUTION_LOGGING), quotas=quotas)
    )
    session = created.session
    assert session is not None
    await client.activate_session(owner, session)
    signer, _ = find_signer_address(session)
    await client.airdrop(signer, 1_000_000_000)

    def pay(lamports: int) -> Instruction:
        return transfer(
            TransferParams(from_pubkey=signer, to_pubkey=owner.pubkey(), lamports=lamports)
        )

    done = await client.execute(session, [pay(20_000)], signer=owner, compute_unit_limit=50_000)
    [event] = done.events
    assert isinstance(event, SessionExecuted)
    assert (event.lamports_spent, event.compute_units, event.usage_count) == (20_000, 50_000, 1)
    with pytest.raises(QuotaExceededError) as refused:
        await client.execute(session, [pay(10_001)], signer=owner)
    assert refused.value.use == QuotaUse(Quota.MAX_LAMPORTS, 30_000, 20_000, None)
    assert refused.value.code is ErrorCode.QUOTA_EXCEEDED


async def test_guard_rejection_names_the_refusing_predicate(
    sessions_client: SessionsClient, localnet_payer: Payer, mock_session_config: Params
) -> None:
    """A guard of 10 calls a minute refuses the 11th; GuardRejectedError names calls_per, and
    says what it could not know (the spend) and where the time came from."""
    client = sessions_client
    owner = await localnet_payer()
    quotas = ResourceQuotas(max_executions=100, max_compute_units=10**9, max_lamports=10**6)
    created = await client.create_session(owner, None, mock_session_config(quotas=quotas))
    session = created.session
    assert session is not None
    await client.activate_session(owner, session)
    await client.pause_session(owner, session)
    await client.update_guard(owner, session, compile_guard(calls_per(60, 10)))
    await client.resume_session(owner, session)
    signer, _ = find_signer_address(session)
    await client.airdrop(signer, 1_000_000_000)
    pay = transfer(TransferParams(from_pubkey=signer, to_pubkey=owner.pubkey(), lamports=1))
    for _ in range(10):
        await client.execute(session, [pay], signer=owner)
    with pytest.raises(GuardRejectedError) as refused:
        await client.execute(session, [pay], signer=owner)
    error = refused.value
    assert error.code is ErrorCode.GUARD_REJECTED
    assert error.instruction_index == 0
    assert error.explanation is not None
    assert error.explanation.holds is False
    assert error.explanation.reasons == ("calls_per(60, 10): this would be call 11 in the window",)
    assert "calls_per(60, 10)" in str(error)
    assert any(note.startswith("now: getBlockTime of slot") for note in error.explanation.notes)
    assert any("unknown" in note for note in error.explanation.notes)
    assert error.logs  # the refused transaction's logs are kept
