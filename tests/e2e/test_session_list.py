"""What `tether sessions list` says about a finished shell: who it ran as, and that `exit 0` ended it."""

from __future__ import annotations

import json
import os
import pwd

import pexpect
from support.stack import Stack


def test_sessions_list_shows_the_login_user_and_the_exit(stack: Stack, instance: str) -> None:
    child = stack.session(instance)
    child.expect(rb"\$ |# ")
    child.send(b"exit 0\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    listed = json.loads(stack.cli("sessions", "list", "--instance", instance, "--json").stdout)["Sessions"]
    latest = max(listed, key=lambda s: str(s["CreationTime"]))
    expected = "tether-user" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    assert (latest["Username"], latest["EndReason"], latest["ExitStatus"]) == (expected, "exit", 0), latest

    table = stack.cli("sessions", "list", "--instance", instance).stdout.splitlines()
    header = table[0].split()
    row = next(line.split() for line in table[1:] if line.startswith(str(latest["SessionId"])))
    assert row[header.index("Login")] == expected, table
    assert row[header.index("Exit")] == "0", table
