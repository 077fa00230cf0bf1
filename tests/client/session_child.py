"""Runs one terminal session the way `tether session` does after StartTerminalSession; for the pexpect tests.

argv: URL CA_CERT [PIDFILE]. Exits with the session's exit code.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tether.auth.tls import client_ssl_context
from tether.client.terminal import SessionFailure, run_terminal_session


def main() -> int:
    url, ca = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        Path(sys.argv[3]).write_text(str(os.getpid()))
    try:
        return asyncio.run(run_terminal_session(url, ssl_context=client_ssl_context(ca), label="mi-test"))
    except SessionFailure as exc:
        print(f"tether: {exc}", file=sys.stderr)
        return 255


if __name__ == "__main__":
    sys.exit(main())
