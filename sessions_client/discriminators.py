"""Anchor discriminators: the first 8 bytes of sha256 over a namespaced name."""

from __future__ import annotations

import hashlib
from typing import Final

#: Accounts, instructions and events all start with an 8-byte discriminator.
DISCRIMINATOR_LEN: Final = 8


def _disc(namespace: str, name: str) -> bytes:
    return hashlib.sha256(f"{namespace}:{name}".encode()).digest()[:DISCRIMINATOR_LEN]


def instruction_discriminator(snake_name: str) -> bytes:
    """``sha256("global:<name>")[:8]`` for an instruction such as ``create_session``."""
    return _disc("global", snake_name)


def account_discriminator(name: str) -> bytes:
    """``sha256("account:<Name>")[:8]``."""
    return _disc("account", name)


def event_discriminator(name: str) -> bytes:
    """``sha256("event:<Name>")[:8]``."""
    return _disc("event", name)
