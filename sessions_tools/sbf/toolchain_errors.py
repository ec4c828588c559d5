"""Typed errors of the C -> SBPF v0 toolchain.

Every refusal names its cause precisely (input file, section, symbol,
instruction index) because the alternative -- a program that links, loads
through ``LiteSVM.add_program`` and then misbehaves or fails only when the
offending path runs -- is far more expensive to debug.  Callers that want to
react to a specific problem catch the specific subclass; callers that only
report catch :class:`ToolchainError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where in the linker's inputs a problem was found; every part is optional."""

    file: str | None = None
    section: str | None = None
    symbol: str | None = None
    insn_index: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file)
        if self.section is not None:
            parts.append(f"section {self.section}")
        if self.offset is not None:
            parts.append(f"offset {self.offset:#x}")
        if self.insn_index is not None:
            parts.append(f"insn #{self.insn_index}")
        if self.symbol is not None:
            parts.append(f"symbol {self.symbol!r}")
        return ", ".join(parts)


class ToolchainError(Exception):
    """Root of every error raised by :mod:`sessions_tools.sbf`."""


class LinkError(ToolchainError):
    """The linker refused its inputs; :attr:`location` says where."""

    def __init__(self, reason: str, location: Location | None = None) -> None:
        self.reason = reason
        self.location = location if location is not None else Location()
        where = str(self.location)
        super().__init__(f"{where}: {reason}" if where else reason)

    @property
    def file(self) -> str | None:
        """Input object the problem is in (a path, or ``<object #i>`` for in-memory input)."""
        return self.location.file

    @property
    def section(self) -> str | None:
        """Input section name, when the problem is tied to one."""
        return self.location.section

    @property
    def symbol(self) -> str | None:
        """Symbol name, when the problem is tied to one."""
        return self.location.symbol

    @property
    def insn_index(self) -> int | None:
        """Instruction index within :attr:`section`, when the problem is an instruction."""
        return self.location.insn_index


class InvalidObjectError(LinkError):
    """An input is not a 64-bit little-endian BPF relocatable ELF object."""


class RefusedInstructionError(LinkError):
    """The object contains an instruction SBPF v0 cannot execute as intended.

    Examples: JMP32 (emitted by ``-mcpu=v3``), atomics, v4 sign-extending
    moves/divisions, a ``callx`` through a register that does not exist.
    """

    def __init__(self, reason: str, location: Location, opcode: int) -> None:
        self.opcode = opcode
        super().__init__(f"{reason} (opcode {opcode:#04x})", location)


class WritableSectionError(LinkError):
    """A non-empty writable section (mutable global): the v0 loader refuses them."""


class CommonSymbolError(WritableSectionError):
    """A tentative definition (``-fcommon``) is a mutable global too."""


class UnresolvedSymbolError(LinkError):
    """A relocation refers to a symbol that no input defines."""


class UnknownSyscallError(UnresolvedSymbolError):
    """An undefined function is not a syscall the runtime registers (often a typo)."""

    def __init__(self, reason: str, location: Location, suggestions: tuple[str, ...]) -> None:
        self.suggestions = suggestions
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(reason + hint, location)


class UnsupportedRelocationError(LinkError):
    """A relocation type, or a use of a known type, the linker cannot resolve for v0."""

    def __init__(self, reason: str, location: Location, reloc_type: int) -> None:
        self.reloc_type = reloc_type
        super().__init__(reason, location)


class DuplicateSymbolError(LinkError):
    """Two inputs define the same global (non-weak) symbol."""

    def __init__(self, reason: str, location: Location, other_file: str) -> None:
        self.other_file = other_file
        super().__init__(reason, location)


class MissingEntryError(LinkError):
    """The entry symbol is not defined as code in any input."""


class CompileError(ToolchainError):
    """The C compiler failed (or could not be run); carries its diagnostics verbatim."""

    def __init__(
        self,
        message: str,
        *,
        source: Path | None = None,
        stderr: str = "",
        command: tuple[str, ...] = (),
    ) -> None:
        self.source = source
        self.stderr = stderr
        self.command = command
        prefix = f"{source}: " if source is not None else ""
        detail = f"\n{stderr.rstrip()}" if stderr.strip() else ""
        super().__init__(f"{prefix}{message}{detail}")


class DeployError(ToolchainError):
    """A deployment transaction failed; carries the runtime's error and logs."""

    def __init__(self, step: str, error: str, logs: tuple[str, ...]) -> None:
        self.step = step
        self.error = error
        self.logs = logs
        shown = "\n".join(f"  {line}" for line in logs)
        super().__init__(f"deploy step {step!r} failed: {error}" + (f"\n{shown}" if shown else ""))
