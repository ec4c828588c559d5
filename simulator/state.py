"""SessionState: one session as the simulator's client side sees it.

It pairs the lifecycle status (which includes the in-flight and end states the program
never stores) with the account's content, so the seed's fields (config, status,
permissions, created/expires timestamps, usage statistics) are read from the very
Session value whose encoding is the on-chain account's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from sessions_client.accounts import encode_session
from sessions_client.errors import ErrorCode
from sessions_client.lifecycle import END_STATES, IN_FLIGHT
from sessions_client.types import CloseReason, Session, SessionConfig, SessionStatus, UsageStats
from simulator.outcome import RuntimeFailure


@dataclass(frozen=True, slots=True)
class SessionState:
    """A session's lifecycle status and account content."""

    address: Pubkey
    status: SessionStatus
    #: The account's content: on-chain now, predicted while a creation is in flight, or
    #: the last content before the account was closed.
    account: Session
    #: Whether an account exists at ``address`` now.
    on_chain: bool
    lamports: int
    #: Why the last operation on this session failed, if it did.
    error: ErrorCode | RuntimeFailure | None = None
    close_reason: CloseReason | None = None

    # -- the seed's fields -------------------------------------------------------------------

    @property
    def session_id(self) -> int:
        return self.account.session_id

    @property
    def owner(self) -> Pubkey:
        return self.account.owner

    @property
    def creator(self) -> Pubkey:
        return self.account.creator

    @property
    def config(self) -> SessionConfig:
        return self.account.config

    @property
    def permissions(self) -> int:
        """The effective permissions (what the session may do now)."""
        return self.account.effective_permissions

    @property
    def created_at(self) -> int:
        return self.account.created_at

    @property
    def expires_at(self) -> int:
        """Zero until the session is Created (a Requested session has only a deadline)."""
        return self.account.expires_at

    @property
    def request_deadline(self) -> int:
        return self.account.request_deadline

    @property
    def usage(self) -> UsageStats:
        return self.account.usage

    @property
    def usage_count(self) -> int:
        return self.account.usage_count

    # -- derived -----------------------------------------------------------------------------

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    @property
    def ended(self) -> bool:
        return self.status in END_STATES

    def is_expired(self, now: int) -> bool:
        """The program's rule: expired once ``now >= expires_at`` (never before creation)."""
        return self.account.expires_at != 0 and now >= self.account.expires_at

    def remaining(self, now: int) -> int:
        """Seconds until expiry (0 once expired or before an expiry exists)."""
        if self.account.expires_at == 0:
            return 0
        return max(0, self.account.expires_at - now)

    def encode(self) -> bytes:
        """The account's exact bytes (what the chain holds while ``on_chain``)."""
        return encode_session(self.account)
