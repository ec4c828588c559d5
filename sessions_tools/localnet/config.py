"""``localnet.toml``: what the local validator serves and what it starts with.

The same file drives the embedded LiteSVM server and, through
:mod:`.validator`, a real ``solana-test-validator``, so CI and a developer's
machine start from identical state. Parsing is strict: an unknown key is an
error (a typo such as ``lamport`` would otherwise silently give an account
zero lamports) and every error names the key it is about.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from solders.pubkey import Pubkey

SYSTEM_PROGRAM_ID: Final = Pubkey.from_string("11111111111111111111111111111111")
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8899
DEFAULT_MAX_BODY_BYTES: Final = 1 << 20
DEFAULT_MAX_BATCH_SIZE: Final = 1000
DEFAULT_MAX_CONNECTIONS: Final = 512
DEFAULT_MAX_SUBSCRIPTIONS: Final = 1000
DEFAULT_HEADER_TIMEOUT: Final = 10.0
DEFAULT_BODY_TIMEOUT: Final = 30.0
DEFAULT_KEEP_ALIVE_SECONDS: Final = 5
_MAX_TIMEOUT: Final = 3600.0

BuildResolver = Callable[[str], Path]
"""Turns a named program (``build = "sessions"``) into the path of its built .so."""


class LocalnetConfigError(ValueError):
    """A ``localnet.toml`` that cannot be used; ``key`` is the dotted path of the culprit."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class ServerConfig:
    """Where the JSON-RPC server listens (loopback only: it has no auth) and its limits.

    The limits keep one client from starving the others; README "Localnet
    limits" says what a client sees when it crosses each.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """Largest HTTP body, and largest websocket message."""
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    """Most requests in one JSON-RPC batch."""
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    """Most open connections, HTTP and websocket together."""
    max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS
    """Most live subscriptions on one websocket connection."""
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    """Seconds a client has to send a whole request head once it started one."""
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    """Seconds a client has to send a whole body once the head arrived."""
    keep_alive_seconds: int = DEFAULT_KEEP_ALIVE_SECONDS
    """Seconds an idle keep-alive connection stays open between requests."""


@dataclass(frozen=True)
class ClockConfig:
    """The starting clock; ``None`` means "now" for the timestamp and 0 for the slot."""

    unix_timestamp: int | None = None
    slot: int | None = None


@dataclass(frozen=True)
class ProgramConfig:
    """An SBF program to load at ``program_id`` from the ELF at ``so_path``."""

    name: str
    program_id: Pubkey
    so_path: Path


@dataclass(frozen=True)
class AccountConfig:
    """An account to preload verbatim (fixtures for getProgramAccounts, funded payers)."""

    address: Pubkey
    lamports: int
    owner: Pubkey = SYSTEM_PROGRAM_ID
    data: bytes = b""
    executable: bool = False
    rent_epoch: int = 0


@dataclass(frozen=True)
class LocalnetConfig:
    """Everything a localnet starts from; the default is an empty chain on 127.0.0.1:8899."""

    server: ServerConfig = field(default_factory=ServerConfig)
    clock: ClockConfig = field(default_factory=ClockConfig)
    programs: tuple[ProgramConfig, ...] = ()
    accounts: tuple[AccountConfig, ...] = ()


def load_config(path: str | Path, *, build: BuildResolver | None = None) -> LocalnetConfig:
    """Read ``path``; relative paths inside it resolve against its directory."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise LocalnetConfigError(str(source), f"cannot read config file: {exc}") from exc
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LocalnetConfigError(str(source), f"not valid TOML: {exc}") from exc
    return parse_config(document, base_dir=source.resolve().parent, build=build)


def parse_config(
    document: Mapping[str, object],
    *,
    base_dir: Path,
    build: BuildResolver | None = None,
) -> LocalnetConfig:
    """Validate an already-parsed TOML document (handy for tests and generated configs)."""
    _reject_unknown("", document, {"server", "clock", "programs", "accounts"})
    server = _parse_server(_table(document, "server"))
    clock = _parse_clock(_table(document, "clock"))
    programs = tuple(
        _parse_program(f"programs[{i}]", entry, base_dir, build)
        for i, entry in enumerate(_array_of_tables(document, "programs"))
    )
    accounts = tuple(
        _parse_account(f"accounts[{i}]", entry, base_dir)
        for i, entry in enumerate(_array_of_tables(document, "accounts"))
    )
    _reject_duplicates(programs, accounts)
    return LocalnetConfig(server=server, clock=clock, programs=programs, accounts=accounts)


def require_loopback(host: str, key: str = "server.host") -> None:
    """Refuse any address that other machines could reach: the RPC can mint lamports."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError as exc:
        raise LocalnetConfigError(
            key, f"{host!r} is not an IP address or 'localhost'; use 127.0.0.1"
        ) from exc
    if not address.is_loopback:
        raise LocalnetConfigError(
            key, f"{host} is not a loopback address; the localnet only binds to 127.0.0.0/8 or ::1"
        )


_SERVER_KEYS: Final = {
    "host",
    "port",
    "max_body_bytes",
    "max_batch_size",
    "max_connections",
    "max_subscriptions",
    "header_timeout",
    "body_timeout",
    "keep_alive_seconds",
}


def _parse_server(table: Mapping[str, object]) -> ServerConfig:
    _reject_unknown("server", table, _SERVER_KEYS)
    host = _string(table, "server", "host", DEFAULT_HOST)
    require_loopback(host)

    def count(name: str, default: int, minimum: int, maximum: int) -> int:
        return _integer(table, "server", name, default, minimum=minimum, maximum=maximum)

    def seconds(name: str, default: float) -> float:
        return _seconds(table, "server", name, default)

    return ServerConfig(
        host=host,
        port=count("port", DEFAULT_PORT, 0, 65535),
        max_body_bytes=count("max_body_bytes", DEFAULT_MAX_BODY_BYTES, 1024, 1 << 30),
        max_batch_size=count("max_batch_size", DEFAULT_MAX_BATCH_SIZE, 1, 100_000),
        max_connections=count("max_connections", DEFAULT_MAX_CONNECTIONS, 1, 100_000),
        max_subscriptions=count("max_subscriptions", DEFAULT_MAX_SUBSCRIPTIONS, 1, 1_000_000),
        header_timeout=seconds("header_timeout", DEFAULT_HEADER_TIMEOUT),
        body_timeout=seconds("body_timeout", DEFAULT_BODY_TIMEOUT),
        keep_alive_seconds=count("keep_alive_seconds", DEFAULT_KEEP_ALIVE_SECONDS, 1, 3600),
    )


def _parse_clock(table: Mapping[str, object]) -> ClockConfig:
    _reject_unknown("clock", table, {"unix_timestamp", "slot"})
    timestamp = _optional_integer(table, "clock", "unix_timestamp", minimum=0)
    slot = _optional_integer(table, "clock", "slot", minimum=0)
    return ClockConfig(unix_timestamp=timestamp, slot=slot)


def _parse_program(
    key: str, entry: Mapping[str, object], base_dir: Path, build: BuildResolver | None
) -> ProgramConfig:
    _reject_unknown(key, entry, {"name", "program_id", "so", "build"})
    name = _required_string(entry, key, "name")
    program_id = _pubkey(entry, key, "program_id")
    has_so, has_build = "so" in entry, "build" in entry
    if has_so == has_build:
        raise LocalnetConfigError(key, "set exactly one of 'so' (a path) or 'build' (a name)")
    if has_so:
        so_path = _resolve(base_dir, _required_string(entry, key, "so"))
        where = f"{key}.so"
    else:
        target = _required_string(entry, key, "build")
        where = f"{key}.build"
        if build is None:
            raise LocalnetConfigError(
                where, f"program {target!r} must be built, but no build resolver was given"
            )
        try:
            so_path = _resolve(base_dir, str(build(target)))
        except LocalnetConfigError:
            raise
        except Exception as exc:
            raise LocalnetConfigError(where, f"building {target!r} failed: {exc}") from exc
    if not so_path.is_file():
        raise LocalnetConfigError(where, f"program file {so_path} does not exist")
    return ProgramConfig(name=name, program_id=program_id, so_path=so_path)


def _parse_account(key: str, entry: Mapping[str, object], base_dir: Path) -> AccountConfig:
    _reject_unknown(
        key,
        entry,
        {"address", "lamports", "owner", "data_base64", "data_file", "executable", "rent_epoch"},
    )
    address = _pubkey(entry, key, "address")
    lamports = _integer(entry, key, "lamports", None, minimum=0, maximum=(1 << 64) - 1)
    owner = _pubkey(entry, key, "owner") if "owner" in entry else SYSTEM_PROGRAM_ID
    if "data_base64" in entry and "data_file" in entry:
        raise LocalnetConfigError(key, "set at most one of 'data_base64' and 'data_file'")
    data = b""
    if "data_base64" in entry:
        text = _required_string(entry, key, "data_base64", allow_empty=True)
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise LocalnetConfigError(f"{key}.data_base64", f"not valid base64: {exc}") from exc
    elif "data_file" in entry:
        path = _resolve(base_dir, _required_string(entry, key, "data_file"))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LocalnetConfigError(f"{key}.data_file", f"cannot read {path}: {exc}") from exc
    executable = _boolean(entry, key, "executable", default=False)
    rent_epoch = _integer(entry, key, "rent_epoch", 0, minimum=0, maximum=(1 << 64) - 1)
    return AccountConfig(
        address=address,
        lamports=lamports,
        owner=owner,
        data=data,
        executable=executable,
        rent_epoch=rent_epoch,
    )


def _reject_duplicates(
    programs: tuple[ProgramConfig, ...], accounts: tuple[AccountConfig, ...]
) -> None:
    seen: dict[Pubkey, str] = {}
    keyed = [(f"programs[{i}].program_id", p.program_id) for i, p in enumerate(programs)]
    keyed += [(f"accounts[{i}].address", a.address) for i, a in enumerate(accounts)]
    for key, address in keyed:
        if address in seen:
            raise LocalnetConfigError(key, f"{address} is already defined by {seen[address]}")
        seen[address] = key


def _resolve(base_dir: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base_dir / path


def _dotted(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _reject_unknown(prefix: str, table: Mapping[str, object], allowed: set[str]) -> None:
    for name in table:
        if name not in allowed:
            expected = ", ".join(sorted(allowed))
            raise LocalnetConfigError(
                _dotted(prefix, name), f"unknown key (expected one of: {expected})"
            )


def _table(document: Mapping[str, object], name: str) -> Mapping[str, object]:
    value = document.get(name, {})
    if not isinstance(value, Mapping):
        raise LocalnetConfigError(name, f"must be a table ([{name}]), got {_kind(value)}")
    return value


def _array_of_tables(document: Mapping[str, object], name: str) -> list[Mapping[str, object]]:
    value = document.get(name, [])
    if not isinstance(value, list):
        raise LocalnetConfigError(name, f"must be an array of tables ([[{name}]])")
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise LocalnetConfigError(f"{name}[{index}]", f"must be a table, got {_kind(entry)}")
    return value


def _kind(value: object) -> str:
    return type(value).__name__


def _string(table: Mapping[str, object], prefix: str, name: str, default: str) -> str:
    if name not in table:
        return default
    return _required_string(table, prefix, name)


def _required_string(
    table: Mapping[str, object], prefix: str, name: str, *, allow_empty: bool = False
) -> str:
    key = _dotted(prefix, name)
    if name not in table:
        raise LocalnetConfigError(key, "is required")
    value = table[name]
    if not isinstance(value, str) or not (value or allow_empty):
        raise LocalnetConfigError(key, f"must be a non-empty string, got {value!r}")
    return value


def _integer(
    table: Mapping[str, object],
    prefix: str,
    name: str,
    default: int | None,
    *,
    minimum: int,
    maximum: int = (1 << 63) - 1,
) -> int:
    key = _dotted(prefix, name)
    if name not in table:
        if default is None:
            raise LocalnetConfigError(key, "is required")
        return default
    value = table[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise LocalnetConfigError(key, f"must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise LocalnetConfigError(key, f"must be between {minimum} and {maximum}, got {value}")
    return value


def _seconds(table: Mapping[str, object], prefix: str, name: str, default: float) -> float:
    """A positive duration in seconds, integer or float, at most an hour."""
    key = _dotted(prefix, name)
    if name not in table:
        return default
    value = table[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LocalnetConfigError(key, f"must be a number of seconds, got {value!r}")
    if not 0 < value <= _MAX_TIMEOUT:
        raise LocalnetConfigError(key, f"must be above 0 and at most {_MAX_TIMEOUT:g}, got {value}")
    return float(value)


def _optional_integer(
    table: Mapping[str, object], prefix: str, name: str, *, minimum: int
) -> int | None:
    if name not in table:
        return None
    return _integer(table, prefix, name, None, minimum=minimum)


def _boolean(table: Mapping[str, object], prefix: str, name: str, *, default: bool) -> bool:
    if name not in table:
        return default
    value = table[name]
    if not isinstance(value, bool):
        raise LocalnetConfigError(_dotted(prefix, name), f"must be true or false, got {value!r}")
    return value


def _pubkey(table: Mapping[str, object], prefix: str, name: str) -> Pubkey:
    text = _required_string(table, prefix, name)
    try:
        return Pubkey.from_string(text)
    except ValueError as exc:
        raise LocalnetConfigError(
            _dotted(prefix, name), f"{text!r} is not a base58 public key: {exc}"
        ) from exc
