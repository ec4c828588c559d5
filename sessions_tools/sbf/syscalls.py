"""The syscall names an SBPF v0 program may import.

An SBPF v0 program calls the runtime through ``call -1`` plus a dynamic
``R_BPF_64_32`` relocation naming the syscall.  ``LiteSVM.add_program`` loads a
program whose import is misspelled without complaint and only fails when the
call executes; the real loader refuses it at deploy time.  Checking the names
at link time turns both into an immediate, named error.

The set mirrors the registrations in agave's ``create_program_runtime_environment_v1``
(agave 4.x, the runtime inside solders 0.29), restricted to what actually
deploys there (with the default and with the mainnet feature set): a test
deploys one program importing all of them through the real loader.  Names the
runtime knows but will not bind for a new deployment are kept apart in
:data:`UNAVAILABLE_SYSCALLS`, so the linker can say *why* they are refused;
callers targeting a runtime with more features pass their own set to
:func:`~.linker.link`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

KNOWN_SYSCALLS: Final[frozenset[str]] = frozenset(
    {
        "abort",
        "sol_panic_",
        # logging
        "sol_log_",
        "sol_log_64_",
        "sol_log_pubkey",
        "sol_log_compute_units_",
        "sol_log_data",
        # program derived addresses
        "sol_create_program_address",
        "sol_try_find_program_address",
        # hashing and cryptography
        "sol_sha256",
        "sol_keccak256",
        "sol_secp256k1_recover",
        "sol_curve_validate_point",
        "sol_curve_group_op",
        "sol_curve_multiscalar_mul",
        "sol_curve_decompress",
        "sol_curve_pairing_map",
        "sol_alt_bn128_group_op",
        "sol_alt_bn128_compression",
        "sol_poseidon",
        # sysvars
        "sol_get_clock_sysvar",
        "sol_get_epoch_schedule_sysvar",
        "sol_get_rent_sysvar",
        "sol_get_last_restart_slot",
        "sol_get_epoch_rewards_sysvar",
        "sol_get_sysvar",
        "sol_get_epoch_stake",
        # memory
        "sol_memcpy_",
        "sol_memmove_",
        "sol_memcmp_",
        "sol_memset_",
        # instructions, CPI, return data, compute
        "sol_get_processed_sibling_instruction",
        "sol_get_stack_height",
        "sol_set_return_data",
        "sol_get_return_data",
        "sol_invoke_signed_c",
        "sol_invoke_signed_rust",
    }
)
"""Syscalls the runtime registers for SBPF v0 programs and accepts at deploy time."""

UNAVAILABLE_SYSCALLS: Final[MappingProxyType[str, str]] = MappingProxyType(
    {
        "sol_big_mod_exp": "feature-gated (enable_big_mod_exp_syscall), not active",
        "sol_blake3": "feature-gated (blake3_syscall_enabled), not active",
        "sol_remaining_compute_units": (
            "feature-gated (remaining_compute_units_syscall_enabled), not active"
        ),
        "sol_alloc_free_": (
            "disabled for new deployments (feature disable_deploy_of_alloc_free_syscall)"
        ),
        "sol_get_fees_sysvar": "removed with the Fees sysvar (feature disable_fees_sysvar)",
    }
)
"""Names the runtime knows but a new deployment cannot import (retired or inactive), with why."""
