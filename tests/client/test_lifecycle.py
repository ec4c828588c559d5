"""The seed's state machine: every edge, every failure exit, every refusal."""

from __future__ import annotations

import pytest

import simulator
from sessions_client import cache
from sessions_client.lifecycle import (
    END_STATES,
    FAILURE_EXITS,
    IN_FLIGHT,
    IN_FLIGHT_STEPS,
    TRANSITIONS,
    InvalidTransitionError,
    Operation,
    Step,
    allowed_steps,
    failed_status,
    in_flight_status,
    next_status,
)
from sessions_client.types import SessionStatus as S
from simulator import factory

#: The diagram, written out once more by hand: the table must say exactly this.
DIAGRAM = {
    (None, Step.REQUEST): S.REQUESTED,
    (None, Step.SEND_CREATE): S.CREATING,
    (S.REQUESTED, Step.SEND_APPROVE): S.CREATING,
    (S.REQUESTED, Step.CANCEL): S.CANCELLED,
    (S.REQUESTED, Step.TIME_OUT): S.TIMED_OUT,
    (S.CREATING, Step.CONFIRM_CREATE): S.CREATED,
    (S.CREATING, Step.FAIL_CREATE): S.CREATION_FAILED,
    (S.CREATED, Step.SEND_ACTIVATE): S.ACTIVATING,
    (S.ACTIVATING, Step.CONFIRM_ACTIVATE): S.ACTIVE,
    (S.ACTIVATING, Step.FAIL_ACTIVATE): S.ACTIVATION_FAILED,
    (S.ACTIVE, Step.PAUSE): S.PAUSED,
    (S.PAUSED, Step.RESUME): S.ACTIVE,
    (S.CREATED, Step.EXPIRE): S.EXPIRED,
    (S.ACTIVE, Step.EXPIRE): S.EXPIRED,
    (S.PAUSED, Step.EXPIRE): S.EXPIRED,
    (S.CREATED, Step.EXPIRE_AND_CLOSE): S.CLOSED,
    (S.ACTIVE, Step.EXPIRE_AND_CLOSE): S.CLOSED,
    (S.PAUSED, Step.EXPIRE_AND_CLOSE): S.CLOSED,
    (S.CREATED, Step.SEND_CLOSE): S.CLOSING,
    (S.ACTIVE, Step.SEND_CLOSE): S.CLOSING,
    (S.PAUSED, Step.SEND_CLOSE): S.CLOSING,
    (S.EXPIRED, Step.SEND_CLOSE): S.CLOSING,
    (S.CLOSING, Step.CONFIRM_CLOSE): S.CLOSED,
}


def test_the_table_is_the_diagram() -> None:
    assert TRANSITIONS == DIAGRAM


EDGES = [(state, step, target) for (state, step), target in DIAGRAM.items()]


@pytest.mark.parametrize(
    ("state", "step", "target"),
    EDGES,
    ids=[f"{'new' if a is None else a.name}-{b.value}" for a, b, _ in EDGES],
)
def test_every_edge(state: S | None, step: Step, target: S) -> None:
    assert next_status(state, step) is target


@pytest.mark.parametrize(
    ("state", "step", "exit_state"),
    [
        (S.REQUESTED, Step.CANCEL, S.CANCELLED),
        (S.REQUESTED, Step.TIME_OUT, S.TIMED_OUT),
        (S.CREATING, Step.FAIL_CREATE, S.CREATION_FAILED),
        (S.ACTIVATING, Step.FAIL_ACTIVATE, S.ACTIVATION_FAILED),
    ],
)
def test_every_failure_exit(state: S, step: Step, exit_state: S) -> None:
    assert (state, step) in FAILURE_EXITS
    assert next_status(state, step) is exit_state
    assert exit_state in END_STATES
    assert allowed_steps(exit_state) == frozenset()


def test_in_flight_states_wait_for_confirmation_or_failure() -> None:
    assert {S.CREATING, S.ACTIVATING, S.CLOSING} == IN_FLIGHT
    assert allowed_steps(S.CREATING) == {Step.CONFIRM_CREATE, Step.FAIL_CREATE}
    assert allowed_steps(S.ACTIVATING) == {Step.CONFIRM_ACTIVATE, Step.FAIL_ACTIVATE}
    assert allowed_steps(S.CLOSING) == {Step.CONFIRM_CLOSE}


def test_end_states_are_final() -> None:
    for state in END_STATES:
        assert allowed_steps(state) == frozenset()


ALL_STATES: list[S | None] = [None, *S]


@pytest.mark.parametrize("state", ALL_STATES, ids=lambda s: "new" if s is None else s.name)
def test_every_other_step_is_refused(state: S | None) -> None:
    for step in Step:
        if (state, step) in DIAGRAM:
            continue
        with pytest.raises(InvalidTransitionError) as refused:
            next_status(state, step)
        assert refused.value.step is step
        assert refused.value.current is state


def test_the_happy_paths() -> None:
    direct = [Step.SEND_CREATE, Step.CONFIRM_CREATE, Step.SEND_ACTIVATE, Step.CONFIRM_ACTIVATE]
    state: S | None = None
    for step in [*direct, Step.PAUSE, Step.RESUME, Step.SEND_CLOSE, Step.CONFIRM_CLOSE]:
        state = next_status(state, step)
    assert state is S.CLOSED
    state = None
    for step in [Step.REQUEST, Step.SEND_APPROVE, Step.CONFIRM_CREATE, Step.EXPIRE]:
        state = next_status(state, step)
    assert state is S.EXPIRED


# -- in-flight operations: one definition for the cache and the factory -----------------------


def test_in_flight_operations_show_the_diagrams_states() -> None:
    assert {op: in_flight_status(op) for op in Operation} == {
        Operation.CREATE: S.CREATING,
        Operation.APPROVE: S.CREATING,
        Operation.ACTIVATE: S.ACTIVATING,
        Operation.CLOSE: S.CLOSING,
        Operation.UPDATE: None,
    }
    assert {op: failed_status(op) for op in Operation} == {
        Operation.CREATE: S.CREATION_FAILED,
        Operation.APPROVE: S.CREATION_FAILED,
        Operation.ACTIVATE: S.ACTIVATION_FAILED,
        Operation.CLOSE: None,
        Operation.UPDATE: None,
    }
    assert frozenset(filter(None, map(in_flight_status, Operation))) == IN_FLIGHT


@pytest.mark.parametrize("op", list(IN_FLIGHT_STEPS), ids=lambda op: op.value)
def test_each_in_flight_operation_is_a_path_of_the_diagram(op: Operation) -> None:
    steps = IN_FLIGHT_STEPS[op]
    sent = {after for (_, step), after in TRANSITIONS.items() if step is steps.send}
    assert sent == {in_flight_status(op)}
    assert (in_flight_status(op), steps.confirm) in TRANSITIONS
    if steps.fail is not None:
        assert (in_flight_status(op), steps.fail) in FAILURE_EXITS


def test_the_cache_and_the_factory_share_one_operation_type() -> None:
    assert vars(cache)["Operation"] is Operation
    assert vars(factory)["Operation"] is Operation
    assert simulator.Operation is Operation
