"""`--log-format json`: every line `tether server` and `tether agent run` write is one JSON object with the fields
log shippers index, and the ids a message names are fields of their own."""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path

from support.stack import AGENT_SETTINGS, Stack
from support.wait import eventually_sync

from tether.cli.logformat import JsonFormatter

FIELDS = {"time", "level", "logger", "message"}


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("tether.test", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_record_is_one_json_line_with_its_ids() -> None:
    line = JsonFormatter().format(
        _record("session %s on %s ended", "s-0123456789abcdef0", "mi-00000000000000abc")
    )
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "tether.test"
    assert entry["message"] == "session s-0123456789abcdef0 on mi-00000000000000abc ended"
    assert (entry["session_id"], entry["instance_id"]) == ("s-0123456789abcdef0", "mi-00000000000000abc")
    assert entry["time"].endswith("+00:00") and "T" in entry["time"]


def test_ids_given_as_extra_win_and_lookalikes_are_not_ids() -> None:
    entry = json.loads(JsonFormatter().format(_record("x-s-0123456789abcdef0 s-0123", session_id="s-given")))
    assert entry["session_id"] == "s-given"
    assert "instance_id" not in entry
    assert "session_id" not in json.loads(JsonFormatter().format(_record("x-s-0123456789abcdef0 s-0123")))


def test_text_from_a_request_cannot_forge_a_line() -> None:
    line = JsonFormatter().format(_record("path %s", "/x\n2026-01-01 INFO forged\u2028\x1b[2J\x85"))
    assert "\n" not in line and "\u2028" not in line and "\x1b" not in line and "\x85" not in line
    assert json.loads(line)["message"].endswith("\u2028\x1b[2J\x85")


def test_an_exception_keeps_its_traceback_in_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("tether.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def _json_lines(path: Path) -> list[dict[str, object]]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    entries = []
    for line in lines:
        entry = json.loads(line)  # every line, not only some: a plain-text line fails here
        assert isinstance(entry, dict) and FIELDS <= entry.keys(), line
        entries.append(entry)
    return entries


def test_server_and_agent_write_json_lines(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    try:
        stack.start_server("--log-format", "json")
        activation = json.loads(stack.cli("activation", "create", "--json").stdout)
        state = tmp_path / "agent"
        reg = stack.cli(
            "agent", "register", "--server", stack.creds["server"], "--ca-cert", stack.creds["ca_cert"],
            "--activation-id", activation["ActivationId"], "--activation-code", activation["ActivationCode"],
            "--state-dir", str(state), "--json",
        )
        instance_id = json.loads(reg.stdout)["InstanceId"]
        stack.agent_dirs[instance_id] = state
        stack.set_agent_settings(state, **AGENT_SETTINGS)
        stack.agents[instance_id] = stack._spawn(
            ["agent", "run", "--state-dir", str(state), "--log-format", "json"], tmp_path / "agent.log"
        )
        stack.wait_online(instance_id)

        def agent_said_connected() -> list[dict[str, object]]:
            return [e for e in _json_lines(tmp_path / "agent.log") if e.get("instance_id") == instance_id]

        connected = eventually_sync(agent_said_connected, what="the agent to log its connection as JSON")
        assert connected[0]["logger"] == "tether.agent.control" and connected[0]["level"] == "INFO"
        stack.stop_agent(instance_id)
        assert stack.stop_server(signal.SIGTERM) == 0
        server = _json_lines(tmp_path / "server.log")
        assert any(e["logger"] == "tether.server.app" and "listening on" in str(e["message"]) for e in server)
        assert any(e.get("instance_id") == instance_id for e in server)  # "agent mi-... connected"
        assert any(e["logger"] == "tether.access" for e in server)  # the access log goes the same way
    finally:
        stack.close()
