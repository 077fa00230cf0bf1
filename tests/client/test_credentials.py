"""CredentialsURI: temporary credentials from a URI, against a real server and a real local credential service.

The service hands out real STS credentials (AssumeRole on the tether server) with a short stated Expiration and
counts its answers, so the tests see exactly when the client fetches; a `mode` switch makes it fail each way a
credential service can fail.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner, Result
from support.ports import LOOPBACK, free_port
from support.stack import Stack
from support.wait import eventually_sync

from tether.cli import cli
from tether.client.api import ApiClient
from tether.client.credentials import UriCredentials, refresh_margin
from tether.client.errors import ConfigError, CredentialsError
from tether.client.profile import load_profiles, resolve_settings
from tether.client.sshcmd import settings_env


class CredentialService:
    """A credential service in its own thread (so synchronous CLI runs do not block it): GET / answers the next
    credentials, issued by AssumeRole on `stack`'s server, valid for `lifetime` seconds as stated."""

    def __init__(self, stack: Stack, role_arn: str) -> None:
        self.stack = stack
        self.role_arn = role_arn
        self.lifetime = 600.0
        self.mode = "ok"
        self.answers = 0
        self.issued: list[str] = []
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}/creds"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/creds", self._answer)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, LOOPBACK, self.port).start()

    async def _stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _assume(self) -> dict[str, Any]:
        creds = self.stack.creds
        async with ApiClient(
            creds["server"], creds["access_key_id"], creds["access_key_secret"], creds["ca_cert"]
        ) as admin:
            reply = await admin.call("AssumeRole", {"RoleArn": self.role_arn, "RoleSessionName": "uri"})
        return dict(reply["Credentials"])

    async def _answer(self, _request: web.Request) -> web.StreamResponse:
        self.answers += 1
        mode = self.mode
        if mode == "http500":
            return web.Response(status=500, text="credential backend down")
        if mode == "html":
            return web.Response(text="<html>login</html>", content_type="text/html")
        if mode == "huge":
            return web.Response(text=json.dumps({"Code": "Success", "Pad": "x" * 200_000}))
        if mode == "slow":
            await asyncio.sleep(5)  # longer than the client's timeout in the test: it must give up first
        issued = await self._assume()
        expiration = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.lifetime)
        document: dict[str, Any] = {
            "Code": "Success",
            "AccessKeyId": issued["AccessKeyId"],
            "AccessKeySecret": issued["AccessKeySecret"],
            "SecurityToken": issued["SecurityToken"],
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if mode == "bogus-once":  # a key the server does not know (rotated away early); the next answer is good
            document["AccessKeyId"] = "STS.NotAKeyOfThisServer"
            self.mode = "ok"
        elif mode == "failure":
            document = {"Code": "Forbidden", "Message": "this machine may not have credentials"}
        elif mode == "missing":
            del document["SecurityToken"]
        elif mode == "expired":
            document["Expiration"] = "2020-01-01T00:00:00Z"
        elif mode == "bad-time":
            document["Expiration"] = "tomorrow"
        self.issued.append(document.get("AccessKeyId", ""))
        return web.json_response(document)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(tmp_path_factory.mktemp("creds-uri"))
    try:
        stack.start_server()
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="module")
def role_arn(stack: Stack) -> str:
    account = stack.api("GetCallerIdentity")["AccountId"]
    trust = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{account}:root"]}}
        ],
    }
    readers = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
    stack.cli("iam", "role", "create", "uri-readers", "--trust-policy", json.dumps(trust))
    stack.cli("iam", "policy", "create", "uri-read", "--document", json.dumps(readers))
    stack.cli("iam", "policy", "attach", "uri-read", "--role", "uri-readers")
    return f"acs:ram::{account}:role/uri-readers"


@pytest.fixture
def service(stack: Stack, role_arn: str) -> Iterator[CredentialService]:
    svc = CredentialService(stack, role_arn)
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


class Clock:
    """Wall-clock time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _client(stack: Stack, provider: UriCredentials) -> ApiClient:
    return ApiClient(stack.creds["server"], ca_cert=stack.creds["ca_cert"], credentials=provider)


async def test_refreshes_only_shortly_before_expiry(stack: Stack, service: CredentialService) -> None:
    service.lifetime = 1000.0
    clock = Clock()
    provider = UriCredentials(service.url, clock=clock)
    async with _client(stack, provider) as api:
        for _ in range(3):
            assert "Instances" in await api.call("DescribeInstances")
        assert service.answers == 1  # cached: one fetch for three calls
        margin = refresh_margin(1000.0)
        assert margin == 100.0  # 10 % of the lifetime, at most 3 minutes
        clock.offset = 1000.0 - margin - 5  # just before the refresh point: still cached
        await api.call("DescribeInstances")
        assert service.answers == 1
        clock.offset = 1000.0 - margin + 1  # inside the margin: fetched again, new credentials, still working
        await api.call("DescribeInstances")
        assert service.answers == 2 and service.issued[0] != service.issued[1]
        await api.call("DescribeInstances")
        assert service.answers == 2


async def test_key_refused_before_expiry_is_fetched_again_once(stack: Stack, service: CredentialService) -> None:
    service.mode = "bogus-once"
    provider = UriCredentials(service.url)
    async with _client(stack, provider) as api:
        assert "Instances" in await api.call("DescribeInstances")
    assert service.answers == 2 and service.issued[0] == "STS.NotAKeyOfThisServer"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("http500", "HTTP 500 (credential backend down)"),
        ("html", "answer is not a JSON object (<html>login</html>)"),
        ("huge", "bytes, over 65536 bytes"),
        ("failure", "Code is 'Forbidden', not 'Success': this machine may not have credentials"),
        ("missing", "answer lacks SecurityToken"),
        ("expired", "the credentials it gave expired at 2020-01-01T00:00:00+00:00"),
        ("bad-time", "Expiration 'tomorrow' is not an ISO 8601 UTC time"),
    ],
)
async def test_each_failure_names_the_uri_and_the_problem(
    stack: Stack, service: CredentialService, mode: str, expected: str
) -> None:
    service.mode = mode
    async with _client(stack, UriCredentials(service.url)) as api:
        with pytest.raises(CredentialsError) as caught:
            await api.call("DescribeInstances")
    assert str(caught.value).startswith(f"credentials URI {service.url}: ")
    assert expected in str(caught.value)


async def test_unreachable_and_slow_services(stack: Stack, service: CredentialService) -> None:
    closed = f"http://{LOOPBACK}:{free_port()}/creds"
    async with _client(stack, UriCredentials(closed)) as api:
        with pytest.raises(CredentialsError, match=r"unreachable .* is the credential service running\?"):
            await api.call("DescribeInstances")
    service.mode = "slow"
    async with _client(stack, UriCredentials(service.url, timeout=0.5)) as api:
        with pytest.raises(CredentialsError, match=r"no answer within 0.5 s"):
            await api.call("DescribeInstances")


def test_plain_http_only_to_loopback() -> None:
    with pytest.raises(ConfigError, match="only loopback addresses may use http"):
        UriCredentials("http://creds.example.com/x")
    with pytest.raises(ConfigError, match="not an http"):
        UriCredentials("file:///etc/passwd")
    assert UriCredentials("http://[::1]:9/x").uri == "http://[::1]:9/x"
    assert UriCredentials("https://creds.example.com/x").uri == "https://creds.example.com/x"
    with_token = UriCredentials("http://127.0.0.1:9/c?token=s3cret")
    assert with_token.shown == "http://127.0.0.1:9/c?..." and "s3cret" not in repr(with_token)


def test_environment_overrides_the_profile(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('current = "p"\n[profiles.p]\nmode = "AK"\nserver = "https://h:1"\n'
                      'access_key_id = "AK1"\naccess_key_secret = "S1"\n')  # fmt: skip
    env = {"TETHER_CREDENTIALS_URI": "http://127.0.0.1:9/c"}
    settings = resolve_settings(env=env, path=config)
    assert settings.credentials_uri == "http://127.0.0.1:9/c" and settings.server == "https://h:1"
    assert settings.sources["credentials_uri"] == "env TETHER_CREDENTIALS_URI"
    assert settings.credentials_cache is not None and settings.credentials_cache.parent == tmp_path / "cache"
    assert resolve_settings(env=env, path=config, access_key_id="AK2", access_key_secret="S2").credentials_uri is None
    with pytest.raises(ConfigError, match="both TETHER_CREDENTIALS_URI and TETHER_ACCESS_KEY_ID"):
        resolve_settings(env={**env, "TETHER_ACCESS_KEY_ID": "AK3"}, path=config)
    off = resolve_settings(env={**env, "TETHER_CREDENTIALS_CACHE": "off"}, path=config)
    assert off.credentials_cache is None


# -- through the CLI -----------------------------------------------------------------------------------------


def _configure(stack: Stack, uri: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tether", "configure", "--profile", "uri", "--mode", "CredentialsURI",
         "--server", stack.creds["server"], "--ca-cert", stack.creds["ca_cert"], "--credentials-uri", uri],
        capture_output=True, text=True, env=stack.base_env(), timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"credentials from {uri}" in proc.stderr


def _as_profile(
    stack: Stack, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**stack.base_env(), "TETHER_PROFILE": "uri", **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tether", *args], capture_output=True, text=True, env=env, timeout=60, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_cli_profile_keeps_working_across_rotations(stack: Stack, service: CredentialService) -> None:
    _configure(stack, service.url)
    profiles, _ = load_profiles(stack.root / "config.toml")
    stored = profiles["uri"]
    assert stored.mode == "CredentialsURI" and stored.credentials_uri == service.url
    assert "access_key_id" not in stored.to_toml()  # no key is stored for this mode

    service.lifetime = 600.0
    for _ in range(2):
        proc = _as_profile(stack, "instances", "--json")
        assert proc.returncode == 0, proc.stderr
        assert "Instances" in json.loads(proc.stdout)
    assert service.answers == 1  # the second command used the cached answer (a 0600 file beside the profile)
    cached = list((stack.root / "cache").glob("credentials-*.json"))
    assert len(cached) == 1 and cached[0].stat().st_mode & 0o777 == 0o600

    # Short-lived credentials: commands go on working while the service rotates them underneath.
    service.lifetime = 3.0
    (cached[0]).unlink()
    assert _as_profile(stack, "instances", "--json").returncode == 0
    first = service.answers

    def rotated() -> bool:
        proc = _as_profile(stack, "instances", "--json")
        assert proc.returncode == 0, proc.stderr
        return service.answers > first

    eventually_sync(rotated, what="the CLI to fetch rotated credentials", timeout=30, interval=0.2)
    assert len(set(service.issued)) == len(service.issued)


def test_cli_reports_a_failing_uri_in_one_line(stack: Stack, service: CredentialService) -> None:
    _configure(stack, service.url)
    service.mode = "failure"
    proc = _as_profile(stack, "instances", extra_env={"TETHER_CREDENTIALS_CACHE": "off"})
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"tether: credentials URI {service.url}: Code is 'Forbidden', not 'Success': "
        "this machine may not have credentials"
    )
    # TETHER_CREDENTIALS_URI overrides the profile's URI
    closed = f"http://{LOOPBACK}:{free_port()}/other"
    proc = _as_profile(stack, "instances", extra_env={"TETHER_CREDENTIALS_URI": closed})
    assert proc.returncode == 1 and f"credentials URI {closed}: unreachable" in proc.stderr


def test_configure_checks_the_uri_and_stores_no_key(isolated_env: Path) -> None:
    runner = CliRunner()

    def configure(*args: str) -> Result:
        return runner.invoke(cli, ["configure", "--profile", "c", *args], catch_exceptions=False)

    refused = configure("--mode", "CredentialsURI", "--server", "https://h:1")
    assert refused.exit_code == 1 and "mode CredentialsURI needs --credentials-uri" in refused.output
    refused = configure("--server", "https://h:1", "--credentials-uri", "http://creds.example.com/x")
    assert refused.exit_code == 1 and "only loopback addresses may use http" in refused.output
    refused = configure("--mode", "AK", "--server", "https://h:1", "--access-key-id", "A", "--access-key-secret",
                        "S", "--credentials-uri", "http://127.0.0.1:1/c")  # fmt: skip
    assert refused.exit_code == 1 and "--credentials-uri needs --mode CredentialsURI" in refused.output
    # an AK profile turned into a CredentialsURI one keeps no key
    assert configure("--server", "https://h:1", "--access-key-id", "A", "--access-key-secret", "S").exit_code == 0
    done = configure("--credentials-uri", "http://127.0.0.1:1/c", "--json")
    assert done.exit_code == 0 and json.loads(done.output)["Mode"] == "CredentialsURI"
    text = isolated_env.read_text()
    assert 'credentials_uri = "http://127.0.0.1:1/c"' in text and "access_key" not in text
    assert isolated_env.stat().st_mode & 0o777 == 0o600
    # and back: a key given again makes it a key profile
    assert configure("--access-key-id", "A2", "--access-key-secret", "S2").exit_code == 0
    assert load_profiles(isolated_env)[0]["c"].mode == "AK" and "credentials_uri" not in isolated_env.read_text()


def test_ssh_children_get_the_uri_not_a_key(tmp_path: Path) -> None:
    settings = resolve_settings(
        env={"TETHER_SERVER": "https://h:1", "TETHER_CREDENTIALS_URI": "http://127.0.0.1:9/c"},
        path=tmp_path / "none.toml",
    )
    env = settings_env(settings, {"TETHER_ACCESS_KEY_ID": "stale", "PATH": "/bin"})
    assert env["TETHER_CREDENTIALS_URI"] == "http://127.0.0.1:9/c" and "TETHER_ACCESS_KEY_ID" not in env
    assert resolve_settings(env=env, path=tmp_path / "none.toml").credentials_uri == "http://127.0.0.1:9/c"
