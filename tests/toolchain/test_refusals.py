"""Constructs SBPF v0 cannot run are refused at link (or compile) time, naming the cause."""

from __future__ import annotations

import pytest

from sessions_tools.sbf import (
    KNOWN_SYSCALLS,
    CommonSymbolError,
    CompileError,
    CompilerOptions,
    DuplicateSymbolError,
    InvalidObjectError,
    LinkError,
    MissingEntryError,
    RefusedInstructionError,
    UnknownSyscallError,
    UnresolvedSymbolError,
    WritableSectionError,
    compile_c,
    link,
)

from .support import C_DIR, FixtureObjects


def test_jmp32_is_refused(objects: FixtureObjects) -> None:
    path = objects.path("refuse/jmp32.c", CompilerOptions(cpu="v3"))
    with pytest.raises(RefusedInstructionError) as raised:
        link([path])
    error = raised.value
    assert error.opcode & 0x07 == 0x06  # the JMP32 class
    assert (error.file, error.section, error.symbol) == (str(path), ".text", "entrypoint")
    assert error.insn_index is not None
    message = str(error)
    assert "JMP32" in message
    assert "-mcpu=v2" in message
    assert f"insn #{error.insn_index}" in message


def test_atomics_are_refused(objects: FixtureObjects) -> None:
    with pytest.raises(RefusedInstructionError) as raised:
        objects.link("refuse/atomic.c")
    assert raised.value.opcode == 0xDB
    assert raised.value.symbol == "entrypoint"
    assert "atomic" in str(raised.value)


def test_v4_signed_division_is_refused(objects: FixtureObjects) -> None:
    """v4 marks sdiv with off=1 on the unsigned opcode: v0 would silently divide unsigned."""
    with pytest.raises(RefusedInstructionError) as raised:
        objects.link("refuse/sdiv_v4.c", options=CompilerOptions(cpu="v4"))
    assert raised.value.opcode == 0x3F
    assert "nonzero offset" in str(raised.value)


@pytest.mark.parametrize(
    ("fixture", "section", "symbol"),
    [("refuse/bss_global.c", ".bss", "counter"), ("refuse/data_global.c", ".data", "seeded")],
)
def test_mutable_globals_are_refused(
    objects: FixtureObjects, fixture: str, section: str, symbol: str
) -> None:
    with pytest.raises(WritableSectionError) as raised:
        objects.link(fixture)
    error = raised.value
    assert (error.file, error.section, error.symbol) == (
        str(objects.path(fixture)),
        section,
        symbol,
    )
    assert "mutable globals" in str(error)
    assert repr(symbol) in str(error)


def test_common_symbols_are_refused(objects: FixtureObjects) -> None:
    with pytest.raises(CommonSymbolError) as raised:
        objects.link("refuse/common.c", options=CompilerOptions(extra_flags=("-fcommon",)))
    assert raised.value.symbol == "tentative"
    assert isinstance(raised.value, WritableSectionError)
    assert "-fcommon" in str(raised.value)


def test_misspelled_syscall_is_refused_with_a_suggestion(objects: FixtureObjects) -> None:
    with pytest.raises(UnknownSyscallError) as raised:
        objects.link("refuse/typo_syscall.c")
    error = raised.value
    assert error.symbol == "sol_log"
    assert error.suggestions[0] == "sol_log_"
    assert error.insn_index is not None
    assert error.section == ".text"
    assert "'sol_log'" in str(error)
    assert "did you mean sol_log_" in str(error)


def test_retired_syscall_is_refused_with_the_reason(objects: FixtureObjects) -> None:
    with pytest.raises(UnknownSyscallError) as raised:
        objects.link("refuse/retired_syscall.c")
    assert raised.value.symbol == "sol_alloc_free_"
    assert "will not bind for a new deployment" in str(raised.value)
    assert "disable_deploy_of_alloc_free_syscall" in str(raised.value)


def test_syscall_set_can_be_extended(objects: FixtureObjects) -> None:
    """A newer runtime's syscalls can be allowed without changing the linker."""
    result = objects.link("refuse/typo_syscall.c", syscalls=KNOWN_SYSCALLS | {"sol_log"})
    assert "sol_log" in result.syscalls


def test_undefined_data_symbol_is_refused(objects: FixtureObjects) -> None:
    with pytest.raises(UnresolvedSymbolError) as raised:
        objects.link("refuse/missing_data.c")
    error = raised.value
    assert not isinstance(error, UnknownSyscallError)
    assert error.symbol == "missing_table"
    assert "undefined data symbol" in str(error)


def test_undefined_function_is_refused(objects: FixtureObjects) -> None:
    with pytest.raises(UnresolvedSymbolError) as raised:
        objects.link("refuse/missing_function.c")
    assert raised.value.symbol == "helper_not_linked"
    assert raised.value.suggestions == ()  # type: ignore[attr-defined]


def test_duplicate_definitions_are_refused(objects: FixtureObjects) -> None:
    with pytest.raises(DuplicateSymbolError) as raised:
        objects.link("refuse/dup_a.c", "refuse/dup_b.c")
    error = raised.value
    assert error.symbol == "shared_name"
    assert error.file == str(objects.path("refuse/dup_b.c"))
    assert error.other_file == str(objects.path("refuse/dup_a.c"))


def test_missing_entry_is_refused(objects: FixtureObjects) -> None:
    with pytest.raises(MissingEntryError) as raised:
        objects.link("calls_lib.c")
    assert raised.value.symbol == "entrypoint"
    with pytest.raises(MissingEntryError, match="'lib_missing'"):
        objects.link("calls_main.c", "calls_lib.c", entry="lib_missing")


def test_data_entry_is_refused(objects: FixtureObjects) -> None:
    with pytest.raises(MissingEntryError, match="data"):
        objects.link("lddw.c", entry="lddw_table")


def test_other_entry_names_work(objects: FixtureObjects) -> None:
    result = objects.link("calls_main.c", "calls_lib.c", entry="lib_twice")
    assert result.entry_offset > 0


def test_non_bpf_input_is_refused(objects: FixtureObjects) -> None:
    with pytest.raises(InvalidObjectError, match="<object #0>"):
        link([b"not an ELF file at all"])
    with pytest.raises(LinkError):
        link([b"\x7fELF" + bytes(60)])
    linked = link([objects.path("hello.c")]).so
    with pytest.raises(InvalidObjectError, match="ET_DYN"):
        link([linked])  # a linked program is not a relocatable object
    with pytest.raises(TypeError, match=r"pathlib\.Path"):
        link([str(objects.path("hello.c"))])  # type: ignore[list-item]


def test_signed_division_is_a_compile_error(tmp_path: pytest.TempPathFactory) -> None:
    source = C_DIR / "refuse/signed_div.c"
    with pytest.raises(CompileError) as raised:
        compile_c(source, tmp_path / "x.o")  # type: ignore[operator]
    assert raised.value.source == source
    assert "signed division" in raised.value.stderr
    assert "signed division" in str(raised.value)


def test_warnings_are_errors(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(CompileError, match="unused_variable"):
        compile_c(C_DIR / "refuse/warning.c", tmp_path / "x.o")  # type: ignore[operator]


def test_missing_source_is_a_compile_error(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(CompileError, match="no such C source"):
        compile_c(C_DIR / "nope.c", tmp_path / "x.o")  # type: ignore[operator]
