"""The tether agent: it dials out to the server, proves who it is, and runs the shells and port forwards people open
through it.

Modules, each with one job:
- `config`: the state directory (`agent.json`, `agent.key`, `ca.pem`) and its settings.
- `configkeys`: the settings as keys for `tether agent config` (parsed, checked, which ones apply live).
- `reload`: SIGHUP's reload of the settings, the pid file and the answer it leaves (`reload.json`).
- `register`: one-time registration with an activation code.
- `backoff`: the reconnect schedule (exponential, full jitter).
- `errors`: `AgentError`, the base of every error that carries a code (`session_failed`, `push_key_result`, ...).
- `users`: which login user a session runs as, and creating the default user.
- `session`: what every session kind shares: its data channel (HELLO, credit), its limits, how it ends and how
  that end is reported (`run_and_report`).
- `shell`: one shell session: a real PTY bridged to one data channel with credit flow control.
- `launch`: starting the login shell on the PTY as its user (the launcher, the login environment).
- `forward`: one port-forward session: TCP connections to one target as streams on one data channel.
- `sshkeys`: temporary SSH keys (`push_key`) in managed authorized-keys files that sshd expires by itself.
- `sshd`: the sshd_config line those need (`tether agent sshd-config`) and the check that sshd reads them.
- `control`: the long-lived control channel and the session table (`run_agent`).
"""

from __future__ import annotations

from tether.agent.config import AgentConfig, AgentSettings, ConfigError, default_state_dir
from tether.agent.control import AgentDeregistered, run_agent
from tether.agent.register import RegistrationError, register

__all__ = [
    "AgentConfig",
    "AgentDeregistered",
    "AgentSettings",
    "ConfigError",
    "RegistrationError",
    "default_state_dir",
    "register",
    "run_agent",
]
