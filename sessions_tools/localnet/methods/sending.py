"""Methods that run transactions: sendTransaction, simulateTransaction, requestAirdrop."""

from __future__ import annotations

from solders.pubkey import Pubkey

from sessions_tools.localnet.chain import Chain, SendResult
from sessions_tools.localnet.encoding import AccountEncoding
from sessions_tools.localnet.methods.common import check_min_context_slot, with_context
from sessions_tools.localnet.methods.render import error_json, simulation_json
from sessions_tools.localnet.params import COMMITMENTS, Params, as_pubkey
from sessions_tools.localnet.rpc_errors import (
    JsonValue,
    internal_error,
    invalid_params,
    preflight_failure,
    signature_verification_failure,
)
from sessions_tools.localnet.transactions import TRANSACTION_ENCODINGS, decode_transaction
from sessions_tools.localnet.txerrors import describe_transaction_error


def _raise_for_rejection(result: SendResult) -> None:
    if result.bad_signature:
        raise signature_verification_failure()
    failure = result.preflight_failure
    if failure is not None:
        raise preflight_failure(
            describe_transaction_error(error_json(failure.execution)),
            simulation_json(failure, accounts_encoding=None, inner_instructions=False),
        )


async def send_transaction(ledger: Chain, params: Params) -> JsonValue:
    """sendTransaction: preflight (unless skipped), execute, return the signature.

    As on a validator, a transaction that fails only after preflight was
    skipped still returns its signature; its status then carries the error.
    """
    params.at_most(2)
    encoded = params.string(0, "transaction")
    config = params.config(1)
    encoding = config.choice("encoding", TRANSACTION_ENCODINGS, "base58")
    skip_preflight = config.boolean("skipPreflight", default=False)
    config.choice("preflightCommitment", sorted(COMMITMENTS), "finalized")
    config.u64("maxRetries")
    transaction = decode_transaction(encoded, encoding, params.where(0, "transaction"))
    minimum = config.min_context_slot()
    if minimum is not None:
        check_min_context_slot(config, (await ledger.state()).slot)
    result = await ledger.send(transaction, skip_preflight=skip_preflight)
    _raise_for_rejection(result)
    return str(result.signature)


async def simulate_transaction(ledger: Chain, params: Params) -> JsonValue:
    """simulateTransaction with sigVerify, replaceRecentBlockhash, accounts, innerInstructions."""
    params.at_most(2)
    encoded = params.string(0, "transaction")
    config = params.config(1)
    config.commitment()
    encoding = config.choice("encoding", TRANSACTION_ENCODINGS, "base58")
    sig_verify = config.boolean("sigVerify", default=False)
    replace = config.boolean("replaceRecentBlockhash", default=False)
    if sig_verify and replace:
        raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
    inner = config.boolean("innerInstructions", default=False)
    transaction = decode_transaction(encoded, encoding, params.where(0, "transaction"))
    accounts_encoding: AccountEncoding | None = None
    addresses: list[Pubkey] = []
    accounts_config = config.sub("accounts")
    if accounts_config is not None:
        encoding_name = accounts_config.string("encoding") or "base64"
        accounts_encoding = AccountEncoding.parse(
            encoding_name, where=f"{accounts_config.where}.encoding"
        )
        if accounts_encoding in (AccountEncoding.BINARY, AccountEncoding.BASE58):
            raise invalid_params(f"{accounts_config.where}.encoding: base58 encoding not supported")
        raw = accounts_config.get("addresses")
        where = f"{accounts_config.where}.addresses"
        if not isinstance(raw, list):
            raise invalid_params(f"{where}: expected an array of public keys")
        key_count = len(transaction.message.account_keys)
        if len(raw) > key_count:
            raise invalid_params(f"{where}: too many accounts provided; max {key_count}")
        addresses = [as_pubkey(item, f"{where}[{index}]") for index, item in enumerate(raw)]
    if sig_verify and not all(transaction.verify_with_results()):
        raise signature_verification_failure()
    simulation = await ledger.simulate(
        transaction, replace_recent_blockhash=replace, account_addresses=addresses
    )
    check_min_context_slot(config, simulation.slot)
    return with_context(
        simulation.slot,
        simulation_json(simulation, accounts_encoding=accounts_encoding, inner_instructions=inner),
    )


async def request_airdrop(ledger: Chain, params: Params) -> JsonValue:
    """requestAirdrop: a recorded faucet transfer; a failing airdrop is an error here."""
    params.at_most(3)
    recipient = params.pubkey(0)
    lamports = params.u64(1, "lamports")
    if lamports == 0:
        raise invalid_params(f"{params.where(1, 'lamports')}: must be greater than 0")
    params.config(2).commitment()
    result = await ledger.airdrop(recipient, lamports)
    if result.preflight_failure is not None:
        reason = describe_transaction_error(error_json(result.preflight_failure.execution))
        raise invalid_params(f"airdrop of {lamports} lamports to {recipient} failed: {reason}")
    if result.record is None:
        raise internal_error(f"airdrop transaction {result.signature} was dropped")
    return str(result.signature)
