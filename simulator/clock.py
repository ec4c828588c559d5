"""The simulator's controllable clock: the only source of ``now`` the model reads.

The program reads the Clock sysvar's ``unix_timestamp`` (an i64); this clock holds
the same value and is moved explicitly, so expiry and timeouts are reproducible.
"""

from __future__ import annotations

from typing import Final

from sessions_client.constants import DEFAULT_START_TIME

__all__ = ["DEFAULT_START_TIME", "I64_MAX", "I64_MIN", "Clock"]

I64_MIN: Final = -(1 << 63)
I64_MAX: Final = (1 << 63) - 1


def _as_i64(value: int) -> int:
    if not I64_MIN <= value <= I64_MAX:
        raise ValueError(f"unix timestamp must fit in i64, got {value}")
    return value


class Clock:
    """A unix clock in seconds that moves only when told to."""

    __slots__ = ("_now",)

    def __init__(self, start: int = DEFAULT_START_TIME) -> None:
        self._now = _as_i64(start)

    def now(self) -> int:
        return self._now

    def set(self, unix_timestamp: int) -> None:
        """Jump to ``unix_timestamp`` (backwards too, as ``set_clock`` allows)."""
        self._now = _as_i64(unix_timestamp)

    def advance(self, seconds: int) -> int:
        """Move by ``seconds`` and return the new time."""
        self._now = _as_i64(self._now + seconds)
        return self._now
