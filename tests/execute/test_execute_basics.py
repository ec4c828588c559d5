"""execute end to end in the SVM: a system transfer signed by the session signer."""

from __future__ import annotations

from solders.system_program import TransferParams, transfer

from sessions_client.events import SessionExecuted

from .support import SOL, ExecHarness


def test_signer_transfers_sol(x: ExecHarness) -> None:
    live = x.live(fund=2 * SOL)
    dest = x.s.funded_keypair(SOL).pubkey()
    out = x.run(
        live, [transfer(TransferParams(from_pubkey=live.signer, to_pubkey=dest, lamports=SOL // 2))]
    )
    assert x.s.balance(dest) == SOL + SOL // 2
    assert x.s.balance(live.signer) == 2 * SOL - SOL // 2
    s = x.session(live.address)
    assert s.usage_count == 1
    assert s.usage.lamports_spent == SOL // 2
    assert s.usage.compute_units_used == 200_000
    assert s.usage.last_used_at == x.s.now()
    assert not [e for e in out.events if isinstance(e, SessionExecuted)]
    print("CU", out.compute_units, live.signer_bump, out.logs)
