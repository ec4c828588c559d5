"""PubSub subscriptions that stream what each block did: ``logsSubscribe`` and ``programSubscribe``.

Anchor's ``program.addEventListener``, web3.js ``onLogs`` and Kit's
``logsNotifications`` read events from ``logsNotification``; web3.js
``onProgramAccountChange`` and Kit's ``programNotifications`` watch a
program's accounts through ``programNotification``. Shapes follow the
validator (and the clients' own type definitions):

* ``logsNotification``: ``{"context": {"slot"}, "value": {"signature", "err", "logs"}}``
  for every landed transaction (failed ones too, with their error), or only
  those whose account keys (static or loaded) include the ``mentions`` address;
* ``programNotification``: ``{"context": {"slot"}, "value": {"pubkey", "account"}}``
  for every account the block wrote that the program owns afterwards and that
  passes the getProgramAccounts-style ``filters``.

The notification slot is the slot the transaction landed in, as for
``accountNotification``. Every commitment level is accepted and behaves the
same: transactions here are final the moment they land. The module is kept
apart from :mod:`~sessions_tools.localnet.pubsub` (which owns connections and
the older subscriptions) so it only has to register the two table entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from solders.account import Account
from solders.pubkey import Pubkey

from sessions_tools.localnet.chain import BlockEvent, TransactionRecord
from sessions_tools.localnet.encoding import (
    MAX_BASE58_BYTES,
    AccountEncoding,
    DataSlice,
    encode_account,
    encode_keyed_account,
)
from sessions_tools.localnet.filters import AccountFilter, matches_all, parse_filters
from sessions_tools.localnet.methods.common import data_slice, with_context
from sessions_tools.localnet.methods.render import error_json
from sessions_tools.localnet.params import Params, as_list, as_pubkey, describe
from sessions_tools.localnet.rpc_errors import JsonValue, invalid_params

Message = dict[str, JsonValue]
LOGS_FILTERS: Final = ("all", "allWithVotes")
BASE58_TOO_LARGE: Final = "error: data too large for bs58 encoding"
"""What a validator puts in a subscription's base58 ``data`` over 128 bytes (it cannot refuse)."""


def notification(method: str, subscription: int, result: JsonValue) -> Message:
    """A JSON-RPC notification frame, as every PubSub stream sends it."""
    return {
        "jsonrpc": "2.0",
        "method": method,
        "params": {"result": result, "subscription": subscription},
    }


def transaction_keys(record: TransactionRecord) -> frozenset[Pubkey]:
    """Every account a landed transaction names, its lookup-table addresses included."""
    message = record.transaction.message
    return frozenset((*message.account_keys, *record.loaded.writable, *record.loaded.readonly))


@dataclass(frozen=True)
class LogsSubscription:
    """``logsSubscribe``: the logs of every transaction, or of those mentioning one address."""

    mentions: Pubkey | None

    @classmethod
    def parse(cls, params: Params) -> LogsSubscription:
        """``[filter, {commitment}]``: ``all``, ``allWithVotes`` or ``{mentions: [key]}``."""
        params.at_most(2)
        raw = params.required(0, "filter")
        params.config(1).commitment()
        where = params.where(0, "filter")
        if isinstance(raw, str):
            if raw not in LOGS_FILTERS:
                raise invalid_params(
                    f"{where}: unknown filter {raw!r} (expected all, allWithVotes or "
                    '{"mentions": [address]})'
                )
            return cls(None)  # no vote transactions exist here, so both mean the same
        if not isinstance(raw, dict) or set(raw) != {"mentions"}:
            raise invalid_params(
                f'{where}: expected "all", "allWithVotes" or {{"mentions": [address]}}, '
                f"got {describe(raw)}"
            )
        mentions = as_list(raw["mentions"], f"{where}.mentions")
        if len(mentions) != 1:
            raise invalid_params(f"{where}.mentions: only 1 address supported, got {len(mentions)}")
        return cls(as_pubkey(mentions[0], f"{where}.mentions[0]"))

    def notifications(self, subscription: int, event: BlockEvent) -> list[Message]:
        """One ``logsNotification`` for the block's transaction if it matches."""
        record = event.record
        if record is None:
            return []
        if self.mentions is not None and self.mentions not in transaction_keys(record):
            return []
        value: JsonValue = {
            "signature": str(record.signature),
            "err": error_json(record.execution),
            "logs": list(record.execution.logs),
        }
        return [notification("logsNotification", subscription, with_context(record.slot, value))]


@dataclass(frozen=True)
class ProgramSubscription:
    """``programSubscribe``: accounts of one program as blocks write them."""

    program_id: Pubkey
    encoding: AccountEncoding
    filters: tuple[AccountFilter, ...]
    window: DataSlice | None

    @classmethod
    def parse(cls, params: Params) -> ProgramSubscription:
        """``[programId, {encoding, filters, dataSlice, commitment}]``; base58 by default."""
        params.at_most(2)
        program_id = params.pubkey(0, "programId")
        config = params.config(1)
        config.commitment()
        name = config.string("encoding") or AccountEncoding.BINARY.value
        encoding = AccountEncoding.parse(name, where=f"{config.where}.encoding")
        filters = (
            parse_filters(config.get("filters"), f"{config.where}.filters")
            if config.has("filters")
            else ()
        )
        return cls(program_id, encoding, filters, data_slice(config, encoding))

    def notifications(self, subscription: int, event: BlockEvent) -> list[Message]:
        """One ``programNotification`` per written account the program owns and the filters keep."""
        return [
            notification(
                "programNotification",
                subscription,
                with_context(event.parent, self._keyed(address, account)),
            )
            for address, account in event.accounts
            if account is not None
            and account.owner == self.program_id
            and matches_all(self.filters, bytes(account.data))
        ]

    def _keyed(self, address: Pubkey, account: Account) -> JsonValue:
        data = bytes(account.data)
        shown = len(self.window.apply(data) if self.window is not None else data)
        base58 = self.encoding in (AccountEncoding.BINARY, AccountEncoding.BASE58)
        if not base58 or shown <= MAX_BASE58_BYTES:
            return encode_keyed_account(address, account, self.encoding, self.window)
        ui_account = encode_account(account, AccountEncoding.BASE64, self.window)
        binary = self.encoding is AccountEncoding.BINARY
        ui_account["data"] = BASE58_TOO_LARGE if binary else [BASE58_TOO_LARGE, "base58"]
        return {"pubkey": str(address), "account": ui_account}


StreamSubscription = LogsSubscription | ProgramSubscription

SUBSCRIBE: Final[Mapping[str, Callable[[Params], StreamSubscription]]] = MappingProxyType(
    {"logsSubscribe": LogsSubscription.parse, "programSubscribe": ProgramSubscription.parse}
)
UNSUBSCRIBE: Final[Mapping[str, type[StreamSubscription]]] = MappingProxyType(
    {"logsUnsubscribe": LogsSubscription, "programUnsubscribe": ProgramSubscription}
)
