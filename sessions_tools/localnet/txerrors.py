"""Transaction errors: their JSON form and their human-readable text.

LiteSVM hands back solders ``TransactionErrorType`` objects. Over JSON-RPC a
validator shows them in serde's externally-tagged form
(``{"InstructionError": [0, {"Custom": 1}]}``); we borrow solders' own serde
output so the shape is exact. The text is what the validator puts after
"Transaction simulation failed: " in a preflight error, which users grep CI
logs for, so common variants are spelled the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from solders.rpc.responses import RpcSimulateTransactionResult
from solders.transaction_status import TransactionErrorType

from sessions_tools.localnet.rpc_errors import JsonValue


def transaction_error_json(err: TransactionErrorType) -> JsonValue:
    """The validator's JSON for ``err`` (a string or a one-key object)."""
    rendered = json.loads(RpcSimulateTransactionResult(err=err).to_json())
    return rendered["err"]


_TRANSACTION_TEXT: Final[Mapping[str, str]] = MappingProxyType(
    {
        "AccountInUse": "Account in use",
        "AccountLoadedTwice": "Account loaded twice",
        "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
        "ProgramAccountNotFound": "Attempt to load a program that does not exist",
        "InsufficientFundsForFee": "Insufficient funds for fee",
        "InvalidAccountForFee": "This account may not be used to pay transaction fees",
        "AlreadyProcessed": "This transaction has already been processed",
        "BlockhashNotFound": "Blockhash not found",
        "CallChainTooDeep": "Loader call chain is too deep",
        "MissingSignatureForFee": "Transaction requires a fee but has no signature present",
        "InvalidAccountIndex": "Transaction contains an invalid account reference",
        "SignatureFailure": "Transaction did not pass signature verification",
        "InvalidProgramForExecution": "This program may not be used for executing instructions",
        "SanitizeFailure": "Transaction failed to sanitize accounts offsets correctly",
        "UnsupportedVersion": "Transaction version is unsupported",
        "InvalidWritableAccount": "Transaction loads a writable account that cannot be written",
        "TooManyAccountLocks": "Transaction locked too many accounts",
        "AddressLookupTableNotFound": (
            "Transaction loads an address table account that doesn't exist"
        ),
        "InvalidAddressLookupTableOwner": (
            "Transaction loads an address table account with an invalid owner"
        ),
        "InvalidAddressLookupTableData": (
            "Transaction loads an address table account with invalid data"
        ),
        "InvalidAddressLookupTableIndex": "Transaction address table lookup uses an invalid index",
        "InvalidRentPayingAccount": (
            "Transaction leaves an account with a lower balance than rent-exempt minimum"
        ),
        "MaxLoadedAccountsDataSizeExceeded": (
            "Transaction exceeded max loaded accounts data size cap"
        ),
        "UnbalancedTransaction": (
            "Sum of account balances before and after transaction do not match"
        ),
    }
)

_INSTRUCTION_TEXT: Final[Mapping[str, str]] = MappingProxyType(
    {
        "GenericError": "generic instruction error",
        "InvalidArgument": "invalid program argument",
        "InvalidInstructionData": "invalid instruction data",
        "InvalidAccountData": "invalid account data for instruction",
        "AccountDataTooSmall": "account data too small for instruction",
        "InsufficientFunds": "insufficient funds for instruction",
        "IncorrectProgramId": "incorrect program id for instruction",
        "MissingRequiredSignature": "missing required signature for instruction",
        "AccountAlreadyInitialized": "instruction requires an uninitialized account",
        "UninitializedAccount": "instruction requires an initialized account",
        "UnbalancedInstruction": (
            "sum of account balances before and after instruction do not match"
        ),
        "ModifiedProgramId": "instruction illegally modified the program id of an account",
        "ExternalAccountLamportSpend": (
            "instruction spent from the balance of an account it does not own"
        ),
        "ExternalAccountDataModified": "instruction modified data of an account it does not own",
        "ReadonlyLamportChange": "instruction changed the balance of a read-only account",
        "ReadonlyDataModified": "instruction modified data of a read-only account",
        "NotEnoughAccountKeys": "insufficient account keys for instruction",
        "AccountDataSizeChanged": (
            "program other than the account's owner changed the size of the account data"
        ),
        "AccountNotExecutable": "instruction expected an executable account",
        "InvalidError": "program returned invalid error code",
        "UnsupportedProgramId": "Unsupported program id",
        "CallDepth": "Cross-program invocation call depth too deep",
        "MissingAccount": "An account required by the instruction is missing",
        "ReentrancyNotAllowed": (
            "Cross-program invocation reentrancy not allowed for this instruction"
        ),
        "MaxSeedLengthExceeded": "Length of the seed is too long for address generation",
        "InvalidSeeds": "Provided seeds do not result in a valid address",
        "InvalidRealloc": "Failed to reallocate account data",
        "ComputationalBudgetExceeded": "Computational budget exceeded",
        "PrivilegeEscalation": (
            "Cross-program invocation with unauthorized signer or writable account"
        ),
        "ProgramEnvironmentSetupFailure": "Failed to create program execution environment",
        "ProgramFailedToComplete": "Program failed to complete",
        "ProgramFailedToCompile": "Program failed to compile",
        "Immutable": "Account is immutable",
        "IncorrectAuthority": "Incorrect authority provided",
        "BorshIoError": "Failed to serialize or deserialize account data",
        "AccountNotRentExempt": "An account does not have enough lamports to be rent-exempt",
        "InvalidAccountOwner": "Invalid account owner",
        "ArithmeticOverflow": "Program arithmetic overflowed",
        "UnsupportedSysvar": "Unsupported sysvar",
        "IllegalOwner": "Provided owner is not allowed",
        "MaxAccountsDataAllocationsExceeded": (
            "Accounts data allocations exceeded the maximum allowed per transaction"
        ),
        "MaxAccountsExceeded": "Max accounts exceeded",
        "MaxInstructionTraceLengthExceeded": "Max instruction trace length exceeded",
        "BuiltinProgramsMustConsumeComputeUnits": "Builtin programs must consume compute units",
    }
)


def _describe_instruction_error(err: JsonValue) -> str:
    if isinstance(err, str):
        return _INSTRUCTION_TEXT.get(err, err)
    if isinstance(err, dict) and "Custom" in err:
        return f"custom program error: {int(err['Custom']):#x}"
    return json.dumps(err)


def describe_transaction_error(err: JsonValue) -> str:
    """Human text for the JSON form of a transaction error, as a validator prints it."""
    if isinstance(err, str):
        return _TRANSACTION_TEXT.get(err, err)
    if isinstance(err, dict) and len(err) == 1:
        ((variant, detail),) = err.items()
        if variant == "InstructionError" and isinstance(detail, list) and len(detail) == 2:
            index, inner = detail
            return f"Error processing Instruction {index}: {_describe_instruction_error(inner)}"
        if variant == "InsufficientFundsForRent" and isinstance(detail, dict):
            index = detail.get("account_index")
            return f"Transaction results in an account ({index}) with insufficient funds for rent"
        if variant == "DuplicateInstruction":
            return f"Transaction contains a duplicate instruction ({detail}) that is not allowed"
    return json.dumps(err)
