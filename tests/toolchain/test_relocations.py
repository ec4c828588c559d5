"""Every relocation kind and the callx rewrite: exact output bytes, then execution in LiteSVM."""

from __future__ import annotations

import struct

import pytest

from sessions_tools.sbf import (
    DEFAULT_OPTIONS,
    CompilerOptions,
    LinkResult,
    UnsupportedRelocationError,
    WritableSectionError,
    link,
)

from .support import (
    FUNCTION_SECTIONS,
    MM_PROGRAM_START,
    FixtureObjects,
    ProgramRunner,
    dynamic_imports,
    elf,
    expected_text_placement,
    input_relocations,
    lddw_values,
    object_slot,
    patch_relocation_type,
    patch_section_flags,
    section_bytes,
    symbol_vaddr,
    text_slots,
)

R_BPF_64_64, R_BPF_64_ABS64, R_BPF_64_ABS32, R_BPF_64_NODYLD32 = 1, 2, 3, 4
R_BPF_64_RELATIVE, R_BPF_64_32 = 8, 10
U64 = (1 << 64) - 1
TABLE = [0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444]
OPTION_IDS = ["one-text-per-file", "function-sections"]


# ---- R_BPF_64_64: lddw ---------------------------------------------------------------------


def test_lddw_named_symbol_resolves_to_region1_address(objects: FixtureObjects) -> None:
    obj = objects.data("lddw.c")
    relocs = [r for r in input_relocations(obj, ".text") if r[1] == R_BPF_64_64]
    assert any(name == "lddw_table" for _, _, name in relocs), relocs
    result = objects.link("lddw.c")
    table = symbol_vaddr(result.so, "lddw_table")
    values = dict(lddw_values(result.so))
    for offset, _, name in relocs:
        if name == "lddw_table":
            assert values[offset // 8] == MM_PROGRAM_START + table
    rodata_addr, rodata = section_bytes(result.so, ".rodata")
    start = table - rodata_addr
    assert list(struct.unpack_from("<4Q", rodata, start)) == TABLE


def test_lddw_section_symbol_plus_addend_points_at_the_literal(objects: FixtureObjects) -> None:
    obj = objects.data("lddw.c")
    relocs = [r for r in input_relocations(obj, ".text") if r[1] == R_BPF_64_64]
    string_relocs = [r for r in relocs if r[2].startswith(".rodata")]
    assert string_relocs, relocs
    result = objects.link("lddw.c")
    rodata_addr, rodata = section_bytes(result.so, ".rodata")
    values = dict(lddw_values(result.so))
    for offset, _, _ in string_relocs:
        address = values[offset // 8]
        assert address >= MM_PROGRAM_START + rodata_addr
        start = address - MM_PROGRAM_START - rodata_addr
        assert rodata[start : start + len(b"lddw-greeting")] == b"lddw-greeting"


def test_lddw_program_runs(objects: FixtureObjects, runner: ProgramRunner) -> None:
    program = runner.load(objects.link("lddw.c").so)
    for index, expected in enumerate(TABLE):
        assert runner.returns_u64(program, bytes([index])) == expected
    assert "Program log: lddw-greeting" in runner.invoke(program, b"\x00").logs


# ---- R_BPF_64_32: internal calls -------------------------------------------------------------


def _square(x: int) -> int:
    return (x * x + 3) & U64


def _calls_expected(x: int) -> int:
    twice = (_square(x) + _square(x + 1)) & U64
    chain = ((_square(x) >> 3) * 7 + 1) & U64
    return twice ^ chain


def _verify_relocated_calls(objs: list[bytes], result: LinkResult) -> list[tuple[str, int]]:
    """Check every R_BPF_64_32 site of the output; return (symbol, original imm) per call.

    Internal calls must hold the pc-relative delta to the target, which is the
    named symbol, or (section symbol) the section start plus the addend that
    BPF objects encode in the call's own immediate as addend / 8 - 1.
    """
    text_addr, _ = section_bytes(result.so, ".text")
    slots = text_slots(result.so)
    placement = expected_text_placement(objs)
    checked: list[tuple[str, int]] = []
    for (position, section), base in placement.items():
        obj = objs[position]
        for offset, kind, name in input_relocations(obj, section):
            assert kind == R_BPF_64_32
            site = base + offset
            out = slots[site // 8]
            original = object_slot(obj, section, offset)
            if name in result.syscalls:
                assert (out.opcode, out.src, out.imm) == (0x85, 0, -1)
                continue
            if name.startswith(".text"):  # static callee through its section symbol
                target = placement[(position, name)] + (original.imm + 1) * 8
            else:
                target = symbol_vaddr(result.so, name) - text_addr
            assert (out.opcode, out.src, out.imm) == (0x85, 0, (target - site) // 8 - 1)
            checked.append((name, original.imm))
    return checked


@pytest.mark.parametrize("options", [DEFAULT_OPTIONS, FUNCTION_SECTIONS], ids=OPTION_IDS)
def test_internal_call_imm_is_relative_instruction_delta(
    objects: FixtureObjects, options: CompilerOptions
) -> None:
    names = ("calls_main.c", "calls_lib.c")
    result = objects.link(*names, options=options)
    checked = {
        name
        for name, _ in _verify_relocated_calls([objects.data(n, options) for n in names], result)
    }
    assert {"lib_twice", "lib_chain", "main_helper"} <= checked
    if options.function_sections:
        assert ".text.lib_square" in checked
    else:
        assert ".text.lib_square" not in checked  # resolved by the compiler, left as is


def test_call_addend_in_the_immediate(objects: FixtureObjects, runner: ProgramRunner) -> None:
    """A call into the middle of .text from another section carries its offset in imm."""
    result = objects.link("sections.c")
    checked = _verify_relocated_calls([objects.data("sections.c")], result)
    addends = [imm for name, imm in checked if name == ".text"]
    assert len(addends) == 2
    assert any(imm != -1 for imm in addends)
    program = runner.load(result.so)
    for x in (0, 1, 99, U64):
        first = lambda v: (v * 5) & U64  # noqa: E731
        expected = (((x + 1000) & U64) ^ first(x)) + first((x + 1) & U64)
        assert runner.returns_u64(program, x.to_bytes(8, "little")) == expected & U64


def test_calls_resolved_by_the_compiler_keep_their_delta(objects: FixtureObjects) -> None:
    """Without -ffunction-sections, static calls arrive pc-relative; only src is normalised."""
    lib = objects.data("calls_lib.c")
    relocated = {offset for offset, _, _ in input_relocations(lib, ".text")}
    result = objects.link("calls_main.c", "calls_lib.c")
    base = expected_text_placement([objects.data("calls_main.c"), lib])[(1, ".text")]
    slots = text_slots(result.so)
    unrelocated_calls = 0
    for offset in range(0, len(lib), 8):
        try:
            original = object_slot(lib, ".text", offset)
        except struct.error:
            break
        if original.opcode == 0x85 and offset not in relocated:
            out = slots[(base + offset) // 8]
            assert (out.opcode, out.imm, out.src) == (0x85, original.imm, 0)
            unrelocated_calls += 1
    assert unrelocated_calls >= 2


@pytest.mark.parametrize("options", [DEFAULT_OPTIONS, FUNCTION_SECTIONS], ids=OPTION_IDS)
def test_multi_file_calls_run(
    objects: FixtureObjects, runner: ProgramRunner, options: CompilerOptions
) -> None:
    program = runner.load(objects.link("calls_main.c", "calls_lib.c", options=options).so)
    for x in (0, 1, 12345, 2**32 + 7, U64):
        assert runner.returns_u64(program, x.to_bytes(8, "little")) == _calls_expected(x)


# ---- callx rewrite, R_BPF_64_ABS64 and lddw of code addresses -------------------------------


def test_callx_register_moves_from_dst_to_imm(objects: FixtureObjects) -> None:
    obj = objects.data("callx.c")
    result = objects.link("callx.c")
    slots = text_slots(result.so)
    callx = [s for s in slots if s.opcode == 0x8D]
    assert len(callx) >= 1
    for out in callx:
        original = object_slot(obj, ".text", out.index * 8)  # single input: same positions
        register = original.dst or original.src
        assert register != 0, "the compiler must use dst/src for this test to mean anything"
        assert (out.dst, out.src, out.imm) == (0, 0, register)


def test_abs64_function_pointer_table(objects: FixtureObjects) -> None:
    obj = objects.data("callx.c")
    assert {kind for _, kind, _ in input_relocations(obj, ".rodata")} == {R_BPF_64_ABS64}
    result = objects.link("callx.c")
    table = symbol_vaddr(result.so, "callx_ops")
    rodata_addr, rodata = section_bytes(result.so, ".rodata")
    entries = struct.unpack_from("<4Q", rodata, table - rodata_addr)
    expected = [
        MM_PROGRAM_START + symbol_vaddr(result.so, f)
        for f in ("op_add", "op_sub", "op_mul", "op_xor")
    ]
    assert list(entries) == expected


def test_lddw_of_function_addresses(objects: FixtureObjects) -> None:
    obj = objects.data("callx.c")
    code_relocs = {name for _, kind, name in input_relocations(obj, ".text") if kind == R_BPF_64_64}
    assert {"op_mul", "op_xor"} <= code_relocs
    result = objects.link("callx.c")
    values = {value for _, value in lddw_values(result.so)}
    for name in ("op_mul", "op_xor"):
        assert MM_PROGRAM_START + symbol_vaddr(result.so, name) in values


def _callx_expected(sel: int, a: int, b: int) -> int:
    ops = [lambda: a + b, lambda: a - b, lambda: a * b, lambda: a ^ b]
    if sel & 4:
        return (a * b if sel & 1 else a ^ b) & U64
    return ops[sel & 3]() & U64


def test_function_pointers_run(objects: FixtureObjects, runner: ProgramRunner) -> None:
    program = runner.load(objects.link("callx.c").so)
    a, b = 0xDEADBEEF12345678, 0x0123456789ABCDEF
    for sel in range(8):
        data = bytes([sel]) + a.to_bytes(8, "little") + b.to_bytes(8, "little")
        assert runner.returns_u64(program, data) == _callx_expected(sel, a, b), sel


# ---- R_BPF_64_ABS32 -------------------------------------------------------------------------


def test_abs32_is_the_elf_virtual_address(objects: FixtureObjects, runner: ProgramRunner) -> None:
    obj = objects.data("abs32.c")
    assert [kind for _, kind, _ in input_relocations(obj, ".rodata.abs32")] == [R_BPF_64_ABS32] * 2
    result = objects.link("abs32.c")
    target = symbol_vaddr(result.so, "abs32_target")
    words = symbol_vaddr(result.so, "abs32_words")
    rodata_addr, rodata = section_bytes(result.so, ".rodata")
    assert struct.unpack_from("<2I", rodata, words - rodata_addr) == (target, target + 8)
    program = runner.load(result.so)
    assert runner.returns_u64(program) == ((target + 8) << 32) | target


# ---- R_BPF_64_32: syscalls ------------------------------------------------------------------


def test_syscall_sites_are_call_minus_one_with_dynamic_relocations(
    objects: FixtureObjects,
) -> None:
    obj = objects.data("syscalls.c")
    wanted = {
        offset: name
        for offset, kind, name in input_relocations(obj, ".text")
        if kind == R_BPF_64_32
    }
    assert set(wanted.values()) == {"sol_log_", "sol_log_64_", "sol_set_return_data"}
    result = objects.link("syscalls.c")
    assert set(result.syscalls) == set(wanted.values())
    text_addr, _ = section_bytes(result.so, ".text")
    slots = text_slots(result.so)
    imports = dynamic_imports(result.so)
    assert sorted((offset - text_addr, kind, name) for offset, kind, name in imports) == sorted(
        (offset, R_BPF_64_32, name) for offset, name in wanted.items()
    )
    for offset in wanted:
        assert (slots[offset // 8].opcode, slots[offset // 8].imm) == (0x85, -1)
    minus_one_calls = {s.index * 8 for s in slots if s.opcode == 0x85 and s.imm == -1}
    assert minus_one_calls == set(wanted)


def test_syscall_program_runs(objects: FixtureObjects, runner: ProgramRunner) -> None:
    program = runner.load(objects.link("syscalls.c").so)
    run = runner.invoke(program, b"\x09\x01")
    assert run.ok, run
    assert [line for line in run.logs if line.startswith("Program log:")] == [
        "Program log: syscalls-first",
        "Program log: 0x2, 0x1, 0x2, 0x3, 0x4",
        "Program log: syscalls-second",
    ]
    assert run.return_data == (9).to_bytes(8, "little")


# ---- R_BPF_64_NODYLD32 and refused relocation types ------------------------------------------


def test_debug_info_relocations_are_ignored(objects: FixtureObjects) -> None:
    debug = CompilerOptions(extra_flags=("-g",))
    obj = objects.data("lddw.c", debug)
    parsed_kinds = {
        kind
        for section in (".debug_info", ".debug_line", ".BTF.ext")
        for _, kind, _ in input_relocations(obj, section)
    }
    assert R_BPF_64_NODYLD32 in parsed_kinds
    plain = objects.link("lddw.c")
    with_debug = objects.link("lddw.c", options=debug)
    assert section_bytes(with_debug.so, ".text") == section_bytes(plain.so, ".text")
    assert section_bytes(with_debug.so, ".rodata") == section_bytes(plain.so, ".rodata")


def test_nodyld32_in_a_loaded_section_leaves_bytes_untouched(objects: FixtureObjects) -> None:
    obj = objects.data("callx.c")
    patched = patch_relocation_type(obj, ".rel.rodata", 0, R_BPF_64_NODYLD32)
    result = link([patched])
    table = symbol_vaddr(result.so, "callx_ops")
    rodata_addr, rodata = section_bytes(result.so, ".rodata")
    entries = struct.unpack_from("<4Q", rodata, table - rodata_addr)
    assert entries[0] == 0  # the object's implicit addend, not relocated
    assert entries[1] == MM_PROGRAM_START + symbol_vaddr(result.so, "op_sub")


def test_unknown_relocation_type_is_refused(objects: FixtureObjects) -> None:
    obj = objects.data("callx.c")
    patched = patch_relocation_type(obj, ".rel.rodata", 1, R_BPF_64_RELATIVE)
    with pytest.raises(UnsupportedRelocationError) as raised:
        link([patched])
    error = raised.value
    assert error.reloc_type == R_BPF_64_RELATIVE
    assert (error.file, error.section, error.symbol) == ("<object #0>", ".rodata", "op_sub")
    assert "R_BPF_64_RELATIVE" in str(error)
    assert "offset 0x8" in str(error)


# ---- alignment above 8 and LLVM's in-section padding ------------------------------------------


def test_sections_aligned_above_eight(objects: FixtureObjects, runner: ProgramRunner) -> None:
    """funcs.c first, so align.c's 64-byte aligned .text and .rodata need linker padding."""
    llvm_fill = (0x1500_0000).to_bytes(8, "little")
    align_text = elf(objects.data("align.c")).get_section_by_name(".text").data()
    assert any(align_text[i : i + 8] == llvm_fill for i in range(0, len(align_text), 8))
    result = objects.link("diff/funcs.c", "align.c")
    for name in ("aligned_table", "aligned_fn"):
        assert symbol_vaddr(result.so, name) % 64 == 0, name
    slots = text_slots(result.so)
    lddw_second_halves = {index + 1 for index, _ in lddw_values(result.so)}
    for slot in slots:
        if slot.index in lddw_second_halves:
            continue
        assert slot.opcode != 0, f"unverifiable slot {slot}"
    program = runner.load(result.so)
    for i in range(4):
        value = runner.returns_u64(program, bytes([i]))
        assert value >> 32 == 0, "misaligned at run time"
        assert value == (10 * (i + 1)) + (i ^ 0x55) + (i + 3)


def test_writable_data_rel_ro_is_merged_into_rodata(
    objects: FixtureObjects, runner: ProgramRunner
) -> None:
    """PIC compiles mark .data.rel.ro writable; its pointers are resolved, so it is constant."""
    obj = patch_section_flags(objects.data("relro.c"), ".data.rel.ro.steps", 0x3)  # WRITE|ALLOC
    result = link([obj])
    table = symbol_vaddr(result.so, "relro_steps")
    rodata_addr, rodata = section_bytes(result.so, ".rodata")
    assert struct.unpack_from("<2Q", rodata, table - rodata_addr) == (
        MM_PROGRAM_START + symbol_vaddr(result.so, "step_inc"),
        MM_PROGRAM_START + symbol_vaddr(result.so, "step_dbl"),
    )
    program = runner.load(result.so)
    assert runner.returns_u64(program, bytes([0, 41])) == 42
    assert runner.returns_u64(program, bytes([1, 21])) == 42


def test_other_writable_sections_are_refused(objects: FixtureObjects) -> None:
    obj = patch_section_flags(objects.data("lddw.c"), ".rodata", 0x3)
    with pytest.raises(WritableSectionError) as raised:
        link([obj])
    assert (raised.value.section, raised.value.symbol) == (".rodata", "lddw_table")
