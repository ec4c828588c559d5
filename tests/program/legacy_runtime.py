"""A runtime without ``sol_get_sysvar`` (SIMD-0127 inactive), like the older clusters that refuse
the default build with "Unresolved symbol (sol_get_sysvar)", and deployment into it through the
real upgradeable loader (buffer, writes, DeployWithMaxDataLen), which runs the deploy-time checks
``add_program`` skips.
"""

from __future__ import annotations

from typing import Final

from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from sessions_tools.program_build import program_keypair
from sessions_tools.sbf import deploy_upgradeable
from sessions_tools.svm import SessionsSVM

GET_SYSVAR_SYSCALL_FEATURE: Final = Pubkey.from_string(
    "CLCoTADvV64PSrnR6QXty6Fwrt9Xc6EdxSJE4wLRePjq"
)
"""agave's ``get_sysvar_syscall_enabled``: registers ``sol_get_sysvar``."""


def runtime_without_get_sysvar() -> LiteSVM:
    """Mainnet's features less ``sol_get_sysvar``, built from scratch so the syscalls follow."""
    features = LiteSVM.mainnet_feature_set()
    features.deactivate(GET_SYSVAR_SYSCALL_FEATURE)
    return (
        LiteSVM.default()
        .with_feature_set(features)
        .with_builtins()
        .with_lamports(10**18)
        .with_sysvars()
        .with_default_programs()
    )


def deploy_through_loader(svm: LiteSVM, so: bytes) -> Keypair:
    """Deploy ``so`` at the sessions program id through the upgradeable loader; the payer."""
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 100 * 10**9)
    deploy_upgradeable(svm, payer, program_keypair(), so)
    return payer


def portable_sessions(so: bytes) -> SessionsSVM:
    """The portable build, deployed through the loader into a runtime without sol_get_sysvar."""
    svm = runtime_without_get_sysvar()
    deploy_through_loader(svm, so)
    return SessionsSVM(deployed_in=svm)
