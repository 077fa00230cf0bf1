"""Registration against a fake server over real TLS, and the `tether agent` commands."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.ports import free_port

from tether import __version__
from tether.agent.config import AgentConfig
from tether.agent.register import RegistrationError, register
from tether.auth.agentkey import load_key, public_key_text
from tether.cli.agent_cmds import agent as agent_group

from .fakeserver import FakeServer, start_fake_server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[FakeServer]:
    s, runner = await start_fake_server(tmp_path)
    try:
        yield s
    finally:
        s.relay.release.set()
        await runner.cleanup()


async def test_register_writes_the_state_dir(server: FakeServer, tmp_path: Path) -> None:
    state = tmp_path / "state"
    instance_id = await register(server.url, server.tls.ca_cert, "act-1", "good-code", state)
    assert instance_id.startswith("mi-") and instance_id in server.instances
    body = server.register_bodies[-1]
    assert body["ActivationId"] == "act-1" and body["AgentVersion"] == __version__
    assert body["OsType"] == "linux" and body["OsName"] and body["Hostname"]
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "agent.key").stat().st_mode) == 0o600
    assert public_key_text(load_key(state / "agent.key")) == body["PublicKey"]
    assert (state / "ca.pem").read_bytes() == server.tls.ca_cert.read_bytes()
    config = AgentConfig.load(state)
    assert (config.server, config.instance_id, config.ca_cert) == (server.url, instance_id, state / "ca.pem")


async def test_register_refuses_to_overwrite(server: FakeServer, tmp_path: Path) -> None:
    await register(server.url, server.tls.ca_cert, "act-1", "good-code", tmp_path)
    with pytest.raises(RegistrationError) as info:
        await register(server.url, server.tls.ca_cert, "act-1", "good-code", tmp_path)
    assert info.value.code == "AlreadyRegistered"
    assert await register(server.url, server.tls.ca_cert, "act-1", "good-code", tmp_path, force=True)


async def test_bad_activation_code_reports_the_server_code(server: FakeServer, tmp_path: Path) -> None:
    with pytest.raises(RegistrationError) as info:
        await register(server.url, server.tls.ca_cert, "act-1", "wrong", tmp_path / "s")
    assert info.value.code == "InvalidActivationCode"
    assert "InvalidActivationCode" in str(info.value) and "wrong" in str(info.value)
    assert not (tmp_path / "s" / "agent.json").exists()


async def test_untrusted_certificate(server: FakeServer, tmp_path: Path) -> None:
    with pytest.raises(RegistrationError) as info:
        await register(server.url, None, "act-1", "good-code", tmp_path / "s")
    assert info.value.code == "TLS.Untrusted"
    assert "--ca-cert" in info.value.message
    assert not server.register_bodies


async def test_unreachable_server(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(RegistrationError) as info:
        await register(f"https://127.0.0.1:{port}", None, "act-1", "c", tmp_path / "s")
    assert info.value.code == "ServerUnreachable"


async def test_bad_url(tmp_path: Path) -> None:
    with pytest.raises(RegistrationError, match="https://"):
        await register("tether.example", None, "a", "c", tmp_path)


async def test_cli_register_and_status(server: FakeServer, tmp_path: Path) -> None:
    state = tmp_path / "cli-state"
    runner = CliRunner()
    args = ["register", "--server", server.url, "--ca-cert", str(server.tls.ca_cert), "--activation-id", "act-1",
            "--activation-code", "good-code", "--state-dir", str(state), "--json"]
    result = await asyncio.to_thread(runner.invoke, agent_group, args)
    assert result.exit_code == 0, result.output
    instance_id = json.loads(result.output)["InstanceId"]
    result = runner.invoke(agent_group, ["status", "--state-dir", str(state), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["InstanceId"] == instance_id and info["Server"] == server.url
    assert info["KeyFingerprint"].startswith("SHA256:")
    result = runner.invoke(agent_group, ["status", "--state-dir", str(state)], env={})
    assert instance_id in result.output
    bad = args.copy()
    bad[bad.index("good-code")] = "nope"
    bad[bad.index(str(state))] = str(tmp_path / "other")
    result = await asyncio.to_thread(runner.invoke, agent_group, bad)
    assert result.exit_code == 1 and "InvalidActivationCode" in result.output


def test_cli_run_unregistered_exits_78(tmp_path: Path) -> None:
    result = CliRunner().invoke(agent_group, ["run", "--state-dir", str(tmp_path)])
    assert result.exit_code == 78
    assert "tether agent register" in result.output
