"""The Solana CLI's configuration: ``~/.config/solana/cli/config.yml``, ``-u`` monikers, ``-C``.

The operator commands resolve their cluster and signer exactly as ``solana``
does: an explicit ``-u/--url`` (a moniker or a URL) wins over the config
file's ``json_rpc_url``, an explicit ``-k/--keypair`` over its
``keypair_path``; without a file the Solana CLI's defaults apply (mainnet-beta,
``~/.config/solana/id.json``). ``-C/--config`` names another file, which must
then exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final
from urllib.parse import urlparse

import yaml

from sessions_client.rpc import Commitment, check_commitment
from sessions_tools.ops.operator_error import OperatorError

MONIKERS: Final = MappingProxyType(
    {
        "mainnet-beta": "https://api.mainnet-beta.solana.com",
        "testnet": "https://api.testnet.solana.com",
        "devnet": "https://api.devnet.solana.com",
        "localhost": "http://localhost:8899",
    }
)
"""The Solana CLI's cluster monikers; each also answers to its first letter (m, t, d, l)."""

DEFAULT_URL: Final = MONIKERS["mainnet-beta"]
DEFAULT_COMMITMENT: Final[Commitment] = "confirmed"


def default_config_path() -> Path:
    """Where the Solana CLI keeps its config (under the user's home directory)."""
    return Path.home() / ".config" / "solana" / "cli" / "config.yml"


def default_keypair_path() -> Path:
    return Path.home() / ".config" / "solana" / "id.json"


@dataclass(frozen=True, slots=True)
class CliConfig:
    """The settings of a Solana CLI config file the operator commands use."""

    json_rpc_url: str
    keypair_path: Path
    commitment: Commitment


@dataclass(frozen=True, slots=True)
class Target:
    """Where a command talks to and who signs: the config file with the flags applied."""

    url: str
    keypair_path: Path
    commitment: Commitment


def _text(document: dict[object, object], key: str, path: Path) -> str | None:
    value = document.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise OperatorError(f"{path}: {key} must be a string")
    return value


def load_cli_config(path: Path | None) -> CliConfig:
    """Read ``path`` (default: the Solana CLI's); a missing default file means the defaults."""
    explicit = path is not None
    path = path if path is not None else default_config_path()
    try:
        text = path.read_text()
    except FileNotFoundError:
        if explicit:
            raise OperatorError(f"config file {path} does not exist") from None
        return CliConfig(DEFAULT_URL, default_keypair_path(), DEFAULT_COMMITMENT)
    except OSError as exc:
        raise OperatorError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise OperatorError(f"config file {path} is not valid YAML") from exc
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise OperatorError(f"config file {path} is not a mapping of settings")
    url = _text(document, "json_rpc_url", path) or DEFAULT_URL
    keypair = _text(document, "keypair_path", path)
    commitment = _text(document, "commitment", path) or DEFAULT_COMMITMENT
    try:
        checked = check_commitment(commitment)
    except ValueError as exc:
        raise OperatorError(f"{path}: {exc}") from exc
    return CliConfig(
        json_rpc_url=normalize_url(url),
        keypair_path=Path(keypair).expanduser() if keypair else default_keypair_path(),
        commitment=checked,
    )


def normalize_url(url_or_moniker: str) -> str:
    """A moniker (``devnet``, ``d``, ...) as its URL; an http(s) URL as it is; else an error."""
    for moniker, url in MONIKERS.items():
        if url_or_moniker in (moniker, moniker[0]):
            return url
    parsed = urlparse(url_or_moniker)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        names = ", ".join(f"{m} ({m[0]})" for m in MONIKERS)
        raise OperatorError(
            f"{url_or_moniker!r} is neither an http(s) URL nor a cluster moniker ({names})"
        )
    return url_or_moniker


def resolve_target(config_path: Path | None, url: str | None, keypair: Path | None) -> Target:
    """The cluster URL, signer keypair path and commitment for one command."""
    config = load_cli_config(config_path)
    return Target(
        url=normalize_url(url) if url is not None else config.json_rpc_url,
        keypair_path=keypair.expanduser() if keypair is not None else config.keypair_path,
        commitment=config.commitment,
    )
