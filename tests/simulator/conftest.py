"""Fixtures of the simulator's own tests: a model with funded wallets, and a factory on it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from simulator.clock import Clock
from simulator.factory import SessionFactory
from simulator.program import ProgramModel

FUNDS = 1_000_000_000_000


@dataclass(frozen=True)
class Parties:
    owner: Pubkey
    dapp: Pubkey
    stranger: Pubkey
    payer: Pubkey


@pytest.fixture(scope="session")
def parties() -> Parties:
    keys = [Keypair.from_seed(bytes([40 + i]) * 32).pubkey() for i in range(4)]
    return Parties(*keys)


@pytest.fixture
def model(parties: Parties) -> ProgramModel:
    m = ProgramModel(clock=Clock())
    for key in (parties.owner, parties.dapp, parties.stranger):
        m.airdrop(key, FUNDS)
    return m


@pytest.fixture
def factory(model: ProgramModel) -> SessionFactory:
    return SessionFactory(model)
