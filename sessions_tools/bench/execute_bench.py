"""Compute units of execute and the instructions around it, measured in the SVM.

``execute_overhead`` is what execute itself costs: the measured total minus the CPI base and
the callee's own CU, the callee measured by invoking it directly in a separate transaction.
The CPI base (``execute_cpi_base``) is measured too, never assumed
(:mod:`sessions_tools.bench.cpi_base`): a calibration program built with the project's
toolchain makes the same CPI as execute's system transfer (two account infos, twelve bytes
of data, signed by a PDA), built once with its invoke and once without, and the CPI base is
their difference minus the callee's CU (948 in this runtime: SIMD-0339's ``invoke_units``
946 and the translation of the call; a constant of 1,000, the ``invoke_units`` before
SIMD-0339, overstated it and understated the overhead). The token transfer's overhead
subtracts the same base (its CPI passes three account infos: their few extra CU of
translation count as overhead). The first execute of a session also proves its
signer PDA and records it (``execute_overhead_first``); later ones compare one key. The
session and its signer are picked with canonical bump 255 (each lower signer bump costs the
first execute one more sha256 + curve check).
``execute_guarded_*`` run under a guard of three predicates and a spend limit (program, instruction
tag, rate limit, lamports or token spend at most), installed with update_guard; logging off.
"""

from __future__ import annotations

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from spl.token import instructions as spl
from spl.token import models as spl_models

from sessions_client import instructions as ix
from sessions_client.constants import Permission
from sessions_client.execute import execute_instruction
from sessions_client.guards import (
    GuardExpr,
    calls_per,
    compile_guard,
    discriminator_in,
    lamports_at_most,
    program_is,
    token_at_most,
)
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.spl_token import TOKEN_ACCOUNT_SIZE, TOKEN_PROGRAM_ID
from sessions_client.types import (
    Guard,
    ResourceQuotas,
    SessionConfig,
    SessionParams,
    SessionStatus,
)
from sessions_tools.bench.cpi_base import calibrate
from sessions_tools.svm import SessionsSVM, TxOutcome
from sessions_tools.testing.spl_setup import (
    MINT_SIZE,
    create_mint,
    create_token_account,
    mint_to,
)

#: The system program's Transfer and SPL Token's Transfer instruction tags.
SYSTEM_TRANSFER = (2).to_bytes(4, "little")
SPL_TRANSFER = bytes([3])
_QUOTAS = ResourceQuotas(max_executions=100, max_compute_units=10**12, max_lamports=10**15)


def _cu(outcome: TxOutcome, what: str) -> int:
    if not outcome.ok:
        raise RuntimeError(f"{what} failed in the benchmark: {outcome.failure} {outcome.logs}")
    return outcome.compute_units


def _session_with_bumps_255(svm: SessionsSVM, owner: Keypair) -> tuple[Pubkey, Pubkey]:
    """An Active session whose own bump and whose signer's bump are both 255."""
    sid = 0
    while True:
        session, bump = find_session_address(owner.pubkey(), sid)
        signer, signer_bump = find_signer_address(session)
        if bump == 255 and signer_bump == 255:
            break
        sid += 1
    params = SessionParams(SessionConfig(3600, int(Permission.EXECUTE), 0), quotas=_QUOTAS)
    _cu(svm.send(ix.create_session(owner.pubkey(), sid, params), [owner]), "create")
    _cu(svm.send(ix.activate_session(owner.pubkey(), session), [owner]), "activate")
    return session, signer


def _token_setup(svm: SessionsSVM, owner: Keypair, signer: Pubkey) -> tuple[Pubkey, Pubkey, Pubkey]:
    """A mint, a token account the signer owns holding 1,000,000, and a destination."""
    mint, held, dest = Keypair(), Keypair(), Keypair()
    rent_mint = svm.svm.minimum_balance_for_rent_exemption(MINT_SIZE)
    rent_account = svm.svm.minimum_balance_for_rent_exemption(TOKEN_ACCOUNT_SIZE)
    me = owner.pubkey()
    setup = create_mint(me, mint.pubkey(), me, rent_mint)
    setup += create_token_account(me, held.pubkey(), mint.pubkey(), signer, rent_account)
    setup += create_token_account(me, dest.pubkey(), mint.pubkey(), me, rent_account)
    setup.append(mint_to(mint.pubkey(), held.pubkey(), me, 1_000_000))
    _cu(svm.send(setup, [owner, mint, held, dest]), "token setup")
    return mint.pubkey(), held.pubkey(), dest.pubkey()


def _move(source: Pubkey, dest: Pubkey, authority: Pubkey) -> Instruction:
    return spl.transfer(
        spl_models.TransferParams(
            program_id=TOKEN_PROGRAM_ID, source=source, dest=dest, owner=authority, amount=10
        )
    )


def _token_transfer_cu(
    svm: SessionsSVM,
    owner: Keypair,
    session: Pubkey,
    tokens: tuple[Pubkey, Pubkey, Pubkey],
    cpi_base: int,
) -> dict[str, int]:
    """An SPL token transfer from a token account the signer owns, end to end, and the
    callee's own CU (the same transfer by a wallet owner, directly)."""
    _mint, held, dest = tokens
    signer, _ = find_signer_address(session)

    def move(source: Pubkey, authority: Pubkey) -> Instruction:
        return _move(source, dest, authority)

    total = _cu(
        svm.send(execute_instruction(owner.pubkey(), session, [move(held, signer)]), [owner]),
        "execute token transfer",
    )
    back = _cu(svm.send(move(dest, owner.pubkey()), [owner]), "direct token transfer")
    return {
        "execute_token_transfer": total,
        "execute_token_transfer_overhead": total - cpi_base - back,
    }


def measure_execute_cu(program: bytes | None = None) -> dict[str, int]:
    """execute (overhead and end to end), validate_session and the update instructions."""
    svm = SessionsSVM(program)
    owner = svm.funded_keypair()
    session, signer = _session_with_bumps_255(svm, owner)
    dest = svm.funded_keypair(1_000_000_000)
    _cu(
        svm.send(
            transfer(
                TransferParams(from_pubkey=owner.pubkey(), to_pubkey=signer, lamports=1_000_000_000)
            ),
            [owner],
        ),
        "fund",
    )
    cpi_base = calibrate(svm).cpi_base
    cu: dict[str, int] = {"execute_cpi_base": cpi_base}

    def pay(source: Pubkey) -> Instruction:
        return transfer(TransferParams(from_pubkey=source, to_pubkey=dest.pubkey(), lamports=1000))

    callee = _cu(svm.send(pay(owner.pubkey()), [owner]), "direct transfer")
    # the first execute proves the signer PDA (sha256 + curve check) and records it
    first = _cu(
        svm.send(execute_instruction(owner.pubkey(), session, [pay(signer)]), [owner]), "execute"
    )
    total = _cu(
        svm.send(execute_instruction(owner.pubkey(), session, [pay(signer)]), [owner]), "execute"
    )
    cu["execute_sol_transfer"] = total
    cu["execute_overhead"] = total - cpi_base - callee
    cu["execute_overhead_first"] = first - cpi_base - callee
    tokens = _token_setup(svm, owner, signer)
    cu |= _token_transfer_cu(svm, owner, session, tokens, cpi_base)
    cu["validate_session"] = _cu(
        svm.send(ix.validate_session(session, owner.pubkey()), [owner]), "validate"
    )
    cu["update_quotas"] = _cu(
        svm.send(ix.update_quotas(owner.pubkey(), session, _QUOTAS), [owner]), "update_quotas"
    )
    cu["update_permissions"] = _cu(
        svm.send(ix.update_permissions(owner.pubkey(), session, int(Permission.EXECUTE)), [owner]),
        "update_permissions",
    )
    _cu(svm.send(ix.pause_session(owner.pubkey(), session), [owner]), "pause")
    cu["update_guard"] = _cu(
        svm.send(ix.update_guard(owner.pubkey(), session, Guard()), [owner]), "update_guard"
    )
    cu["execute_guarded_sol_transfer"] = _guarded(
        svm,
        owner,
        session,
        program_is(SYSTEM_PROGRAM_ID)
        & discriminator_in(SYSTEM_TRANSFER)
        & calls_per(60, 100)
        & lamports_at_most(10_000),
        pay(signer),
    )
    mint, held, dest_tokens = tokens
    cu["execute_guarded_token_transfer"] = _guarded(
        svm,
        owner,
        session,
        program_is(TOKEN_PROGRAM_ID)
        & discriminator_in(SPL_TRANSFER)
        & calls_per(60, 100)
        & token_at_most(mint, 1_000),
        _move(held, dest_tokens, signer),
    )
    return cu


def _guarded(
    svm: SessionsSVM, owner: Keypair, session: Pubkey, policy: GuardExpr, inner: Instruction
) -> int:
    """The owner installs ``policy`` (paused), resumes, and the session executes ``inner``."""
    state = svm.session(session)
    if state is None:
        raise RuntimeError("the benchmark session disappeared")
    if state.status is not SessionStatus.PAUSED:
        _cu(svm.send(ix.pause_session(owner.pubkey(), session), [owner]), "pause")
    guard = compile_guard(policy)
    _cu(svm.send(ix.update_guard(owner.pubkey(), session, guard), [owner]), "install guard")
    _cu(svm.send(ix.resume_session(owner.pubkey(), session), [owner]), "resume")
    return _cu(svm.send(execute_instruction(owner.pubkey(), session, [inner]), [owner]), "guarded")
