"""Deployment through the real upgradeable BPF loader (buffer, writes, DeployWithMaxDataLen).

add_program skips the deploy-time checks; these tests run the loader's
verification on our output, so "it links" also means "a cluster accepts it".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.transaction import Transaction

from sessions_tools.sbf import (
    BPF_LOADER_UPGRADEABLE_ID,
    KNOWN_SYSCALLS,
    UNAVAILABLE_SYSCALLS,
    DeployError,
    compile_c,
    deploy_upgradeable,
    link,
    programdata_address,
)
from sessions_tools.sbf.deploy import (
    BUFFER_METADATA_SIZE,
    PACKET_DATA_SIZE,
    write_chunk_size,
    write_instruction,
)

from .support import FUNCTION_SECTIONS, FixtureObjects, ProgramRunner, section_bytes


def _deploy(runner: ProgramRunner, so: bytes) -> Keypair:
    program = Keypair()
    deploy_upgradeable(runner.svm, runner.payer, program, so)
    return program


def test_deployed_program_runs(objects: FixtureObjects, runner: ProgramRunner) -> None:
    so = objects.link("hello.c").so
    program = _deploy(runner, so)
    account = runner.svm.get_account(program.pubkey())
    assert account is not None
    assert account.executable
    assert account.owner == BPF_LOADER_UPGRADEABLE_ID
    programdata = runner.svm.get_account(programdata_address(program.pubkey()))
    assert programdata is not None
    assert bytes(programdata.data).endswith(so + bytes(len(so)))  # max_data_len = 2 * size
    run = runner.invoke(program.pubkey(), b"\x05")
    assert run.ok, run
    assert "Program log: hello from the toolchain" in run.logs
    assert run.return_data == (15).to_bytes(8, "little")


@pytest.mark.parametrize(
    "names",
    [
        ("callx.c",),
        ("calls_main.c", "calls_lib.c"),
        ("abs32.c",),
        ("sections.c",),
        ("diff/funcs.c", "align.c"),
    ],
    ids=["callx-abs64-lddw", "internal-calls", "abs32", "call-addend", "alignment-padding"],
)
def test_loader_accepts_every_relocation_kind(
    objects: FixtureObjects, runner: ProgramRunner, names: tuple[str, ...]
) -> None:
    for options in (None, FUNCTION_SECTIONS):
        result = objects.link(*names) if options is None else objects.link(*names, options=options)
        program = _deploy(runner, result.so)
        via_loader = runner.invoke(program.pubkey(), bytes(17))
        direct = runner.invoke(runner.load(result.so), bytes(17))
        assert via_loader.ok, via_loader
        assert via_loader.return_data == direct.return_data


def test_large_program_is_written_in_several_chunks(
    objects: FixtureObjects, runner: ProgramRunner
) -> None:
    result = objects.link("diff/entry.c", "diff/funcs.c")
    assert len(result.so) > 3 * 1024
    program = _deploy(runner, result.so)
    data = bytes([2]) + (13).to_bytes(8, "little") + bytes(8)
    run = runner.invoke(program.pubkey(), data)
    assert run.ok, run
    assert run.return_data == (39).to_bytes(8, "little")


def _importing(names: frozenset[str], tmp_path: Path) -> bytes:
    """A program that imports ``names`` but calls them only for input it never gets."""
    names_sorted = sorted(names - {"abort"})
    lines = ["typedef unsigned long u64;", "extern void abort(void);"]
    lines += [f"extern u64 {name}(void);" for name in names_sorted]
    lines.append("u64 entrypoint(const unsigned char *input) {")
    lines.append("  if (input[0] != 0xAB) return 0;")
    lines.append("  u64 sum = 0;")
    lines += [f"  sum += {name}();" for name in names_sorted]
    if "abort" in names:
        lines.append("  abort();")
    lines.append("  return sum;")
    lines.append("}")
    source = tmp_path / "imports.c"
    source.write_text("\n".join(lines) + "\n")
    result = link([compile_c(source, tmp_path / "imports.o")], syscalls=names)
    assert set(result.syscalls) == names
    return result.so


@pytest.mark.parametrize("mainnet", [False, True], ids=["litesvm-default", "mainnet-features"])
def test_every_known_syscall_is_registered_by_the_runtime(tmp_path: Path, mainnet: bool) -> None:
    """One program importing the whole KNOWN_SYSCALLS set must pass the deploy-time check."""
    svm = LiteSVM().with_mainnet_features() if mainnet else LiteSVM()
    runner = ProgramRunner(svm=svm)
    program = _deploy(runner, _importing(KNOWN_SYSCALLS, tmp_path))
    assert runner.invoke(program.pubkey()).ok  # input[0] is 0: no syscall actually runs


@pytest.mark.parametrize("name", sorted(UNAVAILABLE_SYSCALLS))
def test_unavailable_syscalls_really_do_not_deploy(
    runner: ProgramRunner, tmp_path: Path, name: str
) -> None:
    """If a newer solders enables one of these, this fails: move it to KNOWN_SYSCALLS."""
    with pytest.raises(DeployError) as raised:
        _deploy(runner, _importing(frozenset({name}), tmp_path))
    assert any(f"Unresolved symbol ({name})" in line for line in raised.value.logs)


@pytest.mark.parametrize("fixture", ["refuse/typo_syscall.c", "refuse/retired_syscall.c"])
def test_loader_rejects_what_the_linker_refuses(
    objects: FixtureObjects, runner: ProgramRunner, fixture: str
) -> None:
    """Forcing an unknown import past the linker shows why the link-time check exists."""
    so = objects.link(fixture, syscalls=KNOWN_SYSCALLS | {"sol_log", "sol_alloc_free_"}).so
    runner.load(so)  # the lenient path accepts it ...
    with pytest.raises(DeployError) as raised:  # ... the real loader does not
        _deploy(runner, so)
    error = raised.value
    assert error.step == "DeployWithMaxDataLen"
    assert "InvalidAccountData" in error.error
    assert any("Unresolved symbol" in line for line in error.logs), error.logs


def test_loader_rejects_a_jmp32_instruction(objects: FixtureObjects, runner: ProgramRunner) -> None:
    """Patch one ALU instruction into JMP32 class after linking: the verifier refuses it."""
    result = objects.link("hello.c")
    text_addr, text = section_bytes(result.so, ".text")
    index = next(i for i in range(0, len(text), 8) if text[i] == 0xBF)  # mov64 reg
    patched = bytearray(result.so)
    patched[text_addr + index] = 0x16  # jeq32 imm
    with pytest.raises(DeployError) as raised:
        _deploy(runner, bytes(patched))
    assert any("opcode" in line.lower() for line in raised.value.logs), raised.value.logs


def test_deploy_refuses_an_empty_program(runner: ProgramRunner) -> None:
    with pytest.raises(ValueError, match="empty"):
        deploy_upgradeable(runner.svm, runner.payer, Keypair(), b"")


def test_buffer_header_size_matches_the_loader() -> None:
    # enum tag (u32) + Option<Pubkey> authority
    assert BUFFER_METADATA_SIZE == 4 + 1 + 32


def test_write_chunks_fill_but_do_not_exceed_a_packet(runner: ProgramRunner) -> None:
    """LiteSVM accepts oversized transactions; a real cluster drops them."""
    buffer = Keypair().pubkey()
    chunk = write_chunk_size(runner.payer.pubkey(), runner.payer.pubkey())

    def size(n: int) -> int:
        write = write_instruction(buffer, runner.payer.pubkey(), 0, bytes(n))
        message = Message([write], runner.payer.pubkey())
        return len(bytes(Transaction([runner.payer], message, runner.svm.latest_blockhash())))

    assert size(chunk) == PACKET_DATA_SIZE
    assert size(chunk + 1) > PACKET_DATA_SIZE
