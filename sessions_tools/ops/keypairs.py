"""Keypair files in the Solana CLI's format (a JSON array of the 64 secret+public bytes), addresses.

``solana-keygen`` writes exactly this format; the deploy command writes new
program and buffer keypairs the same way (owner-only permissions), so they
work with the Solana CLI too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from sessions_tools.ops.operator_error import OperatorError

KEYPAIR_LENGTH: Final = 64


def read_keypair(path: Path, what: str = "keypair") -> Keypair:
    """The keypair in ``path``; OperatorError naming the file for anything else."""
    if str(path).startswith(("prompt:", "usb:", "stdin")):
        raise OperatorError(f"{what} {path}: only keypair files are supported")
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise OperatorError(f"{what} file {path} does not exist") from None
    except OSError as exc:
        raise OperatorError(f"cannot read {what} file {path}: {exc.strerror}") from exc
    try:
        values = json.loads(text)
    except ValueError:
        values = None
    if (
        not isinstance(values, list)
        or len(values) != KEYPAIR_LENGTH
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in values)
    ):
        raise OperatorError(f"{what} file {path} is not a JSON array of {KEYPAIR_LENGTH} bytes")
    try:
        return Keypair.from_bytes(bytes(values))
    except ValueError as exc:
        raise OperatorError(f"{what} file {path} holds an inconsistent keypair") from exc


def write_keypair(path: Path, keypair: Keypair) -> None:
    """Write ``keypair`` as the Solana CLI does; never overwrites an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise OperatorError(f"{path} already exists") from None
    except OSError as exc:
        raise OperatorError(f"cannot write keypair file {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(list(bytes(keypair)), separators=(",", ":")))


def load_or_create_keypair(path: Path, what: str) -> tuple[Keypair, bool]:
    """The keypair in ``path``, or a new one saved there; True when it was created."""
    if path.exists():
        return read_keypair(path, what), False
    keypair = Keypair()
    write_keypair(path, keypair)
    return keypair, True


def parse_address(text: str, what: str = "address") -> Pubkey:
    """A base58 public key; OperatorError otherwise."""
    try:
        return Pubkey.from_string(text)
    except ValueError:
        raise OperatorError(f"{what} {text!r} is not a base58 public key") from None


def address_or_keypair_file(text: str, what: str) -> Pubkey:
    """An address given as base58 or as a keypair file (as the Solana CLI accepts both)."""
    try:
        return Pubkey.from_string(text)
    except ValueError:
        pass
    path = Path(text).expanduser()
    if path.is_file():
        return read_keypair(path, what).pubkey()
    raise OperatorError(f"{what} {text!r} is neither a base58 public key nor a keypair file")


def parse_signature(text: str) -> Signature:
    """A base58 transaction signature; OperatorError otherwise."""
    try:
        return Signature.from_string(text)
    except ValueError:
        raise OperatorError(f"{text!r} is not a base58 transaction signature") from None
