"""An offline model of the sessions program, proven equal to it by differential tests.

Pure Python over the client mirror (``sessions_client``'s types, codecs, error codes and
events); it never loads the SVM. The layers, bottom up:

* :class:`ProgramModel` - the program itself: all eight instructions, taking the very
  solders ``Instruction`` objects the builders produce, returning an :class:`Outcome`
  with the program's error code or events; accounts, rent and a controllable
  :class:`Clock`.
* :mod:`sessions_client.lifecycle` - the state machine with its in-flight states, shared
  with the library's optimistic cache (re-exported here).
* :class:`SessionFactory` - registry, templates, configuration, ids and optimistic,
  in-flight creation; each session a :class:`SessionState` whose bytes are the account's.
* :class:`SessionIsolationManager` and :func:`validate_session_for_execution` - what a
  session may do, and how much.
* :func:`sessions_tools.bench.simulator_bench.measure_simulator` - speed against the SVM.
"""

from sessions_client.lifecycle import (
    InvalidTransitionError,
    Operation,
    Step,
    allowed_steps,
    next_status,
)
from simulator.clock import DEFAULT_START_TIME, Clock
from simulator.execute_policy import ExecutionRequest
from simulator.execution import ExecutionGrant, validate_session_for_execution
from simulator.factory import FactoryError, PendingOperation, SessionFactory
from simulator.isolation import SessionIsolationManager
from simulator.ledger import ForeignAccount
from simulator.outcome import Outcome, RuntimeFailure
from simulator.program import ProgramModel
from simulator.record import UsageFields
from simulator.rent import Rent
from simulator.state import SessionState
from simulator.templates import FactoryConfig, Overrides, SessionTemplate

__all__ = [
    "DEFAULT_START_TIME",
    "Clock",
    "ExecutionGrant",
    "ExecutionRequest",
    "FactoryConfig",
    "FactoryError",
    "ForeignAccount",
    "InvalidTransitionError",
    "Operation",
    "Outcome",
    "Overrides",
    "PendingOperation",
    "ProgramModel",
    "Rent",
    "RuntimeFailure",
    "SessionFactory",
    "SessionIsolationManager",
    "SessionState",
    "SessionTemplate",
    "Step",
    "UsageFields",
    "allowed_steps",
    "next_status",
    "validate_session_for_execution",
]
