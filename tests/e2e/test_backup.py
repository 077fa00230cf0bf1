"""Backup -> wipe -> restore on real processes: the restored server is the same server, so the agent that was
registered before the backup reconnects by itself (no new registration) and a shell session works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pexpect
from support.stack import Stack
from support.wait import eventually_sync


def test_backup_wipe_restore_and_the_same_agent_reconnects(fresh_stack: Stack, tmp_path: Path) -> None:
    stack = fresh_stack
    instance = stack.add_agent()
    child = stack.session(instance)
    child.send(b"echo BEFORE_$((1+1))\r")
    child.expect(b"BEFORE_2")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    creds_before = dict(stack.creds)

    archive = tmp_path / "backup.tar.gz"
    out = stack.cli("db", "backup", "--data-dir", str(stack.server_dir), "--out", str(archive))  # online
    assert "wrote" in out.stdout and archive.stat().st_mode & 0o077 == 0

    assert stack.stop_server() == 0
    shutil.rmtree(stack.server_dir)
    stack.server_dir.mkdir()
    (stack.server_dir / "stray").write_text("x")
    refused = stack.cli("db", "restore", str(archive), "--data-dir", str(stack.server_dir), check=False)
    assert refused.returncode == 1 and "is not empty" in refused.stderr
    (stack.server_dir / "stray").unlink()
    stack.cli("db", "restore", str(archive), "--data-dir", str(stack.server_dir))

    stack.start_server()
    assert stack.creds == creds_before  # the same keys and CA, so clients and agents trust it as before
    eventually_sync(lambda: stack.status(instance) == "Online", what="the same agent to be back Online", timeout=45,
                    interval=0.5)
    instances = stack.api("DescribeInstances")["Instances"]
    assert [i["InstanceId"] for i in instances] == [instance]  # not registered again
    child = stack.session(instance)
    child.send(b"echo RESTORED_$((40+2))\r")
    child.expect(b"RESTORED_42")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
