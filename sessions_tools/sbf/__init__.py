"""The product's own C -> SBPF v0 toolchain: compile, link, build, deploy.

Solana's platform-tools cannot be installed from package registries, so the
on-chain program is built with what pip provides: clang from ``ziglang``
(:mod:`.compiler`), a small static linker for the SBPF v0 ELF format
(:mod:`.linker`), a content-stamped build step (:mod:`.build`) and a deploy
helper that goes through the real upgradeable loader (:mod:`.deploy`).
"""

from __future__ import annotations

from .build import BuildResult, build_program
from .compiler import DEFAULT_OPTIONS, CompilerOptions, compile_c, compiler_version
from .deploy import deploy_upgradeable
from .linker import LINKER_VERSION, LinkResult, link, link_named
from .loader import BPF_LOADER_UPGRADEABLE_ID, programdata_address
from .murmur3 import murmur3_32, syscall_hash
from .syscalls import KNOWN_SYSCALLS, UNAVAILABLE_SYSCALLS
from .toolchain_errors import (
    CommonSymbolError,
    CompileError,
    DeployError,
    DuplicateSymbolError,
    InvalidObjectError,
    LinkError,
    Location,
    MissingEntryError,
    RefusedInstructionError,
    ToolchainError,
    UnknownSyscallError,
    UnresolvedSymbolError,
    UnsupportedRelocationError,
    WritableSectionError,
)

__all__ = [
    "BPF_LOADER_UPGRADEABLE_ID",
    "DEFAULT_OPTIONS",
    "KNOWN_SYSCALLS",
    "LINKER_VERSION",
    "UNAVAILABLE_SYSCALLS",
    "BuildResult",
    "CommonSymbolError",
    "CompileError",
    "CompilerOptions",
    "DeployError",
    "DuplicateSymbolError",
    "InvalidObjectError",
    "LinkError",
    "LinkResult",
    "Location",
    "MissingEntryError",
    "RefusedInstructionError",
    "ToolchainError",
    "UnknownSyscallError",
    "UnresolvedSymbolError",
    "UnsupportedRelocationError",
    "WritableSectionError",
    "build_program",
    "compile_c",
    "compiler_version",
    "deploy_upgradeable",
    "link",
    "link_named",
    "murmur3_32",
    "programdata_address",
    "syscall_hash",
]
