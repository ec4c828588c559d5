"""The portable build: per-sysvar syscalls instead of ``sol_get_sysvar``, for runtimes without it.

The import table is read with pyelftools (not the linker's own record of what it linked), the
refusal is the loader's own, and ``test_lifecycle.py`` drives every lifecycle through the portable
build deployed through the upgradeable loader into that runtime.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from sessions_client import instructions as ix
from sessions_client.events import SessionActivated, SessionCreated
from sessions_client.pda import find_session_address, session_id_with_bump
from sessions_client.types import SessionStatus
from sessions_tools.bench.cu_bench import measure_instruction_cu
from sessions_tools.paths import project_paths
from sessions_tools.program_build import BuildVariant, build_sessions_program
from sessions_tools.sbf import DeployError, build_program
from sessions_tools.sbf.build import fingerprint
from sessions_tools.svm import SessionsSVM

from .legacy_runtime import deploy_through_loader, portable_sessions, runtime_without_get_sysvar
from .support import params


def imported_symbols(so: bytes) -> set[str]:
    """Names of the undefined (imported) .dynsym symbols: the syscalls the loader must bind."""
    dynsym = ELFFile(io.BytesIO(so)).get_section_by_name(".dynsym")
    assert dynsym is not None
    return {s.name for s in dynsym.iter_symbols() if s.name and s["st_shndx"] == "SHN_UNDEF"}


def test_portable_so_imports_no_sol_get_sysvar(program_so: bytes, portable_so: bytes) -> None:
    portable = imported_symbols(portable_so)
    assert "sol_get_sysvar" not in portable
    assert {"sol_get_clock_sysvar", "sol_get_rent_sysvar"} <= portable
    default = imported_symbols(program_so)
    assert "sol_get_sysvar" in default  # the check above can fail: the default build has it
    assert not {"sol_get_clock_sysvar", "sol_get_rent_sysvar"} & default
    assert portable - {"sol_get_clock_sysvar", "sol_get_rent_sysvar"} == default - {
        "sol_get_sysvar"
    }


def test_variants_have_their_own_outputs_and_stamps() -> None:
    paths = project_paths()
    default = build_sessions_program()
    portable = build_sessions_program(variant=BuildVariant.PORTABLE)
    assert default.path.name == "sessions.so"
    assert portable.path.name == "sessions-portable.so"
    assert default.sha256 != portable.sha256
    # Building one variant leaves the other up to date: both stamps hold.
    assert not build_sessions_program().rebuilt
    assert not build_sessions_program(variant=BuildVariant.PORTABLE).rebuilt
    stamps = {
        fingerprint(
            paths.program_src, [paths.program_include], variant.compiler_options(), "entrypoint"
        )
        for variant in BuildVariant
    }
    assert len(stamps) == len(BuildVariant)


def test_stamp_follows_the_variant(tmp_path: Path) -> None:
    """The same output path built as the other variant is rebuilt, not reused."""
    paths = project_paths()
    out = tmp_path / "sessions.so"
    options = BuildVariant.DEFAULT.compiler_options()
    first = build_program(paths.program_src, [paths.program_include], out, options=options)
    assert first.rebuilt
    portable = BuildVariant.PORTABLE.compiler_options()
    second = build_program(paths.program_src, [paths.program_include], out, options=portable)
    assert second.rebuilt
    assert "sol_get_sysvar" not in second.syscalls
    assert "sol_get_sysvar" in first.syscalls


def test_runtime_without_sol_get_sysvar_refuses_the_default_build(program_so: bytes) -> None:
    with pytest.raises(DeployError) as refused:
        deploy_through_loader(runtime_without_get_sysvar(), program_so)
    assert refused.value.step == "DeployWithMaxDataLen"
    assert any("Unresolved symbol (sol_get_sysvar)" in line for line in refused.value.logs)


def test_portable_build_reads_the_clock_and_rent(portable_so: bytes) -> None:
    sessions: SessionsSVM = portable_sessions(portable_so)
    owner = sessions.funded_keypair()
    sid = session_id_with_bump(owner.pubkey(), 255)
    address, _ = find_session_address(owner.pubkey(), sid)
    t0 = sessions.now()
    create = ix.create_session(owner.pubkey(), sid, params(max_duration=60))
    created = sessions.send(create, [owner])
    assert created.ok, created.failure
    assert created.events == (
        SessionCreated(address, owner.pubkey(), owner.pubkey(), sid, 1, 0, t0, t0 + 60),
    )
    account = sessions.svm.get_account(address)
    assert account is not None
    assert account.lamports == sessions.svm.minimum_balance_for_rent_exemption(len(account.data))
    sessions.advance(7)
    activated = sessions.send(ix.activate_session(owner.pubkey(), address), [owner])
    assert activated.events == (SessionActivated(address, owner.pubkey(), t0 + 7, t0 + 60),)
    session = sessions.session(address)
    assert session is not None
    assert session.status == SessionStatus.ACTIVE


def test_default_build_stays_the_cheapest(program_so: bytes, portable_so: bytes) -> None:
    """Both columns of the CU bench: execute, close and expire read the Clock sysvar's
    account in both builds, so where they read no other sysvar they cost the same; every
    other figure reads a sysvar by syscall (the clock, or the Rent a sweep's rent-state
    check needs), so it costs more in the portable build."""
    default = measure_instruction_cu(program_so)
    portable = measure_instruction_cu(portable_so)
    assert default.keys() == portable.keys()
    nothing_to_sweep = {"close_session", "expire_session", "expire_session_auto_close"}
    by_account = {name for name in default if name.startswith("execute")} | nothing_to_sweep
    assert by_account, default
    assert all(default[name] == portable[name] for name in by_account), (default, portable)
    syscall = default.keys() - by_account
    assert all(default[name] < portable[name] for name in syscall), (default, portable)
