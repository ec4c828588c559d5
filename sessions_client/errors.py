"""The program's custom error codes (Anchor convention: from 6000) and their typed exception.

The C program's error constants and log messages are generated from
:data:`ERROR_MESSAGES`, so a code means the same thing everywhere. The first
nine are the seed design's; the rest name each account relation the program
checks, so every rejection has its own code.
"""

from __future__ import annotations

import enum
from typing import Final

from sessions_client.exceptions import SessionsClientError


class ErrorCode(enum.IntEnum):
    """Custom program error codes, as returned in ``InstructionError::Custom``."""

    SESSION_NOT_FOUND = 6000
    SESSION_NOT_ACTIVE = 6001
    SESSION_EXPIRED = 6002
    PERMISSION_DENIED = 6003
    INVALID_CONFIGURATION = 6004
    CREATION_FAILED = 6005
    ACTIVATION_FAILED = 6006
    QUOTA_EXCEEDED = 6007
    POLICY_VIOLATION = 6008
    UNKNOWN_INSTRUCTION = 6009
    INVALID_INSTRUCTION_DATA = 6010
    NOT_ENOUGH_ACCOUNTS = 6011
    MISSING_SIGNER = 6012
    UNAUTHORIZED = 6013
    ACCOUNT_NOT_WRITABLE = 6014
    INVALID_ACCOUNT_OWNER = 6015
    INVALID_DISCRIMINATOR = 6016
    INVALID_ACCOUNT_SIZE = 6017
    UNSUPPORTED_VERSION = 6018
    INVALID_SESSION_ADDRESS = 6019
    INVALID_BUMP = 6020
    SESSION_ALREADY_EXISTS = 6021
    INVALID_STATUS_TRANSITION = 6022
    INVALID_SYSTEM_PROGRAM = 6023
    INVALID_RENT_RECEIVER = 6024
    REQUEST_TIMED_OUT = 6025
    SESSION_NOT_EXPIRED = 6026
    INVALID_STORED_STATE = 6027
    MISSING_INSTRUCTIONS_SYSVAR = 6028
    ARITHMETIC_OVERFLOW = 6029
    SYSVAR_UNAVAILABLE = 6030
    INVALID_PAYER_OWNER = 6031
    PAYER_HOLDS_DATA = 6032
    PAYER_BELOW_RENT_EXEMPTION = 6033
    GUARD_REJECTED = 6034
    GUARD_MALFORMED = 6035
    CALLER_NOT_ADMITTED = 6036
    CPI_NOT_ALLOWED = 6037
    NOT_TOP_LEVEL = 6038
    SESSION_ACCOUNT_WRITABLE_IN_CPI = 6039
    SIGNER_ESCAPED = 6040
    AUTHORITY_CHANGED = 6041
    INVALID_SESSION_SIGNER = 6042
    INVALID_ACCOUNT_INDEX = 6043
    TOO_MANY_ACCOUNTS = 6044
    NOT_NARROWING = 6045
    INVALID_OWNER_ACCOUNT = 6046
    OWNER_BELOW_RENT_EXEMPTION = 6047
    MISSING_CLOCK_SYSVAR = 6048

    @property
    def pascal_name(self) -> str:
        """The Anchor-style name, e.g. ``SessionNotFound``."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def message(self) -> str:
        return ERROR_MESSAGES[self]

    @property
    def log_line(self) -> str:
        """The line the program logs on failure, in Anchor's format.

        Anchor TS (``AnchorError.parse``) and anchorpy find a program error in
        the logs by this exact shape, so both map it to the IDL's name and
        message; the runtime prefixes it with ``Program log: ``.
        """
        return (
            f"AnchorError occurred. Error Code: {self.pascal_name}. "
            f"Error Number: {int(self)}. Error Message: {self.message}."
        )


ERROR_MESSAGES: Final[dict[ErrorCode, str]] = {
    ErrorCode.SESSION_NOT_FOUND: "Session account does not exist (empty or closed)",
    ErrorCode.SESSION_NOT_ACTIVE: "Session is not active",
    ErrorCode.SESSION_EXPIRED: "Session has expired",
    ErrorCode.PERMISSION_DENIED: "Session lacks the permission for this operation",
    ErrorCode.INVALID_CONFIGURATION: "Session configuration is invalid",
    ErrorCode.CREATION_FAILED: "Session account creation failed",
    ErrorCode.ACTIVATION_FAILED: "Session activation failed",
    ErrorCode.QUOTA_EXCEEDED: "Session resource quota exceeded",
    ErrorCode.POLICY_VIOLATION: "Session data access policy violated",
    ErrorCode.UNKNOWN_INSTRUCTION: "Unknown instruction discriminator",
    ErrorCode.INVALID_INSTRUCTION_DATA: "Instruction data has the wrong length",
    ErrorCode.NOT_ENOUGH_ACCOUNTS: "Not enough accounts for this instruction",
    ErrorCode.MISSING_SIGNER: "A required signature is missing",
    ErrorCode.UNAUTHORIZED: "Signer is not the authority of this session",
    ErrorCode.ACCOUNT_NOT_WRITABLE: "A required writable account is read-only",
    ErrorCode.INVALID_ACCOUNT_OWNER: "Session account is owned by another program",
    ErrorCode.INVALID_DISCRIMINATOR: "Account discriminator is not Session",
    ErrorCode.INVALID_ACCOUNT_SIZE: "Session account has the wrong size",
    ErrorCode.UNSUPPORTED_VERSION: "Session account layout version is not supported",
    ErrorCode.INVALID_SESSION_ADDRESS: "Session account is not the PDA of its seeds",
    ErrorCode.INVALID_BUMP: "Supplied bump is not the canonical bump",
    ErrorCode.SESSION_ALREADY_EXISTS: "Session account already exists",
    ErrorCode.INVALID_STATUS_TRANSITION: "Session status does not allow this instruction",
    ErrorCode.INVALID_SYSTEM_PROGRAM: "System program account is not the system program",
    ErrorCode.INVALID_RENT_RECEIVER: "Rent receiver is not the session's creator",
    ErrorCode.REQUEST_TIMED_OUT: "Session request has timed out",
    ErrorCode.SESSION_NOT_EXPIRED: "Session has not expired yet",
    ErrorCode.INVALID_STORED_STATE: "Session account holds an impossible status or duration",
    ErrorCode.MISSING_INSTRUCTIONS_SYSVAR: "Instructions sysvar is required when invoked by CPI",
    ErrorCode.ARITHMETIC_OVERFLOW: "Timestamp arithmetic overflowed",
    ErrorCode.SYSVAR_UNAVAILABLE: "A sysvar could not be read",
    ErrorCode.INVALID_PAYER_OWNER: "Payer is owned by another program, so it cannot pay the rent",
    ErrorCode.PAYER_HOLDS_DATA: "Payer holds data, so the system program cannot debit it",
    ErrorCode.PAYER_BELOW_RENT_EXEMPTION: "Payer would be left below its rent-exempt minimum",
    ErrorCode.GUARD_REJECTED: "Session guard evaluated to false for this execution",
    ErrorCode.GUARD_MALFORMED: "Stored session guard fails validation (fails closed)",
    ErrorCode.CALLER_NOT_ADMITTED: "The signer is neither the owner nor a key the guard admits",
    ErrorCode.CPI_NOT_ALLOWED: "execute may not call the sessions program itself",
    ErrorCode.NOT_TOP_LEVEL: "execute must be a top-level instruction, not reached by CPI",
    ErrorCode.SESSION_ACCOUNT_WRITABLE_IN_CPI: "The session account may not be passed writable",
    ErrorCode.SIGNER_ESCAPED: "The session signer is no longer a system account without data",
    ErrorCode.AUTHORITY_CHANGED: "A token account of the session signer changed its authorities",
    ErrorCode.INVALID_SESSION_SIGNER: "Account is not the session's signer PDA (canonical bump)",
    ErrorCode.INVALID_ACCOUNT_INDEX: "An inner instruction names an account that was not passed",
    ErrorCode.TOO_MANY_ACCOUNTS: "Too many accounts or token accounts for one execution",
    ErrorCode.NOT_NARROWING: "Only the owner may widen a session's limits",
    ErrorCode.INVALID_OWNER_ACCOUNT: "Owner account is not the session's owner",
    ErrorCode.OWNER_BELOW_RENT_EXEMPTION: "The signer's SOL would leave the owner rent-paying",
    ErrorCode.MISSING_CLOCK_SYSVAR: "The clock account is not the Clock sysvar",
}


class SessionsProgramError(SessionsClientError):
    """The sessions program rejected an instruction with one of its error codes."""

    def __init__(self, code: ErrorCode, logs: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code.pascal_name} ({int(code)}): {code.message}")
        self.code = code
        self.logs = logs


def error_from_code(code: int) -> ErrorCode | None:
    """Map a custom error number to its ErrorCode, or None if it is not ours."""
    try:
        return ErrorCode(code)
    except ValueError:
        return None
