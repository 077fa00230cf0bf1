"""GET /metrics on a real server: off by default, behind a bearer token, and its numbers follow what happened.

The sessions are real ones through the relay (a test agent over real WebSockets, as the relay tests do); the scrape
is parsed with prometheus_client's own parser, as Prometheus would read it.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.frames import next_frame, pair_session, until_closed
from support.stack import Stack
from support.wait import eventually

from tether.protocol import Data, Exit, encode
from tether.server import ServerConfig
from tether.server.metrics import MAX_REASONS, ServerMetrics
from tether.store import DeliveryRepo

TOKEN = "metrics-token-0123456789abcdef"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape_raw(api, token: str | None = TOKEN) -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with api.http.get(api.server.url + "/metrics", ssl=api.ssl, headers=headers) as resp:
        return resp.status, await resp.text(), resp.headers.get("Content-Type", "")


async def scrape(api) -> Samples:
    status, text, content_type = await scrape_raw(api)
    assert status == 200, text
    assert content_type.startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def metered(make_server, api_for):
    server = await make_server(metrics_token=TOKEN)
    return api_for(server)


async def test_metrics_are_off_by_default(api) -> None:
    status, text, _ = await scrape_raw(api)
    assert status == 404
    assert "--metrics-token-file" in text


async def test_metrics_need_the_token(metered) -> None:
    for token in (None, "", "wrong-token-0123456789abcdef", TOKEN + "x", TOKEN[:-1]):
        status, text, _ = await scrape_raw(metered, token)
        assert status == 401, token
        assert "tether_" not in text
    async with metered.http.get(
        metered.server.url + "/metrics", ssl=metered.ssl, headers={"Authorization": f"Basic {TOKEN}"}
    ) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await scrape_raw(metered))[0] == 200


async def test_openmetrics_when_the_scraper_asks_for_it(metered) -> None:
    accept = "application/openmetrics-text; version=1.0.0, text/plain; version=0.0.4; q=0.5"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": accept}
    async with metered.http.get(metered.server.url + "/metrics", ssl=metered.ssl, headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
        text = await resp.text()
    assert text.rstrip().endswith("# EOF")
    assert "tether_sessions_started_total" in text


async def test_a_session_moves_the_session_and_byte_metrics(metered, make_agent_for, client_dial) -> None:
    api, agent = await make_agent_for(metered.server)
    before = await scrape(api)
    assert value(before, "tether_agents_connected") == 1
    assert value(before, "tether_sessions_active", kind="shell") == 0

    session_id, agent_ws, client_ws = await pair_session(api, agent, client_dial)
    during = await scrape(api)
    assert value(during, "tether_sessions_active", kind="shell") == 1
    assert value(during, "tether_sessions", kind="shell", state="paired") == 1
    assert value(during, "tether_sessions", kind="shell", state="waiting") == 0
    assert value(during, "tether_sessions_started_total", kind="shell") == 1

    typed = b"echo hello\n"
    output = bytes(range(256)) * 100
    await client_ws.send_bytes(encode(Data(0, typed)))
    assert await next_frame(agent_ws) == Data(0, typed)
    await agent_ws.send_bytes(encode(Data(0, output)))
    assert await next_frame(client_ws) == Data(0, output)
    # bytes are added when the session ends, not per frame
    assert value(await scrape(api), "tether_relayed_bytes_total", direction="to_client", kind="shell") == 0

    await agent_ws.send_bytes(encode(Exit(0)))
    await agent_ws.close()
    assert await next_frame(client_ws) == Exit(0)
    assert await until_closed(client_ws) == 1000

    async def ended() -> Samples:
        samples = await scrape(api)
        return samples if value(samples, "tether_sessions_ended_total", kind="shell", reason="exit") == 1 else {}

    after = await eventually(ended, what=f"session {session_id} to be counted as ended")
    assert value(after, "tether_sessions_active", kind="shell") == 0
    assert value(after, "tether_sessions", kind="shell", state="paired") == 0
    assert value(after, "tether_relayed_bytes_total", direction="to_client", kind="shell") == len(output)
    assert value(after, "tether_relayed_bytes_total", direction="from_client", kind="shell") == len(typed)
    assert value(after, "tether_api_calls_total", action="StartTerminalSession", status="200") == 1

    await agent.close()
    gone = await eventually(
        lambda: _when(scrape(api), lambda s: value(s, "tether_agents_connected") == 0),
        what="the agent to be counted as gone",
    )
    assert value(gone, "tether_agents_connected") == 0


async def _when(samples_coro, condition) -> Samples:
    samples = await samples_coro
    return samples if condition(samples) else {}


async def test_api_calls_and_denials_are_counted_by_action_and_status(metered) -> None:
    await metered.ok("CreateUser", {"UserName": "nobody"})  # no policy: every action is implicitly denied
    key = (await metered.ok("CreateAccessKey", {"UserName": "nobody"}))["AccessKey"]
    nobody = metered.with_credentials(key["AccessKeyId"], key["AccessKeySecret"])
    reply = await nobody.call("DescribeInstances", {})
    assert reply.status == 403, reply
    reply = await metered.call("NoSuchAction", {})
    assert reply.status == 404
    reply = await metered.call("DescribeInstances", {}, secret="not-the-secret")
    assert reply.status in (400, 401, 403), reply
    samples = await scrape(metered)
    assert value(samples, "tether_authorization_denials_total", action="DescribeInstances") == 1
    assert value(samples, "tether_api_calls_total", action="DescribeInstances", status="403") >= 1
    assert value(samples, "tether_api_calls_total", action="unknown", status="404") == 1
    assert value(samples, "tether_api_calls_total", action="CreateUser", status="200") == 1
    assert not any(dict(labels).get("action") == "NoSuchAction" for _, labels in samples)


async def test_the_delivery_queue_is_read_at_scrape_time(metered) -> None:
    assert value(await scrape(metered), "tether_delivery_queue_depth") == 0
    assert value(await scrape(metered), "tether_delivery_queue_oldest_age_seconds") == 0
    repo = DeliveryRepo(metered.server.state.db)
    queued = datetime.now(UTC) - timedelta(seconds=120)
    for ref in ("s-00000000000000001", "s-00000000000000002"):
        assert await repo.enqueue(kind="recording", ref=ref, node="elsewhere", now=queued)
    samples = await scrape(metered)
    assert value(samples, "tether_delivery_queue_depth") == 2
    assert 120 <= value(samples, "tether_delivery_queue_oldest_age_seconds") < 180


async def test_event_loop_lag_is_measured(metered) -> None:
    before = value(await scrape(metered), "tether_event_loop_lag_seconds_sum")
    time.sleep(0.8)  # the test blocks the server's loop (it runs in this process): the lag the metric must show

    async def lagged() -> Samples:
        samples = await scrape(metered)
        return samples if value(samples, "tether_event_loop_lag_seconds_sum") - before >= 0.25 else {}

    samples = await eventually(lagged, what="the blocked loop to show as lag")
    assert value(samples, "tether_event_loop_lag_seconds_bucket", le="0.1") < value(
        samples, "tether_event_loop_lag_seconds_bucket", le="+Inf"
    )


async def test_servers_in_one_process_keep_their_own_counts(make_server, api_for, tmp_path) -> None:
    from tether.server import ServerConfig, start_server

    first = api_for(await make_server(metrics_token=TOKEN))
    other = await start_server(
        ServerConfig(data_dir=tmp_path / "other", listen_host="127.0.0.1", listen_port=0, metrics_token=TOKEN)
    )
    try:
        second = api_for(other)
        for _ in range(3):
            await first.ok("DescribeInstances", {})
        await second.ok("DescribeInstances", {})
        assert value(await scrape(first), "tether_api_calls_total", action="DescribeInstances", status="200") == 3
        assert value(await scrape(second), "tether_api_calls_total", action="DescribeInstances", status="200") == 1
    finally:
        await other.stop()


def test_end_reasons_are_bounded_label_values() -> None:
    metrics = ServerMetrics()
    metrics.session_started("shell")
    metrics.session_ended("shell", "protocol_error: bad_frame", 0, 0)
    for n in range(MAX_REASONS + 10):
        metrics.session_ended("shell", f"reason_{n}", 0, 0)
    for odd in ("Exit!", "\x1b[2J", "a" * 200, ""):
        metrics.session_ended("shell", odd, 0, 0)
    reasons = {
        sample.labels["reason"]
        for family in text_string_to_metric_families(metrics.render()[0].decode())
        for sample in family.samples
        if sample.name == "tether_sessions_ended_total"
    }
    assert "protocol_error" in reasons and "other" in reasons
    assert len(reasons) == MAX_REASONS + 1


def test_a_metrics_token_must_look_like_a_secret(tmp_path: Path) -> None:
    for weak in ("short", " " * 20, "sixteen chars ok but spaces", "é" * 20):
        with pytest.raises(ValueError, match="metrics token"):
            ServerConfig(data_dir=tmp_path, metrics_token=weak)
    assert ServerConfig(data_dir=tmp_path, metrics_token=f"  {TOKEN}\n").metrics_token == TOKEN


def test_the_server_command_reads_the_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "metrics-token"
    token_file.write_text(TOKEN + "\n")  # as `openssl rand -hex 32 > file` writes it
    stack = Stack(tmp_path)
    try:
        stack.start_server("--metrics-token-file", str(token_file))
        context = ssl.create_default_context(cafile=stack.creds["ca_cert"])
        url = stack.creds["server"] + "/metrics"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, context=context, timeout=10) as resp:
            text = resp.read().decode()
        assert "tether_agents_connected 0.0" in text
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, context=context, timeout=10)
        assert refused.value.code == 401
        assert json.loads(refused.value.read())["Code"] == "Unauthorized"
        refused.value.close()
    finally:
        stack.close()
    short = stack.cli("server", "--data-dir", str(tmp_path / "x"), "--metrics-token", "short", check=False)
    assert short.returncode == 2 and "metrics token must be at least 16" in short.stderr


async def test_a_started_session_is_waiting_until_both_sides_connect(metered, make_agent_for) -> None:
    api, agent = await make_agent_for(metered.server)
    await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    samples = await scrape(api)
    assert value(samples, "tether_sessions", kind="shell", state="waiting") == 1
    assert value(samples, "tether_sessions", kind="shell", state="paired") == 0
    assert value(samples, "tether_sessions", kind="port_forward", state="waiting") == 0
    assert ("tether_sessions", frozenset({("kind", "port_forward"), ("state", "ending")})) in samples


def test_session_states_keep_a_fixed_label_set() -> None:
    instruments = ServerMetrics()
    instruments.set_sessions([("shell", "paired"), ("shell", "paired"), ("bogus", "paired"), ("shell", "closed")])
    text = instruments.render()[0].decode()
    assert 'tether_sessions{kind="shell",state="paired"} 2.0' in text
    assert "bogus" not in text and 'state="closed"' not in text
