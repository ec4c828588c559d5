"""``sessions demo``: a session's whole lifecycle in the embedded SVM, step by step.

A dapp requests a session for an owner, the owner approves, activates, pauses
it and sets its guard (at most 0.01 SOL per execution), a stranger's resume is
rejected, the owner resumes it and funds its signer, the session pays 0.005 SOL
through ``execute`` and its guard refuses a 0.02 SOL payment, and the owner
closes it. Each
step prints the decoded events, the program's error (if any), the session's
status and the compute units the SVM measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.constants import Permission, Setting
from sessions_client.events import Event
from sessions_client.execute import execute_instruction
from sessions_client.guards import compile_guard, lamports_at_most
from sessions_client.pda import find_session_address, find_signer_address, session_id_with_bump
from sessions_client.types import ResourceQuotas, SessionConfig, SessionParams
from sessions_tools.program_build import build_sessions_program
from sessions_tools.svm import SessionsSVM, TxOutcome

SOL = 1_000_000_000


@dataclass(frozen=True, slots=True)
class DemoStep:
    title: str
    outcome: TxOutcome
    status_after: str
    #: What the session's signer holds afterwards (closing returns it to the owner).
    signer_lamports: int


def describe_event(event: Event) -> str:
    """One line per event: its name and the fields that matter to a reader."""
    fields = {
        name: getattr(event, name)
        for name in type(event).__dataclass_fields__
        if name not in {"session", "owner", "creator", "rent_receiver"}
    }
    rendered = ", ".join(f"{k}={v.name if hasattr(v, 'name') else v}" for k, v in fields.items())
    return f"{type(event).__name__}({rendered})"


def run_demo_steps() -> list[DemoStep]:
    """Execute the demo scenario and return every step's outcome (no printing)."""
    svm = SessionsSVM()
    dapp, owner, stranger = svm.funded_keypair(), svm.funded_keypair(), svm.funded_keypair()
    session_id = session_id_with_bump(dapp.pubkey(), 255, start=1)
    session, _ = find_session_address(dapp.pubkey(), session_id)
    params = SessionParams(
        SessionConfig(
            max_duration=3600,
            permissions=int(Permission.EXECUTE),
            settings=int(Setting.EXECUTION_LOGGING),
        ),
        quotas=ResourceQuotas(
            max_executions=100, max_compute_units=1_000_000, max_lamports=SOL // 10
        ),
    )
    signer, _ = find_signer_address(session)
    shop = svm.funded_keypair().pubkey()

    def pay(lamports: int) -> Instruction:
        inner = transfer(TransferParams(from_pubkey=signer, to_pubkey=shop, lamports=lamports))
        return execute_instruction(owner.pubkey(), session, [inner])

    steps: list[DemoStep] = []

    def step(title: str, build: Callable[[], Instruction], signers: list[Keypair]) -> None:
        outcome = svm.send(build(), signers)
        state = svm.session(session)
        status = state.status.name if state else "(closed)"
        steps.append(DemoStep(title, outcome, status, svm.balance(signer)))

    step(
        "dapp requests a session for the owner",
        lambda: ix.request_session(dapp.pubkey(), owner.pubkey(), session_id, params, 600),
        [dapp],
    )
    svm.advance(5)
    step("owner approves it", lambda: ix.approve_session(owner.pubkey(), session), [owner])
    step("owner activates it", lambda: ix.activate_session(owner.pubkey(), session), [owner])
    svm.advance(60)
    step("owner pauses it", lambda: ix.pause_session(owner.pubkey(), session), [owner])
    step(
        "owner sets its guard: at most 0.01 SOL per execution",
        lambda: ix.update_guard(
            owner.pubkey(), session, compile_guard(lamports_at_most(SOL // 100))
        ),
        [owner],
    )
    step(
        "a stranger tries to resume it (rejected)",
        lambda: ix.resume_session(stranger.pubkey(), session),
        [stranger],
    )
    step("owner resumes it", lambda: ix.resume_session(owner.pubkey(), session), [owner])
    step(
        "owner funds the session's signer with 0.05 SOL",
        lambda: transfer(
            TransferParams(from_pubkey=owner.pubkey(), to_pubkey=signer, lamports=SOL // 20)
        ),
        [owner],
    )
    step("the session pays 0.005 SOL (allowed)", lambda: pay(SOL // 200), [owner])
    step("the session tries to pay 0.02 SOL (its guard refuses)", lambda: pay(SOL // 50), [owner])
    svm.advance(60)
    step(
        "owner closes it; rent returns to the dapp, the signer's SOL to the owner",
        lambda: ix.close_session(owner.pubkey(), session, dapp.pubkey(), owner.pubkey()),
        [owner],
    )
    return steps


def run_demo(console: Console | None = None) -> list[DemoStep]:
    """Build the program if needed, run the scenario, print a table."""
    console = console or Console()
    build = build_sessions_program()
    verb = "built" if build.rebuilt else "up to date"
    console.print(f"[bold]sessions program[/] {verb}: {build.path} ({build.size} bytes)")
    steps = run_demo_steps()
    for number, s in enumerate(steps, 1):
        outcome = s.outcome
        verdict = "[green]ok[/]" if outcome.ok else "[red]rejected[/]"
        console.print(
            f"[bold]{number}. {s.title}[/]  {verdict}  "
            f"[cyan]{outcome.compute_units} CU[/]  -> {s.status_after}, "
            f"signer holds {s.signer_lamports / SOL:g} SOL"
        )
        for event in outcome.events:
            console.print(f"     event  {describe_event(event)}")
        if not outcome.ok:
            code = outcome.error
            text = f"{code.pascal_name} ({int(code)}): {code.message}" if code else outcome.failure
            console.print(f"     error  {text}")
    return steps
