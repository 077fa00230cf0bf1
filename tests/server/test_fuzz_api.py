"""Fuzzing the API of a real server: whatever JSON body, action name or query string arrives, the answer is a
coded JSON error (or a success), never a 500, and the server goes on serving.

The server runs in a thread of its own (hypothesis drives a plain function, one request per example), with TLS
and SQLite as it would in production.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tether.auth.signing import sign_request
from tether.server import RunningServer, ServerConfig, start_server
from tether.server.api.dispatch import ACTIONS


@dataclass
class Served:
    server: RunningServer
    loop: asyncio.AbstractEventLoop
    context: ssl.SSLContext

    def request(
        self, method: str, path: str, body: bytes = b"", *, signed: bool = True, query: str = ""
    ) -> tuple[int, dict[str, Any]]:
        creds = self.server.admin_credentials
        headers = {"Content-Type": "application/json"}
        if signed:
            headers.update(sign_request(method, path, body, creds.access_key_id, creds.access_key_secret))
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, context=self.context, timeout=30)
        try:
            conn.request(method, path + (f"?{query}" if query else ""), body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            document = json.loads(raw)
        except ValueError:
            document = {"NotJson": raw[:200]}
        return resp.status, document if isinstance(document, dict) else {"NotAnObject": document}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzzed-server", daemon=True)
    thread.start()
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    config = ServerConfig(data_dir=data_dir, listen_host="127.0.0.1", listen_port=0, drain_timeout=1.0)
    server = asyncio.run_coroutine_threadsafe(start_server(config), loop).result(60)
    context = ssl.create_default_context(cafile=str(server.admin_credentials.ca_cert))
    try:
        yield Served(server, loop, context)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _coded(status: int, body: dict[str, Any]) -> None:
    assert status < 500, (status, body)
    if status >= 400:
        assert 400 <= status < 500 and isinstance(body.get("Code"), str) and body["Code"], (status, body)


PARAM_NAMES = sorted({name for action in ACTIONS.values() for name in getattr(action.params, "model_fields", {})})
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "*", "i-00000000000000000", "s-1", "root", "acs:ram::1:root", "1970-01-01T00:00:00Z"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=12,
)
BODIES = st.dictionaries(st.sampled_from(PARAM_NAMES) | st.text(max_size=12), VALUES, max_size=6)
KNOWN_ACTIONS = st.sampled_from(sorted(ACTIONS))
ACTION_NAMES = st.one_of(KNOWN_ACTIONS, KNOWN_ACTIONS, KNOWN_ACTIONS, st.text(min_size=1, max_size=20))
PLAUSIBLE = st.one_of(  # values of the types parameters have: reach past the type check more often
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_./:*", max_size=30),
    st.integers(min_value=-5, max_value=100_000),
    st.lists(st.text(max_size=20), max_size=3),
    st.lists(st.fixed_dictionaries({"Key": st.text(max_size=10), "Value": st.text(max_size=10)}), max_size=3),
    SCALARS,
)
QUERIES = st.lists(st.tuples(st.text(max_size=10), st.text(max_size=20)), max_size=3).map(urlencode)
RAW = st.binary(max_size=200) | st.sampled_from([b"[", b"{", b"[]", b"null", b'"x"', b"{" * 40 + b"}" * 40])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fields(action: str) -> dict[str, bool]:
    """The action's parameter names, each with whether it is required."""
    model = ACTIONS[action].params if action in ACTIONS else None
    return {name: info.is_required() for name, info in getattr(model, "model_fields", {}).items()}


@st.composite
def action_bodies(draw: st.DrawFn, action: str) -> dict[str, Any]:
    """Bodies shaped like the action's parameters (its own names, mostly the required ones) with fuzzed values,
    so the fuzzing reaches the handlers and not only the parameter check; sometimes anything at all."""
    fields = _fields(action)
    if not fields or draw(st.integers(0, 9)) == 0:
        return draw(BODIES)
    body = {}
    for name, required in fields.items():
        if draw(st.integers(0, 9)) < (9 if required else 4):
            body[name] = draw(PLAUSIBLE if draw(st.booleans()) else VALUES)
    return body


@FUZZ
@given(data=st.data(), action=ACTION_NAMES, query=QUERIES, signed=st.integers(0, 9))
def test_signed_api_answers_coded_errors(served: Served, data: st.DataObject, action: str, query: str,
                                         signed: int) -> None:
    body = data.draw(action_bodies(action))
    path = "/api/v1/" + quote(action, safe="")
    _coded(*served.request("POST", path, json.dumps(body).encode(), signed=signed > 0, query=query))


@settings(max_examples=40, deadline=None)
@given(action=st.sampled_from(sorted(ACTIONS)), raw=RAW)
def test_signed_api_with_raw_bodies(served: Served, action: str, raw: bytes) -> None:
    _coded(*served.request("POST", f"/api/v1/{action}", raw))


@settings(max_examples=40, deadline=None)
@given(body=st.one_of(BODIES, VALUES).map(lambda v: json.dumps(v).encode()) | RAW, query=QUERIES)
def test_console_signin_answers_coded_errors(served: Served, body: bytes, query: str) -> None:
    _coded(*served.request("POST", "/console/v1/signin", body, signed=False, query=query))


@settings(max_examples=20, deadline=None)
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH"]),
    path=st.sampled_from(["/api/v1/DescribeInstances", "/client/v1/data/s-x", "/agent/v1/data/s-x", "/nope"]),
    query=QUERIES,
)
def test_other_methods_and_paths_answer_coded_errors(served: Served, method: str, path: str, query: str) -> None:
    _coded(*served.request(method, path, signed=False, query=query))


def test_still_serving_after_the_fuzzing(served: Served) -> None:
    status, body = served.request("POST", "/api/v1/DescribeInstances", b"{}")
    assert status == 200, body
