"""Facts about this machine that the agent reports at registration and in every control-channel hello."""

from __future__ import annotations

import platform
import socket
from pathlib import Path

OS_RELEASE_FILES = (Path("/etc/os-release"), Path("/usr/lib/os-release"))


def hostname() -> str:
    return socket.gethostname()


def os_type() -> str:
    """`linux`, `darwin`, ...: the lower-case kernel name, as the API's `OsType` expects."""
    return platform.system().lower() or "unknown"


def parse_os_release(text: str) -> dict[str, str]:
    """Parse os-release(5): `KEY=value` lines, values optionally quoted with shell-style escapes."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
            if line.partition("=")[2].strip().startswith('"'):
                for esc in ("\\\\", '\\"', "\\$", "\\`"):
                    value = value.replace(esc, esc[1])
        out[key.strip()] = value
    return out


def os_name(files: tuple[Path, ...] = OS_RELEASE_FILES) -> str:
    """`PRETTY_NAME` from os-release (e.g. "Debian GNU/Linux 12 (bookworm)"), else a platform description."""
    for path in files:
        try:
            info = parse_os_release(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        name = info.get("PRETTY_NAME") or " ".join(p for p in (info.get("NAME"), info.get("VERSION")) if p)
        if name:
            return name
    return f"{platform.system()} {platform.release()}".strip() or "unknown"
