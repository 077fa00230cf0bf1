"""The agent rides out a server restart and comes back Online by itself."""

from __future__ import annotations

import pexpect
from support.stack import Stack
from support.wait import eventually_sync


def test_agent_reconnects_after_server_restart(fresh_stack: Stack) -> None:
    instance = fresh_stack.add_agent()
    assert fresh_stack.stop_server() == 0
    fresh_stack.start_server()
    # the restarted server must not trust a stale "connected" mark: the agent has to dial again
    eventually_sync(lambda: fresh_stack.status(instance) == "Online", what="the agent to be back Online", timeout=45,
                    interval=0.5)
    child = fresh_stack.session(instance)
    child.send(b"echo BACK_$((5+5))\r")
    child.expect(b"BACK_10")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)


def test_stopped_agent_goes_offline_and_session_is_refused(fresh_stack: Stack) -> None:
    instance = fresh_stack.add_agent()
    proc = fresh_stack.agents[instance]
    proc.terminate()
    assert proc.wait(timeout=20) == 0
    eventually_sync(lambda: fresh_stack.status(instance) == "Offline", what="the agent to be Offline", timeout=15,
                    interval=0.3)
    out = fresh_stack.cli("api", "StartTerminalSession", "--body", f'{{"InstanceId": "{instance}"}}', check=False)
    assert out.returncode != 0
    assert "InvalidInstance.Offline" in out.stderr + out.stdout
