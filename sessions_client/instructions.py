"""Instruction specifications and builders returning solders Instructions.

:data:`INSTRUCTIONS` is the declarative description (accounts, flags, PDA
seeds, argument struct) from which everything else is derived: the IDL, the C
header's account indices and argument offsets, the program's dispatch table
(``sessions_dispatch.h``), the simulator's dispatch and argument offsets, and the
account metas of every builder (:meth:`InstructionSpec.build`, as anchorpy builds
them from the IDL). The builder functions below are the typed front door for
callers; they name accounts, never their flags or order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.sysvar import CLOCK as CLOCK_SYSVAR_ID
from solders.sysvar import INSTRUCTIONS as INSTRUCTIONS_SYSVAR_ID

from sessions_client.borsh import I64, U8, U32, U64
from sessions_client.codec import Layout, layout_of
from sessions_client.constants import PROGRAM_ID, SESSION_SEED, SIGNER_SEED
from sessions_client.discriminators import DISCRIMINATOR_LEN, instruction_discriminator
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.types import Guard, ResourceQuotas, SessionParams, SessionValidity


@dataclass(frozen=True, slots=True)
class CreateSessionArgs:
    session_id: Annotated[int, U64]
    params: SessionParams
    bump: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class RequestSessionArgs:
    session_id: Annotated[int, U64]
    owner: Pubkey
    request_ttl: Annotated[int, I64]
    params: SessionParams
    bump: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class ExecuteArgs:
    """execute's fixed prefix; ``instruction_count`` encoded inner instructions follow it
    (see :mod:`sessions_client.execute` for the compact encoding)."""

    signer_bump: Annotated[int, U8]
    instruction_count: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class SweepArgs:
    """close_session / expire_session: the session signer's bump, with which the program
    proves an unrecorded signer (a recorded one is compared by key) and signs the sweep of
    its SOL back to the owner."""

    signer_bump: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class UpdateGuardArgs:
    guard: Guard


@dataclass(frozen=True, slots=True)
class UpdatePermissionsArgs:
    permissions: Annotated[int, U32]


@dataclass(frozen=True, slots=True)
class UpdateQuotasArgs:
    quotas: ResourceQuotas


@dataclass(frozen=True, slots=True)
class SessionPda:
    """The IDL's description of the Session PDA: const seed, creator account, id argument."""

    creator_account: str
    id_arg: str = "session_id"

    def idl_seeds(self) -> list[dict[str, Any]]:
        return [
            {"kind": "const", "value": list(SESSION_SEED)},
            {"kind": "account", "path": self.creator_account},
            {"kind": "arg", "path": self.id_arg},
        ]

    def describe(self) -> str:
        return f'["session", {self.creator_account}, {self.id_arg}]'


@dataclass(frozen=True, slots=True)
class SignerPda:
    """The session signer PDA: const seed ``"signer"``, then the session account's address."""

    session_account: str = "session"

    def idl_seeds(self) -> list[dict[str, Any]]:
        return [
            {"kind": "const", "value": list(SIGNER_SEED)},
            {"kind": "account", "path": self.session_account},
        ]

    def describe(self) -> str:
        return f'["signer", {self.session_account}]'


@dataclass(frozen=True, slots=True)
class AccountSpec:
    name: str
    writable: bool = False
    signer: bool = False
    address: Pubkey | None = None
    pda: SessionPda | SignerPda | None = None
    docs: str = ""


@dataclass(frozen=True, slots=True)
class InstructionSpec:
    name: str
    accounts: tuple[AccountSpec, ...]
    args: type | None
    docs: str
    #: The entrypoint tests these discriminators first (in spec order, then the rest): each
    #: test that fails before the right one costs every later instruction compute units, so
    #: the instructions with the tightest CU budgets go first.
    dispatch_first: bool = False
    #: The data is ``data_size`` bytes of arguments followed by a variable part (execute's
    #: inner instructions): ``data_size`` is then a minimum, not the exact length.
    variable_data: bool = False
    #: The borsh type of the instruction's return data (set_return_data), if any.
    returns: type | None = None

    @property
    def discriminator(self) -> bytes:
        return instruction_discriminator(self.name)

    @property
    def data_size(self) -> int:
        return DISCRIMINATOR_LEN + (layout_of(self.args).size if self.args is not None else 0)

    def arg_offsets(self) -> dict[str, int]:
        """Where each argument sits in the instruction data (discriminator included), by
        field name and by dotted path of every nested scalar (``params.config.settings``):
        the C header's ``IX_*_ARG_*`` and the simulator's reads come from this one map."""
        if self.args is None:
            return {}
        layout: Layout[Any] = layout_of(self.args)
        offsets = {spec.name: DISCRIMINATOR_LEN + spec.offset for spec in layout.fields}
        for leaf in layout.leaves:
            if "." in leaf.path:
                offsets[leaf.path] = DISCRIMINATOR_LEN + leaf.offset
        return offsets

    def account_index(self, name: str) -> int:
        """Where account ``name`` sits in the instruction's accounts (the header's
        ``IX_<NAME>_ACC_<ACCOUNT>``): the simulator and the builders index by name, never by
        a position of their own."""
        for index, spec in enumerate(self.accounts):
            if spec.name == name:
                return index
        raise ValueError(f"{self.name}: no account named {name!r}")

    def account_metas(self, accounts: Mapping[str, Pubkey]) -> list[AccountMeta]:
        """The metas in spec order, flags from the spec, as anchorpy builds them from the IDL.

        ``accounts`` names each account by its spec name; an account with a fixed address
        (the system program) may be left out. A missing or unknown name is an error, so a
        caller cannot silently pass the wrong account list.
        """
        unknown = set(accounts) - {a.name for a in self.accounts}
        if unknown:
            raise ValueError(f"{self.name}: no accounts named {sorted(unknown)}")
        metas = []
        for spec in self.accounts:
            key = accounts.get(spec.name, spec.address)
            if key is None:
                raise ValueError(f"{self.name}: account {spec.name!r} is required")
            if spec.address is not None and key != spec.address:
                raise ValueError(f"{self.name}: {spec.name} must be {spec.address}, not {key}")
            metas.append(AccountMeta(key, is_signer=spec.signer, is_writable=spec.writable))
        return metas

    def encode_args(self, args: object = None) -> bytes:
        """The instruction data: discriminator, then the borsh arguments (if any)."""
        if self.args is None:
            if args is not None:
                raise TypeError(f"{self.name} takes no arguments")
            return self.discriminator
        if not isinstance(args, self.args):
            raise TypeError(f"{self.name} takes {self.args.__name__}, not {type(args).__name__}")
        layout: Layout[Any] = layout_of(self.args)
        return self.discriminator + layout.encode(args)

    def build(
        self,
        accounts: Mapping[str, Pubkey],
        args: object = None,
        *,
        program_id: Pubkey = PROGRAM_ID,
    ) -> Instruction:
        """The solders Instruction: data from :meth:`encode_args`, metas from the spec."""
        return Instruction(program_id, self.encode_args(args), self.account_metas(accounts))


_SYSTEM = AccountSpec("system_program", address=SYSTEM_PROGRAM_ID)
#: The Clock sysvar passed as an account (execute, close, expire: the instructions with the
#: most work to fit in their CU budgets).
_CLOCK = AccountSpec(
    "clock",
    address=CLOCK_SYSVAR_ID,
    docs="Read as an account: about 100 CU less than the sysvar syscall.",
)


def _authority() -> AccountSpec:
    return AccountSpec(
        "authority", signer=True, docs="The owner (any change, while Paused) or an admitted key."
    )


def _session(creator: str | None = None) -> AccountSpec:
    pda = SessionPda(creator) if creator else None
    return AccountSpec("session", writable=True, pda=pda)


def _sweep_accounts(signer_docs: str) -> tuple[AccountSpec, ...]:
    """What closing a session sweeps: the owner receives what the session signer holds in
    SOL, by a system Transfer the program signs for the signer (execute's accounts share the
    signer's name and PDA, so IDL clients resolve it the same way everywhere)."""
    return (
        AccountSpec(
            "owner", writable=True, docs="Receives the signer's SOL; must be session.owner."
        ),
        AccountSpec("session_signer", writable=True, pda=SignerPda(), docs=signer_docs),
        _SYSTEM,
    )


INSTRUCTIONS: Final[tuple[InstructionSpec, ...]] = (
    InstructionSpec(
        "create_session",
        (
            AccountSpec("creator", writable=True, signer=True, docs="Owner; signs and pays."),
            _session("creator"),
            _SYSTEM,
        ),
        CreateSessionArgs,
        "Create a session in Created for the signing creator, who is also its owner.",
    ),
    InstructionSpec(
        "request_session",
        (
            AccountSpec(
                "creator",
                writable=True,
                signer=True,
                docs="The requesting dapp; signs, pays rent and becomes the session's creator.",
            ),
            _session("creator"),
            _SYSTEM,
        ),
        RequestSessionArgs,
        "A dapp requests a session for an owner, who approves it before the deadline.",
    ),
    InstructionSpec(
        "approve_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "The owner approves a Requested session into Created.",
    ),
    InstructionSpec(
        "activate_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "Created -> Active.",
        dispatch_first=True,
    ),
    InstructionSpec(
        "pause_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "Active -> Paused.",
        dispatch_first=True,
    ),
    InstructionSpec(
        "resume_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "Paused -> Active, if not expired.",
        dispatch_first=True,
    ),
    InstructionSpec(
        "expire_session",
        (
            _session(),
            AccountSpec("creator", writable=True, docs="Rent receiver; must be session.creator."),
            *_sweep_accounts("The session's signer; swept to the owner when the session closes."),
            _CLOCK,
        ),
        SweepArgs,
        "Anyone moves an expired session (or timed-out request) to its end state; when that "
        "closes it (a timed-out request, AUTO_EXPIRE), the signer's SOL goes to the owner.",
    ),
    InstructionSpec(
        "close_session",
        (
            AccountSpec(
                "authority",
                signer=True,
                docs="The owner, or the creator of a Requested or Expired session.",
            ),
            _session(),
            AccountSpec("creator", writable=True, docs="Rent receiver; must be session.creator."),
            *_sweep_accounts("The session's signer; what it holds in SOL goes to the owner."),
            _CLOCK,
        ),
        SweepArgs,
        "Close the session account, return its rent to the creator and the session signer's "
        "SOL to the owner.",
    ),
    InstructionSpec(
        "execute",
        (
            AccountSpec("authority", signer=True, docs="The owner, or a key the guard admits."),
            _session(),
            AccountSpec(
                "session_signer",
                writable=True,
                pda=SignerPda(),
                docs="The session's signer; signs the inner instructions.",
            ),
            AccountSpec("instructions_sysvar", address=INSTRUCTIONS_SYSVAR_ID),
            _CLOCK,
        ),
        ExecuteArgs,
        "Perform inner instructions signed by the session signer, within the session's "
        "permissions, guard and quotas; the accounts they use follow the five listed here.",
        variable_data=True,
        dispatch_first=True,
    ),
    InstructionSpec(
        "validate_session",
        (
            AccountSpec("session", docs="Read-only: any program may call this by CPI."),
            AccountSpec("authority", signer=True, docs="The key that wants to act."),
        ),
        None,
        "Answer (return data) whether the authority may execute with this session now, "
        "or fail with the error execute would give.",
        returns=SessionValidity,
    ),
    InstructionSpec(
        "update_guard",
        (_authority(), _session()),
        UpdateGuardArgs,
        "The owner replaces the guard while Paused; an admitted caller narrows it to "
        "AND(old, new) at any time.",
    ),
    InstructionSpec(
        "update_permissions",
        (_authority(), _session()),
        UpdatePermissionsArgs,
        "The owner sets the permissions while Paused; an admitted caller may drop bits.",
    ),
    InstructionSpec(
        "update_quotas",
        (_authority(), _session()),
        UpdateQuotasArgs,
        "The owner sets the quotas while Paused; an admitted caller may lower them.",
    ),
)

INSTRUCTIONS_BY_NAME: Final[dict[str, InstructionSpec]] = {ix.name: ix for ix in INSTRUCTIONS}


def build_instruction(
    name: str,
    accounts: Mapping[str, Pubkey],
    args: object = None,
    *,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """Build instruction ``name`` from its spec: ``accounts`` by spec name, ``args`` typed."""
    return INSTRUCTIONS_BY_NAME[name].build(accounts, args, program_id=program_id)


def create_session(
    creator: Pubkey,
    session_id: int,
    params: SessionParams,
    *,
    bump: int | None = None,
    session: Pubkey | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """Build create_session; the PDA and canonical bump are derived unless given."""
    address, canonical = find_session_address(creator, session_id, program_id)
    args = CreateSessionArgs(session_id, params, canonical if bump is None else bump)
    return build_instruction(
        "create_session",
        {"creator": creator, "session": session or address},
        args,
        program_id=program_id,
    )


def request_session(
    creator: Pubkey,
    owner: Pubkey,
    session_id: int,
    params: SessionParams,
    request_ttl: int,
    *,
    bump: int | None = None,
    session: Pubkey | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """Build request_session: the requesting dapp (``creator``) pays; ``owner`` must approve
    within ``request_ttl``."""
    address, canonical = find_session_address(creator, session_id, program_id)
    args = RequestSessionArgs(
        session_id, owner, request_ttl, params, canonical if bump is None else bump
    )
    return build_instruction(
        "request_session",
        {"creator": creator, "session": session or address},
        args,
        program_id=program_id,
    )


def approve_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return build_instruction(
        "approve_session", {"owner": owner, "session": session}, program_id=program_id
    )


def activate_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return build_instruction(
        "activate_session", {"owner": owner, "session": session}, program_id=program_id
    )


def pause_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return build_instruction(
        "pause_session", {"owner": owner, "session": session}, program_id=program_id
    )


def resume_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return build_instruction(
        "resume_session", {"owner": owner, "session": session}, program_id=program_id
    )


def _sweep(
    session: Pubkey,
    owner: Pubkey,
    signer: Pubkey | None,
    signer_bump: int | None,
    program_id: Pubkey,
) -> tuple[dict[str, Pubkey], SweepArgs]:
    """The sweep's accounts and argument: the signer PDA and its canonical bump, unless given
    (a test passes another account or bump to see it refused)."""
    address, bump = find_signer_address(session, program_id)
    accounts = {"owner": owner, "session_signer": address if signer is None else signer}
    return accounts, SweepArgs(bump if signer_bump is None else signer_bump)


def expire_session(
    session: Pubkey,
    creator: Pubkey,
    owner: Pubkey,
    *,
    signer: Pubkey | None = None,
    signer_bump: int | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """Anyone may send this once the session has expired (or its request timed out); the
    creator receives the rent and the owner the signer's SOL if it closes."""
    sweep, args = _sweep(session, owner, signer, signer_bump, program_id)
    return build_instruction(
        "expire_session",
        {"session": session, "creator": creator, **sweep},
        args,
        program_id=program_id,
    )


def close_session(
    authority: Pubkey,
    session: Pubkey,
    creator: Pubkey,
    owner: Pubkey,
    *,
    signer: Pubkey | None = None,
    signer_bump: int | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """Close: the rent goes to ``creator``, what the session signer holds to ``owner`` (the
    session's creator and owner; the authority is one of them)."""
    sweep, args = _sweep(session, owner, signer, signer_bump, program_id)
    return build_instruction(
        "close_session",
        {"authority": authority, "session": session, "creator": creator, **sweep},
        args,
        program_id=program_id,
    )


def validate_session(
    session: Pubkey, authority: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    """Ask whether ``authority`` may execute with ``session`` now (answer in return data)."""
    return build_instruction(
        "validate_session", {"session": session, "authority": authority}, program_id=program_id
    )


def _update(
    name: str, authority: Pubkey, session: Pubkey, args: object, program_id: Pubkey
) -> Instruction:
    """update_guard / update_permissions / update_quotas share their accounts."""
    return build_instruction(
        name, {"authority": authority, "session": session}, args, program_id=program_id
    )


def update_guard(
    authority: Pubkey, session: Pubkey, guard: Guard, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return _update("update_guard", authority, session, UpdateGuardArgs(guard), program_id)


def update_permissions(
    authority: Pubkey, session: Pubkey, permissions: int, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    args = UpdatePermissionsArgs(permissions)
    return _update("update_permissions", authority, session, args, program_id)


def update_quotas(
    authority: Pubkey, session: Pubkey, quotas: ResourceQuotas, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return _update("update_quotas", authority, session, UpdateQuotasArgs(quotas), program_id)
