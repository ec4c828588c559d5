"""execute's refusals, each with its own code and nothing changed; quotas at the limit and one
over; the escapes (Assign, SetAuthority, Approve) that move nothing yet hand an account away."""

from __future__ import annotations

from collections.abc import Sequence

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import (
    AllocateParams,
    AssignParams,
    TransferParams,
    allocate,
    assign,
    transfer,
)
from spl.token import instructions as spl
from spl.token import models as spl_models

from sessions_client import instructions as ix
from sessions_client.constants import (
    MAX_INNER_ACCOUNTS,
    MAX_INNER_INSTRUCTIONS,
    MAX_INSTRUCTION_ACCOUNTS,
    PROGRAM_ID,
    Permission,
    Setting,
)
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionExecuted
from sessions_client.execute import SIGNER_INDEX, execute_instruction
from sessions_client.spl_token import TOKEN_PROGRAM_ID, read_token_account
from sessions_client.types import ResourceQuotas

from .support import ROOMY, SOL, ExecHarness, Live


def pay(live: Live, to: Keypair | None = None, lamports: int = 1000) -> Instruction:
    dest = (to or live.owner).pubkey()  # a funded account: no rent-state refusal
    return transfer(TransferParams(from_pubkey=live.signer, to_pubkey=dest, lamports=lamports))


def reject(
    x: ExecHarness,
    live: Live,
    inner: list[Instruction],
    code: ErrorCode,
    *,
    authority: Keypair | None = None,
    extra_signers: Sequence[Keypair] = (),
    before: Sequence[Instruction] = (),
) -> None:
    _exe, ixs, signers = x.execute(
        live, inner, authority=authority, extra_signers=extra_signers, before=before
    )
    x.reject(ixs, signers, code, index=len(ixs) - 1, watch=[live.signer])


def test_event_with_execution_logging(x: ExecHarness) -> None:
    live = x.live(fund=SOL, settings=int(Setting.EXECUTION_LOGGING))
    out = x.run(live, [pay(live, lamports=SOL // 4)])
    (event,) = [e for e in out.events if isinstance(e, SessionExecuted)]
    assert event == SessionExecuted(
        live.address,
        live.owner.pubkey(),
        live.owner.pubkey(),
        pay(live).program_id,
        SOL // 4,
        200_000,
        1,
        x.s.now(),
        1,
    )


def test_execution_quota_exactly_at_the_limit(x: ExecHarness) -> None:
    live = x.live(fund=SOL, quotas=ResourceQuotas(2, 10**9, 10**9))
    x.run(live, [pay(live)])
    x.run(live, [pay(live)])
    assert x.session(live.address).usage_count == 2
    reject(x, live, [pay(live)], ErrorCode.QUOTA_EXCEEDED)


def test_lamport_quota_exactly_at_the_limit(x: ExecHarness) -> None:
    live = x.live(fund=SOL, quotas=ResourceQuotas(10, 10**9, 5000))
    x.run(live, [pay(live, lamports=3000)])
    reject(x, live, [pay(live, lamports=2001)], ErrorCode.QUOTA_EXCEEDED)
    x.run(live, [pay(live, lamports=2000)])
    assert x.session(live.address).usage.lamports_spent == 5000
    reject(x, live, [pay(live, lamports=1)], ErrorCode.QUOTA_EXCEEDED)


def test_compute_quota_charges_the_requested_limit(x: ExecHarness) -> None:
    from solders.compute_budget import set_compute_unit_limit

    live = x.live(fund=SOL, quotas=ResourceQuotas(10, 100_000, 10**9))
    limit = [set_compute_unit_limit(50_000)]
    x.run(live, [pay(live)], before=limit)
    x.run(live, [pay(live)], before=limit)
    assert x.session(live.address).usage.compute_units_used == 100_000
    reject(x, live, [pay(live)], ErrorCode.QUOTA_EXCEEDED, before=limit)


def test_zero_quotas_allow_nothing(x: ExecHarness) -> None:
    live = x.live(fund=SOL, quotas=ResourceQuotas())
    reject(x, live, [pay(live)], ErrorCode.QUOTA_EXCEEDED)


def test_paused_expired_closed_sessions(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    x.ok(ix.pause_session(live.owner.pubkey(), live.address), [live.owner])
    reject(x, live, [pay(live)], ErrorCode.SESSION_NOT_ACTIVE)
    x.ok(ix.resume_session(live.owner.pubkey(), live.address), [live.owner])
    x.s.set_time(x.session(live.address).expires_at)
    reject(x, live, [pay(live)], ErrorCode.SESSION_EXPIRED)
    o = live.owner.pubkey()
    x.ok(ix.close_session(o, live.address, o, o), [live.owner])
    reject(x, live, [pay(live)], ErrorCode.SESSION_NOT_FOUND)


def test_stranger_and_foreign_session(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    stranger = x.s.funded_keypair()
    reject(x, live, [pay(live)], ErrorCode.CALLER_NOT_ADMITTED, authority=stranger)
    # the owner of another session names this session: not admitted either
    other = x.live()
    reject(x, live, [pay(live)], ErrorCode.CALLER_NOT_ADMITTED, authority=other.owner)


def test_permissions(x: ExecHarness) -> None:
    live = x.live(fund=SOL, permissions=0)
    reject(x, live, [pay(live)], ErrorCode.PERMISSION_DENIED)
    one = x.live(fund=SOL)
    reject(x, one, [pay(one), pay(one)], ErrorCode.PERMISSION_DENIED)
    both = x.live(fund=SOL, permissions=int(Permission.EXECUTE | Permission.COMPOSE))
    x.run(both, [pay(both, lamports=700), pay(both, lamports=300)])
    assert x.session(both.address).usage.lamports_spent == 1000


def test_gross_outflow_counts_each_cpi(x: ExecHarness) -> None:
    """Money out in one inner instruction and back in the next still counts as spent."""
    live = x.live(
        fund=SOL,
        permissions=int(Permission.EXECUTE | Permission.COMPOSE),
        quotas=ResourceQuotas(10, 10**9, 10_000),
    )
    friend = x.s.funded_keypair(SOL)
    back = transfer(
        TransferParams(from_pubkey=friend.pubkey(), to_pubkey=live.signer, lamports=8000)
    )
    x.run(live, [pay(live, friend, 8000), back], extra_signers=[friend])
    assert x.session(live.address).usage.lamports_spent == 8000
    reject(
        x, live, [pay(live, friend, 8000), back], ErrorCode.QUOTA_EXCEEDED, extra_signers=[friend]
    )


def test_cpi_into_the_sessions_program(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    inner = ix.pause_session(live.owner.pubkey(), live.address)
    reject(x, live, [inner], ErrorCode.CPI_NOT_ALLOWED)


def test_session_account_writable_in_the_cpi(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    sneaky = Instruction(
        pay(live).program_id,
        bytes(pay(live).data),
        [AccountMeta(live.signer, True, True), AccountMeta(live.address, False, True)],
    )
    reject(x, live, [sneaky], ErrorCode.SESSION_ACCOUNT_WRITABLE_IN_CPI)


def test_wrong_signer_bump_or_account(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    exe = execute_instruction(
        live.owner.pubkey(), live.address, [pay(live)], signer_bump=live.signer_bump - 1
    )
    x.reject(exe, [live.owner], ErrorCode.INVALID_SESSION_SIGNER)
    other = x.live(fund=SOL)
    honest = execute_instruction(live.owner.pubkey(), live.address, [pay(live)])
    metas = list(honest.accounts)
    metas[SIGNER_INDEX] = AccountMeta(other.signer, False, True)  # another session's signer
    forged = Instruction(PROGRAM_ID, bytes(honest.data), metas)
    x.reject(forged, [live.owner], ErrorCode.INVALID_SESSION_SIGNER)


def test_assign_and_allocate_escapes(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    reject(
        x,
        live,
        [assign(AssignParams(pubkey=live.signer, owner=TOKEN_PROGRAM_ID))],
        ErrorCode.SIGNER_ESCAPED,
    )
    reject(
        x, live, [allocate(AllocateParams(pubkey=live.signer, space=8))], ErrorCode.SIGNER_ESCAPED
    )


def test_malformed_inner_encoding(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    exe = execute_instruction(live.owner.pubkey(), live.address, [pay(live)])
    data = bytes(exe.data)
    x.reject(
        Instruction(PROGRAM_ID, data + b"\x00", list(exe.accounts)),
        [live.owner],
        ErrorCode.INVALID_INSTRUCTION_DATA,
    )
    x.reject(
        Instruction(PROGRAM_ID, data[:-1], list(exe.accounts)),
        [live.owner],
        ErrorCode.INVALID_INSTRUCTION_DATA,
    )
    bad_index = bytearray(data)
    bad_index[10] = len(exe.accounts)  # the program index points past the accounts
    x.reject(
        Instruction(PROGRAM_ID, bytes(bad_index), list(exe.accounts)),
        [live.owner],
        ErrorCode.INVALID_ACCOUNT_INDEX,
    )
    zero = bytearray(data)
    zero[9] = 0
    x.reject(
        Instruction(PROGRAM_ID, bytes(zero), list(exe.accounts)),
        [live.owner],
        ErrorCode.INVALID_INSTRUCTION_DATA,
    )


def test_duplicate_accounts(x: ExecHarness) -> None:
    """The session listed again at another index is still the session: the runtime passes a
    duplicate as a reference to the first record, which is what the program compares."""
    live = x.live(fund=SOL)
    exe = execute_instruction(live.owner.pubkey(), live.address, [pay(live)])
    metas = [*exe.accounts, AccountMeta(live.address, False, True)]
    data = bytearray(exe.data)
    # point the transfer's destination (the last meta of the inner instruction) at the duplicate
    count = data[11]
    dest_at = 12 + 3 * (count - 1)
    data[dest_at] = len(metas) - 1
    x.reject(
        Instruction(PROGRAM_ID, bytes(data), metas),
        [live.owner],
        ErrorCode.SESSION_ACCOUNT_WRITABLE_IN_CPI,
    )


def _signer_tokens(x: ExecHarness, live: Live, amount: int) -> tuple[Pubkey, Pubkey]:
    mint = x.mint(live.owner)
    account = x.token_account(live.owner, mint, live.signer, amount, mint_authority=live.owner)
    return mint, account


def test_token_set_authority_and_approve_escapes(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    mint, account = _signer_tokens(x, live, 100)
    thief = Keypair().pubkey()
    set_owner = spl.set_authority(
        spl_models.SetAuthorityParams(
            program_id=TOKEN_PROGRAM_ID,
            account=account,
            authority=spl_models.AuthorityType.ACCOUNT_OWNER,
            current_authority=live.signer,
            new_authority=thief,
        )
    )
    reject(x, live, [set_owner], ErrorCode.AUTHORITY_CHANGED)
    approve = spl.approve(
        spl_models.ApproveParams(
            program_id=TOKEN_PROGRAM_ID,
            source=account,
            delegate=thief,
            owner=live.signer,
            amount=100,
        )
    )
    reject(x, live, [approve], ErrorCode.AUTHORITY_CHANGED)
    close_auth = spl.set_authority(
        spl_models.SetAuthorityParams(
            program_id=TOKEN_PROGRAM_ID,
            account=account,
            authority=spl_models.AuthorityType.CLOSE_ACCOUNT,
            current_authority=live.signer,
            new_authority=thief,
        )
    )
    reject(x, live, [close_auth], ErrorCode.AUTHORITY_CHANGED)
    # an honest transfer from the same account is fine and counted
    dest = x.token_account(live.owner, mint, thief)
    x.run(
        live,
        [
            spl.transfer(
                spl_models.TransferParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=account,
                    dest=dest,
                    owner=live.signer,
                    amount=40,
                )
            )
        ],
    )
    assert x.token_amount(dest) == 40


def test_token_allowance_spent_down_to_exactly_zero(x: ExecHarness) -> None:
    """The owner approves the session signer for 100 tokens of their own account; the session
    spends 60 then 40 (SPL clears the delegate at zero, which is allowed); one more fails."""
    live = x.live(fund=SOL, quotas=ROOMY)
    owner = live.owner
    mint = x.mint(owner)
    wallet = x.token_account(owner, mint, owner.pubkey(), 1000, mint_authority=owner)
    shop = x.token_account(owner, mint, Keypair().pubkey())
    x.ok(
        spl.approve(
            spl_models.ApproveParams(
                program_id=TOKEN_PROGRAM_ID,
                source=wallet,
                delegate=live.signer,
                owner=owner.pubkey(),
                amount=100,
            )
        ),
        [owner],
    )

    def spend(n: int) -> Instruction:
        return spl.transfer(
            spl_models.TransferParams(
                program_id=TOKEN_PROGRAM_ID, source=wallet, dest=shop, owner=live.signer, amount=n
            )
        )

    x.run(live, [spend(60)])
    left = read_token_account(x.raw(wallet))
    assert (left.delegate, left.delegated_amount) == (live.signer, 40)
    x.run(live, [spend(40)])
    assert x.token_amount(shop) == 100
    assert x.token_amount(wallet) == 900
    spent = read_token_account(x.raw(wallet))
    assert (spent.delegate, spent.delegated_amount) == (None, 0)  # SPL cleared the delegate
    _exe, ixs, signers = x.execute(live, [spend(1)])
    out = x.send(ixs, signers)
    assert not out.ok
    assert out.error is None
    assert out.failure is not None
    assert "Custom(4)" in out.failure, out.failure  # the token program's OwnerMismatch
    assert x.session(live.address).usage_count == 2


def test_limits_and_privileges_of_inner_instructions(x: ExecHarness) -> None:
    live = x.live(fund=SOL, permissions=int(Permission.EXECUTE | Permission.COMPOSE))
    owner = live.owner
    exe = execute_instruction(owner.pubkey(), live.address, [pay(live)])
    data = bytearray(exe.data)
    data[9] = MAX_INNER_INSTRUCTIONS + 1  # more inner instructions than allowed
    x.reject(
        Instruction(PROGRAM_ID, bytes(data), list(exe.accounts)),
        [owner],
        ErrorCode.INVALID_INSTRUCTION_DATA,
    )
    many = Instruction(
        pay(live).program_id,
        bytes(pay(live).data),
        [
            AccountMeta(live.signer, True, True),
            *(AccountMeta(owner.pubkey(), False, True) for _ in range(MAX_INNER_ACCOUNTS)),
        ],
    )
    reject(x, live, [many], ErrorCode.TOO_MANY_ACCOUNTS)
    padded = [
        *exe.accounts,
        *(AccountMeta(Keypair().pubkey(), False, False) for _ in range(MAX_INSTRUCTION_ACCOUNTS)),
    ]
    x.reject(Instruction(PROGRAM_ID, bytes(exe.data), padded), [owner], ErrorCode.TOO_MANY_ACCOUNTS)
    # an inner meta may not ask for a privilege the outer instruction lacks
    outer = list(exe.accounts)
    read_only = bytearray(exe.data)
    count = read_only[11]
    dest_meta = 12 + 3 * (count - 1)
    read_only[dest_meta] = 3  # the instructions sysvar (read-only) as the writable destination
    x.reject(
        Instruction(PROGRAM_ID, bytes(read_only), outer), [owner], ErrorCode.ACCOUNT_NOT_WRITABLE
    )
    not_signed = bytearray(exe.data)
    not_signed[dest_meta + 2] = 1  # the destination "signs", but it is no signer of execute
    not_signed[dest_meta] = 1  # the session account: not a signer (and not writable-passed)
    not_signed[dest_meta + 1] = 0
    x.reject(Instruction(PROGRAM_ID, bytes(not_signed), outer), [owner], ErrorCode.MISSING_SIGNER)
