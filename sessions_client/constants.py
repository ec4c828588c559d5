"""Program-wide constants shared by the program, the IDL, the client and the simulator.

These values are emitted into ``idl/sessions.json`` ("constants") and into the
generated C header, so the program's limits and the client's checks are the
same numbers.
"""

from __future__ import annotations

import enum
from typing import Final

from solders import compute_budget, system_program
from solders.pubkey import Pubkey

#: The localnet/devnet address of the sessions program. Derived from a public
#: seed (see ``sessions_client.program_keypair``): fine for local validators and
#: tests, never for mainnet, where you deploy with your own keypair.
PROGRAM_ID: Final = Pubkey.from_string("DGGjrmCF2r1SLvSiFZ8PcMruj5XtrHz9HPPMwgJ5aipd")
PROGRAM_KEYPAIR_SEED: Final = b"sessions-program-localnet-v1"

SESSION_SEED: Final = b"session"
#: Seed of a session's signer PDA: ``["signer", session address]``, derived by the sessions
#: program. A system-owned, zero-data account that holds SOL, owns token accounts and can be
#: an SPL delegate; only ``execute`` can sign for it.
SIGNER_SEED: Final = b"signer"

#: A fixed starting clock (2026-01-01T00:00:00Z) for the embedded SVM and the simulator,
#: so runs are reproducible.
DEFAULT_START_TIME: Final = 1_767_225_600

#: Layout version written into every Session account; bumped on layout changes.
SESSION_VERSION: Final = 1

#: Upper bound on ``config.max_duration``: no unbounded sessions, ever.
MAX_SESSION_DURATION: Final = 30 * 24 * 60 * 60
#: Upper bound on how long a Requested session waits for its owner.
MAX_REQUEST_TTL: Final = 24 * 60 * 60

GUARD_CAPACITY: Final = 254
SHARED_DATA_CAPACITY: Final = 120
METADATA_LEN: Final = 64
BORROW_CAPACITY: Final = 8
NAMESPACE_LEN: Final = 32

#: ``execute`` performs at most this many inner instructions (more than one needs COMPOSE).
MAX_INNER_INSTRUCTIONS: Final = 4
#: Accounts one inner instruction may name.
MAX_INNER_ACCOUNTS: Final = 16
#: Accounts the program reads from one instruction; ``execute`` refuses more.
MAX_INSTRUCTION_ACCOUNTS: Final = 32
#: Token accounts (owned by or delegated to the signer) one inner instruction may touch.
MAX_TOKEN_SNAPSHOTS: Final = 8

#: The compute charge of an execute without SetComputeUnitLimit is the runtime's default
#: limit: this much per instruction of a program not in ``BUILTIN_PROGRAM_IDS``, ...
DEFAULT_INSTRUCTION_COMPUTE_UNITS: Final = 200_000
#: ... this much per instruction of a builtin one (compute-budget instructions included;
#: agave's MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT, SIMD-0170) ...
BUILTIN_INSTRUCTION_COMPUTE_UNITS: Final = 3_000
#: ... and at most this much in all, as for a requested limit.
MAX_TRANSACTION_COMPUTE_UNITS: Final = 1_400_000

#: The programs the runtime counts as builtin when it sets a transaction's default compute-unit
#: limit (agave's builtins-default-costs, as this runtime has it), the one list the program's
#: table (``sessions_layout.h``) and the simulator read. Builtins migrated to core BPF count as
#: any other program: Stake, Config and Address Lookup Table; so does Vote, which SIMD-0387
#: takes out of the list (its feature active in LiteSVM), and the ZK ElGamal / ZK Token proof
#: programs and the secp256r1 precompile, which were never in it. Each id and each exclusion is
#: checked against the runtime's own limit in tests/execute/test_compute_charge.py.
BUILTIN_PROGRAM_IDS: Final = (
    system_program.ID,
    compute_budget.ID,
    Pubkey.from_string("BPFLoader1111111111111111111111111111111111"),  # deprecated loader
    Pubkey.from_string("BPFLoader2111111111111111111111111111111111"),  # loader v2
    Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111"),  # loader v3
    Pubkey.from_string("LoaderV411111111111111111111111111111111111"),
    Pubkey.from_string("Ed25519SigVerify111111111111111111111111111"),  # precompile
    Pubkey.from_string("KeccakSecp256k11111111111111111111111111111"),  # precompile
)


class Permission(enum.IntFlag):
    """What a session may do on its owner's behalf (``config.permissions``)."""

    EXECUTE = 1 << 0
    COMPOSE = 1 << 1
    READ_CROSS_SESSION = 1 << 2
    WRITE_CROSS_SESSION = 1 << 3


class Setting(enum.IntFlag):
    """How a session behaves (``config.settings``)."""

    #: When the session expires, ``expire_session`` also closes it and returns the rent.
    AUTO_EXPIRE = 1 << 0
    EXECUTION_LOGGING = 1 << 1
    PERFORMANCE_MONITORING = 1 << 2


ALL_PERMISSIONS: Final = int(
    Permission.EXECUTE
    | Permission.COMPOSE
    | Permission.READ_CROSS_SESSION
    | Permission.WRITE_CROSS_SESSION
)
ALL_SETTINGS: Final = int(
    Setting.AUTO_EXPIRE | Setting.EXECUTION_LOGGING | Setting.PERFORMANCE_MONITORING
)
