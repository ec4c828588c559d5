"""validate_session (return data, execute's errors) and the update instructions: the owner
changes anything while Paused; otherwise only narrowing, and nothing but the owner widens."""

from __future__ import annotations

from solders.message import Message
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from sessions_client import instructions as ix
from sessions_client.codec import layout_of
from sessions_client.constants import Permission
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionPermissionsUpdated, SessionQuotasUpdated
from sessions_client.types import ResourceQuotas, SessionValidity

from .support import ROOMY, ExecHarness

BOTH = int(Permission.EXECUTE | Permission.COMPOSE)


def test_validate_session_answers_in_return_data(x: ExecHarness) -> None:
    live = x.live()
    tx_ix = ix.validate_session(live.address, live.owner.pubkey())
    message = Message([tx_ix], x.fee_payer.pubkey())
    tx = Transaction([x.fee_payer, live.owner], message, x.s.svm.latest_blockhash())
    result = x.s.svm.send_transaction(tx)
    assert isinstance(result, TransactionMetadata), result
    data = bytes(result.return_data().data)
    answer = layout_of(SessionValidity).decode(data, 0)
    s = x.session(live.address)
    assert answer == SessionValidity(
        s.session_id, s.expires_at - x.s.now(), s.effective_permissions
    )


def test_validate_session_fails_like_execute(x: ExecHarness) -> None:
    live = x.live()
    stranger = x.s.funded_keypair()
    x.reject(
        ix.validate_session(live.address, stranger.pubkey()),
        [stranger],
        ErrorCode.CALLER_NOT_ADMITTED,
    )
    x.ok(ix.pause_session(live.owner.pubkey(), live.address), [live.owner])
    x.reject(
        ix.validate_session(live.address, live.owner.pubkey()),
        [live.owner],
        ErrorCode.SESSION_NOT_ACTIVE,
    )
    spent = x.live(quotas=ResourceQuotas())
    x.reject(
        ix.validate_session(spent.address, spent.owner.pubkey()),
        [spent.owner],
        ErrorCode.QUOTA_EXCEEDED,
    )


def test_owner_sets_permissions_while_paused_and_narrows_any_time(x: ExecHarness) -> None:
    live = x.live(permissions=int(Permission.EXECUTE))
    owner = live.owner
    # widening while Active is refused; narrowing is not
    x.reject(
        ix.update_permissions(owner.pubkey(), live.address, BOTH), [owner], ErrorCode.NOT_NARROWING
    )
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    out = x.ok(ix.update_permissions(owner.pubkey(), live.address, BOTH), [owner])
    assert out.events == (
        SessionPermissionsUpdated(
            live.address, owner.pubkey(), owner.pubkey(), x.s.now(), 1, BOTH, 0
        ),
    )
    s = x.session(live.address)
    assert s.effective_permissions == BOTH
    assert s.config.permissions == int(Permission.EXECUTE)  # the creation's choice, kept
    x.ok(ix.resume_session(owner.pubkey(), live.address), [owner])
    out = x.ok(ix.update_permissions(owner.pubkey(), live.address, 1), [owner])
    assert out.events[0].narrowed == 1  # type: ignore[union-attr]
    # validated like creation: COMPOSE without EXECUTE, unknown bits
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    for bad in (int(Permission.COMPOSE), 1 << 9):
        x.reject(
            ix.update_permissions(owner.pubkey(), live.address, bad),
            [owner],
            ErrorCode.INVALID_CONFIGURATION,
        )


def test_quotas_narrow_field_by_field(x: ExecHarness) -> None:
    live = x.live(quotas=ROOMY)
    owner = live.owner
    lower = ResourceQuotas(ROOMY.max_executions - 1, ROOMY.max_compute_units, ROOMY.max_lamports)
    out = x.ok(ix.update_quotas(owner.pubkey(), live.address, lower), [owner])
    assert out.events == (
        SessionQuotasUpdated(live.address, owner.pubkey(), owner.pubkey(), lower, x.s.now(), 1),
    )
    one_up = ResourceQuotas(lower.max_executions, lower.max_compute_units, lower.max_lamports + 1)
    x.reject(
        ix.update_quotas(owner.pubkey(), live.address, one_up), [owner], ErrorCode.NOT_NARROWING
    )
    stranger = x.s.funded_keypair()
    x.reject(
        ix.update_quotas(stranger.pubkey(), live.address, lower),
        [stranger],
        ErrorCode.CALLER_NOT_ADMITTED,
    )
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(ix.update_quotas(owner.pubkey(), live.address, one_up), [owner])
    assert x.session(live.address).quotas == one_up
    bad = ResourceQuotas(1, 1, 1, max_borrowed_accounts=9)
    x.reject(
        ix.update_quotas(owner.pubkey(), live.address, bad),
        [owner],
        ErrorCode.INVALID_CONFIGURATION,
    )
