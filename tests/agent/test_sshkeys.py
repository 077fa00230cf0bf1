"""Temporary SSH keys: validation, the managed file's format, expiry and pruning, concurrency, user rules."""

from __future__ import annotations

import asyncio
import base64
import os
import pwd
import re
import shutil
import stat
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from support.wait import eventually

from tether.agent import sshkeys
from tether.agent.config import AgentSettings, ensure_state_dir
from tether.agent.sshd import SshdStatus, path_problem
from tether.agent.sshkeys import (
    KeyStore,
    PushKeyError,
    SshKeyManager,
    expiry_style_for,
    expiry_timespec,
    parse_public_key,
)
from tether.agent.users import LoginError, LoginUser
from tether.protocol.control import PushKey

from .conftest import root_only

ME = LoginUser(pwd.getpwuid(os.geteuid()).pw_name, os.geteuid(), os.getegid(), "/", "/bin/sh", ())
LINE = re.compile(r'^expiry-time="(\d{14})Z" (ssh-ed25519 [A-Za-z0-9+/=]+) tether-expires=(\d+)$')


def openssh_key(kind: str = "ed25519", comment: str = "") -> str:
    if kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    elif kind == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # type: ignore[assignment]
    else:
        private = ec.generate_private_key(ec.SECP256R1())  # type: ignore[assignment]
    text = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return text.decode() + (f" {comment}" if comment else "")


def resolve_me(name: str | None, settings: AgentSettings) -> LoginUser:
    if name not in (None, ME.name):
        raise LoginError("InvalidUser.NotFound", f"user {name!r} does not exist on this machine")
    return ME


@pytest.fixture
async def manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SshKeyManager]:
    # tmp_path lives under /tmp, which StrictModes would refuse; the path rules have their own test below.
    monkeypatch.setattr(sshkeys, "path_problem", lambda path, uid: None)
    m = SshKeyManager(tmp_path / "state", AgentSettings(), sshd_check=lambda user: SshdStatus(True),
                      resolve_user=resolve_me)
    ensure_state_dir(tmp_path / "state")
    await m.start()
    try:
        yield m
    finally:
        await m.close()


def push(key: str, *, user: str | None = None, lifetime: float = 60, rid: str = "r-1") -> PushKey:
    return PushKey(request_id=rid, username=user or ME.name, public_key=key, lifetime=lifetime)


# -- validation --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "ecdsa"])
def test_valid_keys_parse_and_drop_the_comment(kind: str) -> None:
    text = openssh_key(kind, comment="alice@laptop")
    key = parse_public_key(text + "\n")
    assert key.text == " ".join(text.split()[:2])
    keygen = shutil.which("ssh-keygen")
    if keygen:
        out = subprocess.run([keygen, "-lf", "-"], input=text, capture_output=True, text=True, check=True).stdout
        assert key.fingerprint in out


def test_invalid_keys_are_rejected() -> None:
    good = openssh_key()
    kind, body = good.split()[:2]
    other = openssh_key("rsa").split()[1]
    blob = base64.b64decode(body)
    bad = [
        "",
        "garbage",
        f'command="/bin/sh" {good}',
        f"no-pty {good}",
        f'from="*" {good}',
        f"{good}\n{openssh_key()}",
        f"{kind} {body}\r extra",
        f'{good} "quoted comment"',
        f"{kind}",
        f"{kind} !!!notbase64",
        f"{kind} {other}",  # the blob says ssh-rsa
        f"ssh-rsa {body}",
        f"{kind} {base64.b64encode(blob[:-3]).decode()}",  # truncated
        f"{kind} {base64.b64encode(blob + b'xx').decode()}",  # trailing junk
        f"ssh-ed25519-cert-v01@openssh.com {body}",
        f"ssh-dss {body}",
        kind + " " + "A" * 20000,
    ]
    for text in bad:
        with pytest.raises(PushKeyError) as e:
            parse_public_key(text)
        assert e.value.code == "InvalidPublicKey", text


def test_expiry_formats() -> None:
    ts = int(datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC).timestamp())
    assert expiry_timespec(ts, utc=True) == "20310203040506Z"
    assert expiry_timespec(ts, utc=False) == time.strftime("%Y%m%d%H%M%S", time.localtime(ts))
    assert expiry_style_for((9, 2)) == "utc" and expiry_style_for((8, 7)) == "utc"
    assert expiry_style_for((8, 2)) == "local" and expiry_style_for((7, 4)) == "none"


# -- the managed file --------------------------------------------------------------------------------------------


async def test_push_writes_one_expiring_line(manager: SshKeyManager) -> None:
    key = openssh_key(comment="some comment")
    before = time.time()
    result = await manager.push(push(key, lifetime=30))
    assert result.ok and result.request_id == "r-1" and not result.code
    expires = datetime.strptime(result.expires_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert before + 29 <= expires <= time.time() + 30
    path = manager.store.directory / ME.name
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    m = LINE.match(lines[0])
    assert m is not None, lines[0]
    assert m.group(2) == " ".join(key.split()[:2]) and "some comment" not in lines[0]
    assert int(m.group(3)) == int(expires) and m.group(1) + "Z" == expiry_timespec(int(expires), utc=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 and path.stat().st_uid == os.geteuid()
    assert stat.S_IMODE(manager.store.directory.stat().st_mode) == 0o755
    # sshd reads the file as the user: the state directory becomes enterable, not listable, and stays so.
    assert stat.S_IMODE(manager.state_dir.stat().st_mode) == 0o711
    ensure_state_dir(manager.state_dir)
    assert stat.S_IMODE(manager.state_dir.stat().st_mode) == 0o711


async def test_pushing_the_same_key_again_extends_it(manager: SshKeyManager) -> None:
    key = openssh_key()
    await manager.push(push(key, lifetime=10))
    await manager.push(push(key, lifetime=100))
    entries = manager.store.entries(ME.name)
    assert len(entries) == 1 and entries[0].expires >= time.time() + 90


async def test_expired_keys_are_pruned(manager: SshKeyManager) -> None:
    store = manager.store
    await manager.push(push(openssh_key(), lifetime=1, rid="short"))
    await manager.push(push(openssh_key(), lifetime=60, rid="long"))
    assert len(store.entries(ME.name)) == 2
    # The timer removes the short-lived key soon after it expired.
    await eventually(lambda: len(store.entries(ME.name)) == 1, what="the expired key to be removed", timeout=5)
    # Pruning at a time after every expiry removes the file itself.
    assert store.prune(now=time.time() + 120) is None
    assert not (store.directory / ME.name).exists()


async def test_prune_at_start_and_on_push(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sshkeys, "path_problem", lambda path, uid: None)
    store = KeyStore(tmp_path)
    past = int(time.time()) - 10
    store.add(ME.name, parse_public_key(openssh_key()), past, now=past - 60)
    (store.directory / ME.name).write_text((store.directory / ME.name).read_text() + "not a tether line\n")
    m = SshKeyManager(tmp_path, AgentSettings(), sshd_check=lambda user: SshdStatus(True), resolve_user=resolve_me)
    await m.start()
    try:
        await eventually(lambda: not (store.directory / ME.name).exists(), what="start to prune", timeout=5)
        store.add(ME.name, parse_public_key(openssh_key()), past, now=past - 60)
        await m.push(push(openssh_key()))
        assert len(store.entries(ME.name)) == 1
    finally:
        await m.close()


async def test_twenty_concurrent_pushes_all_land(manager: SshKeyManager) -> None:
    keys = [openssh_key() for _ in range(20)]
    results = await asyncio.gather(*(manager.push(push(k, rid=f"r-{i}")) for i, k in enumerate(keys)))
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    stored = {e.key.text for e in manager.store.entries(ME.name)}
    assert stored == {" ".join(k.split()[:2]) for k in keys}


def test_concurrent_writers_in_threads_and_processes(tmp_path: Path) -> None:
    """flock serialises separate descriptors too: no read-modify-write race between threads or processes."""
    import concurrent.futures

    store = KeyStore(tmp_path)
    keys = [parse_public_key(openssh_key()) for _ in range(40)]
    expires = int(time.time()) + 600
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        list(pool.map(lambda k: store.add(ME.name, k, expires), keys[:20]))
    with concurrent.futures.ProcessPoolExecutor(4) as pool:
        list(pool.map(_add_in_process, [(str(tmp_path), k.text, expires) for k in keys[20:]]))
    assert {e.key.blob for e in store.entries(ME.name)} == {k.blob for k in keys}


def _add_in_process(args: tuple[str, str, int]) -> None:
    state, text, expires = args
    KeyStore(Path(state)).add(ME.name, parse_public_key(text), expires)


async def test_limits_and_bad_requests(manager: SshKeyManager, monkeypatch: pytest.MonkeyPatch) -> None:
    r = await manager.push(push("ssh-ed25519 nope"))
    assert (r.ok, r.code) == (False, "InvalidPublicKey") and not r.expires_at
    r = await manager.push(push(openssh_key(), lifetime=0))
    assert r.code == "InvalidParameter"
    r = await manager.push(push(openssh_key(), lifetime=100000))
    assert r.code == "InvalidParameter"
    monkeypatch.setattr(sshkeys, "MAX_KEYS_PER_USER", 3)
    for i in range(3):
        assert (await manager.push(push(openssh_key(), rid=f"k{i}"))).ok
    r = await manager.push(push(openssh_key()))
    assert r.code == "KeyLimitExceeded"
    assert len(manager.store.entries(ME.name)) == 3


async def test_sshd_not_configured_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sshkeys, "path_problem", lambda path, uid: None)
    calls: list[str] = []

    def check(user: str) -> SshdStatus:
        calls.append(user)
        return SshdStatus(False, "add /x/ssh-keys/%u to AuthorizedKeysFile")

    m = SshKeyManager(tmp_path, AgentSettings(), sshd_check=check, resolve_user=resolve_me)
    results = await asyncio.gather(*(m.push(push(openssh_key(), rid=str(i))) for i in range(5)))
    assert {(r.ok, r.code) for r in results} == {(False, "SshdNotConfigured")}
    assert "AuthorizedKeysFile" in results[0].message
    assert calls == [ME.name]  # one `sshd -T` for the burst
    assert not m.store.directory.exists() or not any(m.store.directory.iterdir())


def test_strict_modes_rules(tmp_path: Path) -> None:
    (tmp_path / "ssh-keys").mkdir()
    problem = path_problem(tmp_path / "ssh-keys" / "u", 0)
    assert problem is not None and "/tmp" in problem  # /tmp is world-writable
    assert path_problem(Path("/etc/ssh/x"), 0) is None


async def test_unknown_user_is_refused(manager: SshKeyManager) -> None:
    r = await manager.push(push(openssh_key(), user="no-such-user-here"))
    assert (r.ok, r.code) == (False, "InvalidUser.NotFound")


@root_only
@pytest.mark.root
async def test_user_rules_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sshkeys, "path_problem", lambda path, uid: None)
    settings = AgentSettings(allowed_users=["daemon", "no-such-user-here", "root"])
    m = SshKeyManager(tmp_path, settings, sshd_check=lambda user: SshdStatus(True))
    assert (await m.push(push(openssh_key(), user="no-such-user-here"))).code == "InvalidUser.NotFound"
    assert (await m.push(push(openssh_key(), user="bin"))).code == "InvalidUser.NotAllowed"
    assert (await m.push(push(openssh_key(), user="root"))).code == "InvalidUser.NotAllowed"
    assert (await m.push(push(openssh_key(), user="bad name"))).code == "InvalidUser.Malformed"
    assert (await m.push(push(openssh_key(), user="daemon"))).ok
    r = await m.push(PushKey(request_id="d", username="", public_key=openssh_key(), lifetime=5))
    assert r.ok  # empty = the default user, created on first use
    assert (m.store.directory / "tether-user").is_file()
    m.settings.allow_root_login = True
    assert (await m.push(push(openssh_key(), user="root"))).ok


async def test_push_key_over_the_control_channel(tmp_path: Path) -> None:
    """The agent answers `push_key` with `push_key_result`; no sshd here is set up for a temporary state directory."""
    from tether.agent.config import AgentConfig
    from tether.agent.control import Agent
    from tether.agent.register import register
    from tether.protocol.control import PushKeyResult

    from .fakeserver import start_fake_server

    server, runner = await start_fake_server(tmp_path)
    settings = AgentSettings(backoff_base=0.05, backoff_cap=0.2, shutdown_timeout=3)
    try:
        await register(server.url, server.tls.ca_cert, "act-1", "good-code", tmp_path / "agent", settings=settings)
        agent = Agent(AgentConfig.load(tmp_path / "agent"))
        task = asyncio.create_task(agent.run())
        try:
            await eventually(lambda: server.control_ws, what="the agent's control channel", interval=0.02)
            await server.send_raw({"type": "push_key", "request_id": "bad", "username": ME.name,
                                   "public_key": 'command="sh" ssh-ed25519 AAAA', "lifetime": 60})
            result = await server.next_of(PushKeyResult)
            assert (result.request_id, result.ok, result.code) == ("bad", False, "InvalidPublicKey")
            await server.send_raw({"type": "push_key", "request_id": "r-1", "username": "",  # the default user
                                   "public_key": openssh_key(), "lifetime": 60})
            result = await server.next_of(PushKeyResult)
            assert (result.request_id, result.ok, result.code) == ("r-1", False, "SshdNotConfigured")
            assert result.message
        finally:
            agent.stop()
            await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
    finally:
        server.relay.release.set()
        await runner.cleanup()
