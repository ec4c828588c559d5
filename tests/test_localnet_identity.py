"""The started ``sessions localnet`` is known by its identity, not only by its port.

Every process draws a fresh node identity and prints it in its announcement;
``tests/localnet_process.py`` refuses to hand a test a URL whose ``getIdentity``
answers another key. Two processes side by side show the check tells servers apart.
"""

from __future__ import annotations

from localnet_process import answered_identity, sessions_localnet


def test_each_localnet_answers_the_identity_it_announced_and_no_other() -> None:
    with sessions_localnet() as first, sessions_localnet() as second:
        assert first.url != second.url
        assert answered_identity(first.url) == first.identity
        assert answered_identity(second.url) == second.identity
        # what the check would see had the port been taken by another server
        assert first.identity != second.identity
        assert answered_identity(second.url) != first.identity
