"""pytest plugin: fixtures for testing against the sessions program.

Registered as the ``sessions`` plugin through the ``pytest11`` entry point, so
the fixtures are available in any test suite once this package is installed.
Heavy imports happen inside the fixtures, so merely loading the plugin costs
nothing.

Fixtures
--------
``sessions_program`` (session scope)
    The built program's bytes (compiled once if missing or stale).
``sessions_svm``
    A fresh :class:`~sessions_tools.svm.SessionsSVM` (LiteSVM with the program
    loaded, clock at a fixed start time) for the test.
``funded_payer``
    Factory: ``funded_payer(lamports=10 SOL) -> Keypair``, a new keypair funded
    in ``sessions_svm``.
``mock_session_config``
    Factory: ``mock_session_config(**overrides) -> SessionParams`` with sane
    defaults (one hour, EXECUTE, small nonzero quotas, no guard); keyword
    overrides as in :func:`~sessions_tools.testing.helpers.make_session_params`.
``localnet_server``
    A :class:`~sessions_tools.localnet.RunningLocalnet` (JSON-RPC over an
    embedded SVM with the program loaded) on a free 127.0.0.1 port, started for
    the test and stopped at teardown.
``localnet``
    That server's URL (``http://127.0.0.1:PORT``).
``sessions_client``
    An async :class:`~sessions_client.client.SessionsClient` connected to
    ``localnet`` (commitment "confirmed"), closed at teardown.
``localnet_payer``
    Async factory: ``await localnet_payer(lamports=10 SOL) -> Keypair``, a new
    keypair funded on ``localnet`` by airdrop.

Example::

    async def test_create(sessions_client, localnet_payer, mock_session_config):
        owner = await localnet_payer()
        result = await sessions_client.create_session(owner, 1, mock_session_config())
        assert result.events
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from sessions_tools.testing.helpers import DEFAULT_PAYER_LAMPORTS, make_session_params

if TYPE_CHECKING:
    from solders.keypair import Keypair

    from sessions_client.client import SessionsClient
    from sessions_client.types import SessionParams
    from sessions_tools.localnet import RunningLocalnet
    from sessions_tools.svm import SessionsSVM

try:
    import pytest_asyncio

    _HAVE_PYTEST_ASYNCIO = True
except ImportError:  # pragma: no cover - the async fixtures need pytest-asyncio
    _HAVE_PYTEST_ASYNCIO = False


@pytest.fixture(scope="session")
def sessions_program() -> bytes:
    """The sessions program's .so bytes, built once per test session if needed."""
    from sessions_tools.program_build import ensure_program

    return ensure_program()


@pytest.fixture
def sessions_svm(sessions_program: bytes) -> SessionsSVM:
    """An embedded LiteSVM with the sessions program loaded."""
    from sessions_tools.svm import SessionsSVM

    return SessionsSVM(sessions_program)


@pytest.fixture
def funded_payer(sessions_svm: SessionsSVM) -> Callable[..., Keypair]:
    """Factory of keypairs funded in ``sessions_svm``."""

    def make(lamports: int = DEFAULT_PAYER_LAMPORTS) -> Keypair:
        return sessions_svm.funded_keypair(lamports)

    return make


@pytest.fixture
def mock_session_config() -> Callable[..., SessionParams]:
    """Factory of valid SessionParams; keyword arguments override the defaults."""
    return make_session_params


@pytest.fixture
def localnet_server() -> Iterator[RunningLocalnet]:
    """A localnet JSON-RPC server with the sessions program, on a free loopback port."""
    from sessions_tools.localnet import start_in_thread
    from sessions_tools.testing.localnet_setup import sessions_localnet_config

    running = start_in_thread(sessions_localnet_config(), port=0)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def localnet(localnet_server: RunningLocalnet) -> str:
    """The URL of ``localnet_server``."""
    return localnet_server.url


if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def sessions_client(localnet: str) -> AsyncIterator[SessionsClient]:
        """A SessionsClient on ``localnet``; closed at teardown."""
        from sessions_client.client import SessionsClient

        client = SessionsClient(localnet, commitment="confirmed")
        try:
            yield client
        finally:
            await client.close()

    @pytest_asyncio.fixture
    async def localnet_payer(
        sessions_client: SessionsClient,
    ) -> Callable[..., Awaitable[Keypair]]:
        """Async factory of keypairs funded on ``localnet`` by airdrop."""
        from solders.keypair import Keypair

        async def make(lamports: int = DEFAULT_PAYER_LAMPORTS) -> Keypair:
            keypair = Keypair()
            await sessions_client.airdrop(keypair.pubkey(), lamports)
            return keypair

        return make


def pytest_configure(config: Any) -> None:
    """Declare the ``localnet`` marker so ``--strict-markers`` suites can use it."""
    config.addinivalue_line("markers", "localnet: tests that start the JSON-RPC localnet server")
