"""Reloading a running agent's settings: its pid file, what a SIGHUP changes, and the answer it leaves behind.

`tether agent run` writes `STATE_DIR/agent.pid` while it runs. On SIGHUP it re-reads agent.json and applies the keys
that can change live (`tether.agent.configkeys`), then writes `STATE_DIR/reload.json`: what it applied, what needs a
restart, what a `tether agent run` option overrides, or why the file could not be used (the running settings then
stay as they were). `tether agent config set` sends the signal and waits for that answer, so it can say what
happened instead of hoping; the agent's log says the same.

Signalling a pid from a file is only safe if the pid is still the agent: a stale file whose pid was reused by
another program would have that program killed by SIGHUP's default action. `agent_pid` therefore checks that the
process's command line is a `tether agent run`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tether.agent.config import AgentSettings
from tether.agent.configkeys import RESTART_KEYS

PID_FILE = "agent.pid"
STATUS_FILE = "reload.json"


@dataclass
class ReloadResult:
    """What one SIGHUP did; written to STATUS_FILE."""

    pid: int
    ok: bool
    applied: list[str] = field(default_factory=list)  # changed keys now in force for new sessions and forwards
    restart: list[str] = field(default_factory=list)  # changed keys the agent only reads at start
    overridden: list[str] = field(default_factory=list)  # changed in agent.json, but a `run` option wins
    error: str | None = None
    at: float = 0.0


def apply_reload(current: AgentSettings, fresh: AgentSettings, adjusted: AgentSettings, pid: int) -> ReloadResult:
    """Change `current` in place to `adjusted` (fresh agent.json plus the run's options) for the live keys.

    `fresh` is agent.json as read, to tell a key the operator changed but a command-line option overrides."""
    result = ReloadResult(pid=pid, ok=True, at=time.time())
    now, read, wanted = asdict(current), asdict(fresh), asdict(adjusted)
    for name, value in wanted.items():
        if read[name] != now[name] and value == now[name]:
            result.overridden.append(name)
        if value == now[name]:
            continue
        if name in RESTART_KEYS:
            result.restart.append(name)
        else:
            setattr(current, name, getattr(adjusted, name))
            result.applied.append(name)
    return result


def _write_json(path: Path, document: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(document, sort_keys=True) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_status(state_dir: Path, result: ReloadResult) -> None:
    _write_json(state_dir / STATUS_FILE, asdict(result))


def read_status(state_dir: Path) -> ReloadResult | None:
    try:
        raw = json.loads((state_dir / STATUS_FILE).read_text(encoding="utf-8"))
        return ReloadResult(**raw)
    except (OSError, ValueError, TypeError):
        return None


def status_stamp(state_dir: Path) -> int | None:
    """The status file's mtime (ns), to tell a new answer from an old one."""
    try:
        return (state_dir / STATUS_FILE).stat().st_mtime_ns
    except OSError:
        return None


def write_pid(state_dir: Path) -> None:
    _write_json(state_dir / PID_FILE, {"pid": os.getpid()})


def remove_pid(state_dir: Path) -> None:
    """Remove the pid file if it is still this process's (a newer agent may have replaced it)."""
    if read_pid(state_dir) == os.getpid():
        with contextlib.suppress(OSError):
            (state_dir / PID_FILE).unlink()


def read_pid(state_dir: Path) -> int | None:
    try:
        pid = json.loads((state_dir / PID_FILE).read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        return None
    return pid if isinstance(pid, int) and pid > 0 else None


def is_agent_process(pid: int) -> bool:
    """Whether `pid` runs `tether agent run` (its /proc command line), so a stale pid file is never signalled."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    words = [os.path.basename(a.decode("utf-8", "replace")) for a in argv if a]
    if "agent" not in words or "run" not in words:
        return False
    return any("tether" in w for w in words[: words.index("agent")])


def agent_pid(state_dir: Path) -> int | None:
    """The pid of the agent running from `state_dir`, from its pid file, if that process is still it."""
    pid = read_pid(state_dir)
    return pid if pid is not None and is_agent_process(pid) else None
