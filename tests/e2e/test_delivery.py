"""A shell session through the real CLI, agent and server ends up as an object in a real S3 server (moto), with
delivery configured and watched through `tether settings delivery` and `tether recordings status`, and is still
replayed by the CLI once its local copy was pruned (read back from the bucket)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pexpect
import pytest
from support.s3server import MotoServer
from support.stack import Stack
from support.wait import eventually_sync

BUCKET = "tether-e2e"


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto"))
    server.start()
    server.create_bucket(BUCKET)
    try:
        yield server
    finally:
        server.stop()


def settings_delivery(stack: Stack, *args: str, secret: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "tether", "settings", "delivery", *args]
    if secret is not None:
        argv.append("--s3-secret-access-key-stdin")
    proc = subprocess.run(argv, input=(secret or "") + "\n", capture_output=True, text=True, env=stack.env(),
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


def status(stack: Stack) -> dict:
    return json.loads(stack.cli("recordings", "status", "--json").stdout)


def run_session(stack: Stack, instance: str, marker: str) -> str:
    child = stack.session(instance)
    child.expect(rb"\$ ")
    child.send(f"echo {marker}_$((6*7))\r".encode())
    child.expect(f"{marker}_42".encode())
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    child.close()
    sessions = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"]
    return str(sorted(sessions, key=lambda s: str(s["CreationTime"]))[-1]["SessionId"])


def test_a_shell_session_is_delivered_to_s3(stack: Stack, instance: str, moto: MotoServer) -> None:
    key_id, secret = moto.with_user()  # moto now checks credentials
    shown = settings_delivery(stack, "--endpoint", moto.endpoint, "--bucket", BUCKET, "--prefix", "e2e",
                              "--s3-access-key-id", key_id, "--retention-days", "0", secret="wrong-secret")
    assert "SecretAccessKey: set" in shown.stdout and "wrong-secret" not in shown.stdout
    assert "Delivery:        enabled" in shown.stdout

    session_id = run_session(stack, instance, "DELIVERED")

    def failing() -> dict | None:
        failures = status(stack)["Failures"]
        return failures[0] if failures and failures[0]["Attempts"] >= 1 else None

    failure = eventually_sync(failing, what="the wrong secret to be reported", timeout=60)
    assert failure["SessionId"] == session_id and failure["State"] == "failed-retrying"
    assert failure["LastError"].startswith("SignatureDoesNotMatch") and "wrong-secret" not in failure["LastError"]
    text = stack.cli("recordings", "status").stdout
    assert "1 failed-retrying" in text and "SignatureDoesNotMatch" in text

    settings_delivery(stack, "--s3-access-key-id", key_id, secret=secret)
    done = eventually_sync(lambda: status(stack)["Queue"]["Delivered"] == 1, what="the delivery", timeout=60)
    assert done
    assert "1 delivered" in stack.cli("recordings", "status").stdout

    keys = [k for k in moto.versions(BUCKET, "e2e/") if k.endswith(f"/{session_id}.cast")]
    assert len(keys) == 1 and keys[0].startswith("e2e/") and f"/{instance}/" in keys[0]
    assert moto.versions(BUCKET)[keys[0]] == 1
    body, reply = moto.get(BUCKET, keys[0])
    assert b"DELIVERED_42" in body and reply["Metadata"]["instance"] == instance
    assert reply["Metadata"]["exit-status"] == "0"

    # retention 0: the local copy goes once the upload is verified (and the text indexed); the server then reads
    # the recording back from the bucket, so cat and export go on working
    recordings_dir = stack.server_dir / "recordings"  # DATA_DIR/recordings/yyyy/mm/dd/{session}.cast
    assert recordings_dir.is_dir()
    eventually_sync(lambda: not list(recordings_dir.rglob(f"{session_id}.cast")), what="the local copy to be pruned",
                    timeout=60)
    shown = stack.cli("recordings", "cat", session_id, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "DELIVERED_42" in shown.stdout
    exported = stack.root / f"{session_id}-from-s3.cast"
    stack.cli("recordings", "export", session_id, "-o", str(exported))
    assert exported.read_bytes() == body
