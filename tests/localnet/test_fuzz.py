"""Whatever JSON arrives, the dispatcher answers with a JSON-RPC object and never raises."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_tools.localnet import Chain, Dispatcher
from sessions_tools.localnet.methods import METHODS

pytestmark = pytest.mark.localnet

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
requests = st.fixed_dictionaries(
    {
        "jsonrpc": st.just("2.0"),
        "id": st.integers(0, 10),
        "method": st.sampled_from(sorted(METHODS)),
    },
    optional={"params": st.lists(json_values, max_size=4)},
)

DISPATCHER = Dispatcher(Chain())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests)
async def test_every_method_survives_arbitrary_params(request: dict[str, object]) -> None:
    answer = await DISPATCHER.handle_body(json.dumps(request).encode())
    assert isinstance(answer, dict)
    assert answer["id"] == request["id"]
    if "error" in answer:
        assert answer["error"]["code"] in (-32602, -32016, -32004, -32002, -32003), answer
    else:
        assert "result" in answer
