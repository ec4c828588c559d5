"""The output obeys the ELF rules the SBPF v0 loader checks (parsed with pyelftools)."""

from __future__ import annotations

import pytest

from sessions_tools.sbf import LinkResult, murmur3_32, syscall_hash

from .support import FixtureObjects, ProgramRunner, elf, symbol_vaddr

EM_BPF = 247


@pytest.fixture(scope="module")
def with_syscalls(objects: FixtureObjects) -> LinkResult:
    return objects.link("lddw.c")


@pytest.fixture(scope="module")
def without_syscalls(objects: FixtureObjects) -> LinkResult:
    return objects.link("refuse/dup_a.c")


def test_header(with_syscalls: LinkResult) -> None:
    parsed = elf(with_syscalls.so)
    header = parsed.header
    assert parsed.elfclass == 64
    assert parsed.little_endian
    assert header["e_ident"]["EI_OSABI"] == "ELFOSABI_SYSV"
    assert header["e_type"] == "ET_DYN"
    assert header["e_machine"] in ("EM_BPF", EM_BPF)
    assert header["e_flags"] == 0  # SBPF v0
    text = parsed.get_section_by_name(".text")
    assert header["e_entry"] == text["sh_addr"] + with_syscalls.entry_offset
    assert header["e_entry"] == symbol_vaddr(with_syscalls.so, "entrypoint")


def test_loaded_sections_have_addr_equal_offset(with_syscalls: LinkResult) -> None:
    parsed = elf(with_syscalls.so)
    names = [s.name for s in parsed.iter_sections()]
    assert names == [
        "",
        ".text",
        ".rodata",
        ".dynamic",
        ".dynsym",
        ".dynstr",
        ".rel.dyn",
        ".symtab",
        ".strtab",
        ".shstrtab",
    ]
    assert names.count(".text") == 1
    for section in parsed.iter_sections():
        if section["sh_flags"] & 0x2:  # SHF_ALLOC
            assert section["sh_addr"] == section["sh_offset"], section.name
    text = parsed.get_section_by_name(".text")
    rodata = parsed.get_section_by_name(".rodata")
    assert (text["sh_offset"], text["sh_size"]) == (
        with_syscalls.text_offset,
        with_syscalls.text_size,
    )
    assert (rodata["sh_offset"], rodata["sh_size"]) == (
        with_syscalls.rodata_offset,
        with_syscalls.rodata_size,
    )
    assert text["sh_flags"] == 0x6  # ALLOC | EXECINSTR
    assert rodata["sh_flags"] == 0x2  # ALLOC, not writable


def test_sections_are_in_file_order_without_overlap(with_syscalls: LinkResult) -> None:
    parsed = elf(with_syscalls.so)
    end = parsed.header["e_phoff"] + parsed.header["e_phnum"] * parsed.header["e_phentsize"]
    for section in list(parsed.iter_sections())[1:]:
        assert section["sh_offset"] >= end, section.name
        end = section["sh_offset"] + section["sh_size"]
    assert parsed.header["e_shoff"] >= end
    assert parsed.header["e_shoff"] + parsed.header["e_shnum"] * 64 == len(with_syscalls.so)


def test_program_headers(with_syscalls: LinkResult) -> None:
    parsed = elf(with_syscalls.so)
    segments = [
        (s["p_type"], s["p_flags"], s["p_offset"], s["p_vaddr"], s["p_filesz"], s["p_memsz"])
        for s in parsed.iter_segments()
    ]
    text = parsed.get_section_by_name(".text")
    rodata = parsed.get_section_by_name(".rodata")
    dynamic = parsed.get_section_by_name(".dynamic")
    rel = parsed.get_section_by_name(".rel.dyn")
    dyn_end = rel["sh_offset"] + rel["sh_size"]
    assert segments == [
        ("PT_LOAD", 5, text["sh_offset"], text["sh_addr"], text["sh_size"], text["sh_size"]),
        (
            "PT_LOAD",
            4,
            rodata["sh_offset"],
            rodata["sh_addr"],
            rodata["sh_size"],
            rodata["sh_size"],
        ),
        (
            "PT_LOAD",
            6,
            dynamic["sh_offset"],
            dynamic["sh_offset"],
            dyn_end - dynamic["sh_offset"],
            dyn_end - dynamic["sh_offset"],
        ),
        (
            "PT_DYNAMIC",
            6,
            dynamic["sh_offset"],
            dynamic["sh_offset"],
            dynamic["sh_size"],
            dynamic["sh_size"],
        ),
    ]
    loads = [s[3] for s in segments if s[0] == "PT_LOAD"]
    assert loads == sorted(loads)  # the loader requires ascending PT_LOADs


def test_dynamic_section_describes_the_syscall_tables(with_syscalls: LinkResult) -> None:
    parsed = elf(with_syscalls.so)
    tags = {
        t.entry.d_tag: t.entry.d_val for t in parsed.get_section_by_name(".dynamic").iter_tags()
    }
    rel = parsed.get_section_by_name(".rel.dyn")
    dynsym = parsed.get_section_by_name(".dynsym")
    dynstr = parsed.get_section_by_name(".dynstr")
    assert tags["DT_REL"] == rel["sh_addr"]
    assert tags["DT_RELSZ"] == rel["sh_size"] > 0
    assert tags["DT_RELENT"] == 16
    assert tags["DT_SYMTAB"] == dynsym["sh_addr"]
    assert tags["DT_SYMENT"] == 24
    assert tags["DT_STRTAB"] == dynstr["sh_addr"]
    assert tags["DT_STRSZ"] == dynstr["sh_size"]
    names = [s.name for s in dynsym.iter_symbols()]
    assert names == ["", *with_syscalls.syscalls]
    for symbol in list(dynsym.iter_symbols())[1:]:
        assert symbol["st_shndx"] == "SHN_UNDEF"
        assert symbol["st_value"] == 0


def test_program_without_syscalls_has_no_dynamic_part(
    without_syscalls: LinkResult, runner: ProgramRunner
) -> None:
    parsed = elf(without_syscalls.so)
    assert without_syscalls.syscalls == ()
    assert [s.name for s in parsed.iter_sections()] == [
        "",
        ".text",
        ".symtab",
        ".strtab",
        ".shstrtab",
    ]
    assert [s["p_type"] for s in parsed.iter_segments()] == ["PT_LOAD"]
    program = runner.load(without_syscalls.so)
    run = runner.invoke(program, b"\x05")
    assert run.error is not None
    assert "Custom(1)" in run.error  # shared_name(input[0]) where input[0] = 0 accounts


def test_symtab_lists_global_functions_and_constants(objects: FixtureObjects) -> None:
    result = objects.link("callx.c")
    symtab = elf(result.so).get_section_by_name(".symtab")
    listed = {s.name: (s["st_info"]["type"], s["st_info"]["bind"]) for s in symtab.iter_symbols()}
    assert listed.pop("") == ("STT_NOTYPE", "STB_LOCAL")
    assert listed == {
        "entrypoint": ("STT_FUNC", "STB_GLOBAL"),
        "op_add": ("STT_FUNC", "STB_GLOBAL"),
        "op_sub": ("STT_FUNC", "STB_GLOBAL"),
        "op_mul": ("STT_FUNC", "STB_GLOBAL"),
        "op_xor": ("STT_FUNC", "STB_GLOBAL"),
        "callx_ops": ("STT_OBJECT", "STB_GLOBAL"),
    }


def test_murmur3_reference_vectors() -> None:
    assert murmur3_32(b"") == 0
    assert murmur3_32(b"", 1) == 0x514E28B7
    assert murmur3_32(b"", 0xFFFFFFFF) == 0x81F16F39
    assert murmur3_32(b"\0\0\0\0") == 0x2362F9DE
    assert murmur3_32(b"aaaa", 0x9747B28C) == 0x5A97808A
    assert murmur3_32(b"abc") == 0xB3DD93FA
    assert murmur3_32(b"Hello, world!", 0x9747B28C) == 0x24884CBA
    fox = b"The quick brown fox jumps over the lazy dog"
    assert murmur3_32(fox, 0x9747B28C) == 0x2FA826CD
    # the keys the SBPF runtime registers syscalls under
    assert syscall_hash("sol_log_") == 0x207559BD
    assert syscall_hash("abort") == 0xB6FC1A11
    with pytest.raises(ValueError, match="seed"):
        murmur3_32(b"", -1)
