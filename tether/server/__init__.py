"""The tether server: HTTP API, agent control channels and the relay that pairs data channels.

`start_server` / `run_server` in `tether.server.app` are the entry points; everything else is internal.
"""

from tether.server.app import AdminCredentials, RunningServer, run_server, start_server
from tether.server.config import ServerConfig, parse_listen

__all__ = ["AdminCredentials", "RunningServer", "ServerConfig", "parse_listen", "run_server", "start_server"]
