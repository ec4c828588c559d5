"""Factory configuration (defaults and limits), named templates, and per-call overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from sessions_client.constants import (
    ALL_PERMISSIONS,
    ALL_SETTINGS,
    MAX_REQUEST_TTL,
    MAX_SESSION_DURATION,
    METADATA_LEN,
    Permission,
)
from sessions_client.errors import ErrorCode
from sessions_client.types import ResourceQuotas, SessionConfig, SessionParams, SessionScope


@dataclass(frozen=True, slots=True)
class FactoryConfig:
    """What a template leaves open (defaults) and what no session may exceed (limits).

    The limits are the factory's own policy inside the program's: a session the
    factory refuses never reaches the program.
    """

    default_max_duration: int = 3600
    default_permissions: int = int(Permission.EXECUTE)
    default_settings: int = 0
    default_request_ttl: int = 600
    max_duration: int = MAX_SESSION_DURATION
    allowed_permissions: int = ALL_PERMISSIONS
    allowed_settings: int = ALL_SETTINGS
    #: Sessions one owner may hold at once, in flight or live (not ended).
    max_sessions_per_owner: int = 64
    first_session_id: int = 1
    #: Prefer ids whose canonical bump is 255 (cheapest for the program to verify).
    prefer_cheapest_ids: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.max_duration <= MAX_SESSION_DURATION:
            raise ValueError(f"max_duration must be in 1..{MAX_SESSION_DURATION}")
        if not 1 <= self.default_max_duration <= self.max_duration:
            raise ValueError("default_max_duration must be in 1..max_duration")
        if not 1 <= self.default_request_ttl <= MAX_REQUEST_TTL:
            raise ValueError(f"default_request_ttl must be in 1..{MAX_REQUEST_TTL}")
        if self.allowed_permissions & ~ALL_PERMISSIONS or self.allowed_settings & ~ALL_SETTINGS:
            raise ValueError("allowed flags must be known flags")
        if self.max_sessions_per_owner < 1:
            raise ValueError("max_sessions_per_owner must be at least 1")

    def check(self, params: SessionParams) -> ErrorCode | None:
        """InvalidConfiguration when ``params`` exceed the factory's limits."""
        c = params.config
        if not 1 <= c.max_duration <= self.max_duration:
            return ErrorCode.INVALID_CONFIGURATION
        if c.permissions & ~self.allowed_permissions or c.settings & ~self.allowed_settings:
            return ErrorCode.INVALID_CONFIGURATION
        return None


@dataclass(frozen=True, slots=True)
class Overrides:
    """Per-call changes to a template (None: keep the template's value)."""

    max_duration: int | None = None
    permissions: int | None = None
    settings: int | None = None
    scope: SessionScope | None = None
    quotas: ResourceQuotas | None = None
    metadata: bytes | None = None


@dataclass(frozen=True, slots=True)
class SessionTemplate:
    """A named configuration; None fields take the factory's defaults."""

    name: str
    max_duration: int | None = None
    permissions: int | None = None
    settings: int | None = None
    scope: SessionScope = field(default_factory=SessionScope)
    quotas: ResourceQuotas = field(default_factory=ResourceQuotas)
    metadata: bytes = bytes(METADATA_LEN)

    def params(self, config: FactoryConfig, overrides: Overrides | None = None) -> SessionParams:
        """The SessionParams for a session made from this template with ``overrides``."""
        o = overrides or Overrides()

        def pick(override: int | None, mine: int | None, default: int) -> int:
            if override is not None:
                return override
            return mine if mine is not None else default

        session_config = SessionConfig(
            pick(o.max_duration, self.max_duration, config.default_max_duration),
            pick(o.permissions, self.permissions, config.default_permissions),
            pick(o.settings, self.settings, config.default_settings),
        )
        metadata = o.metadata if o.metadata is not None else self.metadata
        if len(metadata) != METADATA_LEN:
            raise ValueError(f"metadata must be {METADATA_LEN} bytes")
        return SessionParams(
            config=session_config,
            scope=o.scope if o.scope is not None else self.scope,
            quotas=o.quotas if o.quotas is not None else self.quotas,
            metadata=metadata,
        )


DEFAULT_TEMPLATE: Final = SessionTemplate("default")
