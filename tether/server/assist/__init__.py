"""Alibaba's Cloud Assistant agent (`aliyun-service`) as a second kind of tether agent.

A machine running that agent, pointed at tether with `ALIYUN_ASSIST_SERVER_HOST=HOST:PORT` and registered with a
tether activation, is an instance like any other: the agent router reaches it through `AssistLink` (its
`notify_server` socket), and its sessions meet the client in the relay through `AssistBridge`, the agent-side
endpoint that translates its back-end frames. The modules, each one job:
- signed.py: the agent's request signature checked against the store (TLS, timestamp window, single-use ids);
- register.py: registration with a tether activation;
- endpoints.py: heart-beat, update check, session list and status, the agent's other periodic calls;
- notify.py: the notify socket as an AgentLink; service.py: the link, and sessions started through it;
- channels.py: the channels waiting for or served by the agent; bridge.py: the relay endpoint; backend.py: the
  data socket's handshake.
"""

from __future__ import annotations

from aiohttp import web

from tether.server.assist import backend, endpoints, notify, register
from tether.server.assist.service import SERVICE_KEY, AssistService
from tether.server.state import ServerState

API = "/luban/api"
ACKNOWLEDGED = (  # the agent's reports tether has no use for; answered {"code": 200}
    "/v1/task/list",
    "/metrics",
    "/v1/exception/client_report",
    "/v1/task/running",
    "/v1/task/finish",
    "/v1/task/stopped",
    "/v1/task/timeout",
    "/v1/task/error",
    "/v1/task/invalid",
    "/v1/task/verified",
    "/v1/plugin/list",
    "/v1/plugin/report_status",
    "/instance/put_inventory",
    "/instance/put_instance_state_report",
)


def add_routes(app: web.Application, state: ServerState) -> None:
    service = AssistService(state)
    app[SERVICE_KEY] = service
    app.router.add_post(f"{API}/instance/register", register.register)
    app.router.add_post(f"{API}/instance/deregister", endpoints.deregister)
    app.router.add_route("*", f"{API}/heart-beat", endpoints.heartbeat)
    app.router.add_route("*", f"{API}/v1/update/update_check", endpoints.update_check)
    app.router.add_route("*", f"{API}/v2/plugin/update_check", endpoints.update_check)
    for path in ACKNOWLEDGED:
        app.router.add_route("*", API + path, endpoints.acknowledge)
    app.router.add_route("*", f"{API}/v1/session/list", endpoints.session_list)
    app.router.add_route("*", f"{API}/v1/session/status", endpoints.session_status)
    app.router.add_get("/luban/notify_server", notify.notify_server)
    app.router.add_get("/luban/session/backend", backend.session_backend)

    async def cleanup(_app: web.Application) -> None:
        await service.close()

    app.on_cleanup.append(cleanup)
