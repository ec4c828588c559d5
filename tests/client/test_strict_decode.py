"""The client refuses Sessions the program could never have stored (issue 11, item 8).

Each refusal is a typed error (a ``DecodeError`` subclass, so existing
handlers still catch it), from ``decode_session`` and from every read of the
client, listings included: a bad entry is reported, never returned as a
session.
"""

from __future__ import annotations

import base64
import dataclasses

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client.accounts import (
    decode_session,
    decode_session_layout,
    encode_session,
)
from sessions_client.codec import layout_of
from sessions_client.constants import MAX_SESSION_DURATION
from sessions_client.exceptions import (
    DecodeError,
    DuplicateAccountError,
    InvalidSessionConfigError,
    InvalidSessionError,
    InvalidSessionStatusError,
    MalformedRpcResponseError,
    SessionAddressMismatchError,
    UnsupportedSessionVersionError,
)
from sessions_client.pda import find_session_address
from sessions_client.types import Session, SessionConfig, SessionStatus
from sessions_tools.bench.cache_bench import sample_session

from .fake_rpc import Reply, context
from .test_rpc_faults import ADDRESS, OWNER, SESSION, account_json, chain, serving

VERSION_OFFSET = 8 + layout_of(Session).leaf("version").offset


def with_config(session: Session, max_duration: int) -> Session:
    config = SessionConfig(max_duration, session.config.permissions, session.config.settings)
    return dataclasses.replace(session, config=config)


def raw_with_version(version: int) -> bytes:
    raw = bytearray(encode_session(SESSION))
    raw[VERSION_OFFSET] = version
    return bytes(raw)


BAD_SESSIONS: dict[str, tuple[bytes, type[InvalidSessionError], str]] = {
    "version 99": (raw_with_version(99), UnsupportedSessionVersionError, "layout version 99"),
    "version 0": (raw_with_version(0), UnsupportedSessionVersionError, "layout version 0"),
    "status Closed": (
        encode_session(dataclasses.replace(SESSION, status=SessionStatus.CLOSED)),
        InvalidSessionStatusError,
        "CLOSED is never stored",
    ),
    "status Creating": (
        encode_session(dataclasses.replace(SESSION, status=SessionStatus.CREATING)),
        InvalidSessionStatusError,
        "CREATING is never stored",
    ),
    "negative max_duration": (
        encode_session(with_config(SESSION, -1)),
        InvalidSessionConfigError,
        "max_duration -1 is outside 1..",
    ),
    "zero max_duration": (
        encode_session(with_config(SESSION, 0)),
        InvalidSessionConfigError,
        "max_duration 0",
    ),
    "max_duration over 30 days": (
        encode_session(with_config(SESSION, MAX_SESSION_DURATION + 1)),
        InvalidSessionConfigError,
        f"max_duration {MAX_SESSION_DURATION + 1}",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SESSIONS))
def test_decode_session_refuses_what_the_program_never_stores(case: str) -> None:
    raw, error, message = BAD_SESSIONS[case]
    with pytest.raises(error, match=message):
        decode_session(raw)
    assert issubclass(error, DecodeError)


def test_the_layout_decoder_still_reads_them_for_the_program_model() -> None:
    raw, _, _ = BAD_SESSIONS["status Closed"]
    assert decode_session_layout(raw).status is SessionStatus.CLOSED


def test_valid_sessions_decode_at_their_pda() -> None:
    assert decode_session(encode_session(SESSION), address=ADDRESS) == SESSION
    assert decode_session(encode_session(SESSION)) == SESSION  # no address, no PDA check


def test_a_session_served_at_another_address_is_refused() -> None:
    elsewhere = Keypair().pubkey()
    with pytest.raises(SessionAddressMismatchError, match=f"{elsewhere}.*not the PDA") as raised:
        decode_session(encode_session(SESSION), address=elsewhere)
    assert raised.value.address == elsewhere
    assert raised.value.expected == ADDRESS
    wrong_bump = dataclasses.replace(SESSION, bump=(SESSION.bump - 1) % 256)
    with pytest.raises(SessionAddressMismatchError):
        decode_session(encode_session(wrong_bump), address=ADDRESS)
    with pytest.raises(SessionAddressMismatchError):  # same bytes, another program's PDA
        decode_session(encode_session(SESSION), address=ADDRESS, program_id=Pubkey.new_unique())


@pytest.mark.parametrize("case", sorted(BAD_SESSIONS))
async def test_reads_refuse_bad_sessions(case: str) -> None:
    raw, error, message = BAD_SESSIONS[case]
    account = account_json()
    account["data"] = [base64.b64encode(raw).decode(), "base64"]
    listing = Reply([{"pubkey": str(ADDRESS), "account": account}])
    overrides = {
        "getAccountInfo": Reply(context(account)),
        "getMultipleAccounts": Reply(context([account])),
        "getProgramAccounts": listing,
    }
    async with serving(overrides) as (_fake, client):
        with pytest.raises(error, match=message):
            await client.get_session(ADDRESS)
        with pytest.raises(error, match=message):
            await client.get_sessions([ADDRESS])
        with pytest.raises(error, match=message) as listed:
            await client.list_sessions()
    assert listed.value.__notes__ == [f"in getProgramAccounts result[0] ({ADDRESS})"]


async def test_reads_refuse_a_session_that_is_not_at_its_pda() -> None:
    elsewhere = Keypair().pubkey()
    listing = Reply([{"pubkey": str(elsewhere), "account": account_json()}])
    overrides = {
        "getAccountInfo": Reply(context(account_json())),
        "getMultipleAccounts": Reply(context([account_json()])),
        "getProgramAccounts": listing,
    }
    async with serving(overrides) as (_fake, client):
        with pytest.raises(SessionAddressMismatchError):
            await client.get_session(elsewhere)
        with pytest.raises(SessionAddressMismatchError):
            await client.get_sessions([elsewhere])
        with pytest.raises(SessionAddressMismatchError) as listed:
            await client.sessions_by_owner(OWNER.pubkey())
    assert listed.value.__notes__ == [f"in getProgramAccounts result[0] ({elsewhere})"]


async def test_a_listing_with_the_same_account_twice_is_refused() -> None:
    other = sample_session(OWNER.pubkey(), 2)
    other_address = find_session_address(OWNER.pubkey(), 2)[0]
    entries = [
        {"pubkey": str(ADDRESS), "account": account_json()},
        {"pubkey": str(other_address), "account": account_json(other)},
        {"pubkey": str(ADDRESS), "account": account_json()},
    ]
    async with serving({"getProgramAccounts": Reply(entries)}) as (fake, client):
        with pytest.raises(DuplicateAccountError, match=rf"result\[2\]: {ADDRESS}.*result\[0\]"):
            await client.sessions_by_owner(OWNER.pubkey())
        fake.handler = chain({"getProgramAccounts": Reply(entries[:2])})
        listed = await client.sessions_by_owner(OWNER.pubkey())
    assert [item.address for item in listed] == sorted([ADDRESS, other_address], key=bytes)
    assert issubclass(DuplicateAccountError, MalformedRpcResponseError)
