"""Solana sessions: the Python mirror of the on-chain sessions program.

The schema (:mod:`.types`, :mod:`.events`, :mod:`.errors`, :mod:`.instructions`)
is the single source of truth from which ``idl/sessions.json`` and the program's
C layout header are generated. Builders return solders ``Instruction`` objects;
:class:`~sessions_tools.svm.SessionsSVM` runs the real program in process.
"""

from sessions_client.accounts import (
    INIT_SPACE,
    SESSION_ACCOUNT_SIZE,
    SESSION_DISCRIMINATOR,
    decode_session,
    encode_session,
)
from sessions_client.cache import OptimisticSessionManager
from sessions_client.client import SessionsClient, TransactionResult
from sessions_client.constants import PROGRAM_ID, Permission, Setting
from sessions_client.errors import ErrorCode, SessionsProgramError
from sessions_client.events import EVENT_TYPES, Event, decode_event, encode_event, parse_events
from sessions_client.exceptions import (
    AccountNotFoundError,
    DecodeError,
    EncodeError,
    InvalidSessionError,
    RpcError,
    RpcTimeoutError,
    SessionsClientError,
    TransactionFailedError,
)
from sessions_client.pda import find_session_address, find_signer_address, session_id_with_bump
from sessions_client.types import (
    CloseReason,
    Guard,
    ResourceQuotas,
    Session,
    SessionConfig,
    SessionParams,
    SessionScope,
    SessionStatus,
)

__all__ = [
    "EVENT_TYPES",
    "INIT_SPACE",
    "PROGRAM_ID",
    "SESSION_ACCOUNT_SIZE",
    "SESSION_DISCRIMINATOR",
    "AccountNotFoundError",
    "CloseReason",
    "DecodeError",
    "EncodeError",
    "ErrorCode",
    "Event",
    "Guard",
    "InvalidSessionError",
    "OptimisticSessionManager",
    "Permission",
    "ResourceQuotas",
    "RpcError",
    "RpcTimeoutError",
    "Session",
    "SessionConfig",
    "SessionParams",
    "SessionScope",
    "SessionStatus",
    "SessionsClient",
    "SessionsClientError",
    "SessionsProgramError",
    "Setting",
    "TransactionFailedError",
    "TransactionResult",
    "decode_event",
    "decode_session",
    "encode_event",
    "encode_session",
    "find_session_address",
    "find_signer_address",
    "parse_events",
    "session_id_with_bump",
]
