"""The Cloud Assistant agent's signed HTTP requests under `/luban/api/`.

Every one is authenticated first (tether/server/assist/signed.py) and counts as a sign of life, noted like a
heartbeat in the node's batched presence writer when this node holds the instance's notify socket (presence.seen;
no transaction per request: with thousands of agents each calls several endpoints a minute). Only the session
endpoints carry meaning for tether; the agent's other periodic calls get the answers that keep it content:
- `heart-beat` -> `{"nextInterval": ms}`, 55-65 s with jitter (the agent ignores values outside that range); the
  instance's liveness between heart-beats comes from its notify socket (tether/server/assist/notify.py);
- `v1/update/update_check` -> `{"need_update": 0}`: tether never updates the agent;
- `v1/task/list`, `metrics`, `v1/exception/client_report` (and the other task reports) -> `{"code": 200}`;
- `v1/session/list?channelId=` -> the channel's entry, only if it is one of *this* instance's channels;
- `v1/session/status?channelId=&status=&errorcode=` -> noted on the channel (the session's end reason);
- `instance/deregister` (`aliyun-service --unregister`) -> the instance is deregistered as with DeregisterInstance.
"""

from __future__ import annotations

import logging
import re
import secrets

from aiohttp import web

from tether.server import presence
from tether.server.assist.service import SERVICE_KEY
from tether.server.assist.signed import LubanError, authenticate
from tether.server.clock import utcnow
from tether.server.logs import printable
from tether.server.state import get_state
from tether.store import Instance

log = logging.getLogger(__name__)

HEARTBEAT_MS = (55_000, 65_000)
STATUS_VALUES = {"Success", "Failed"}
ERRORCODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


async def _signed(request: web.Request) -> Instance:
    state = get_state(request)
    instance = await authenticate(state, request)
    presence.seen(state, instance.id)
    return instance


def _ok(_request: web.Request) -> web.Response:
    return web.json_response({"code": 200})


async def heartbeat(request: web.Request) -> web.Response:
    try:
        instance = await _signed(request)
    except LubanError as error:
        return error.response()
    version = request.query.get("app_version", "")
    if version and len(version) <= 64 and version != instance.agent_version:
        state = get_state(request)
        facts = {"hostname": instance.hostname, "os_type": instance.os_type, "os_name": instance.os_name}
        node = instance.connected_node  # only while its notify socket is held somewhere: this marks no connection
        if presence.updated(state, instance.id, **facts, agent_version=version):
            pass  # this node holds the socket: the new version goes with the next presence batch
        elif node is not None:  # another node holds it: one write per upgrade, not per request
            await state.instances.mark_connected(
                instance.id,
                node=node,
                hostname=instance.hostname,
                os_type=instance.os_type,
                os_name=instance.os_name,
                agent_version=version,
                now=utcnow(),
            )
    return _next_interval()


def _next_interval() -> web.Response:
    low, high = HEARTBEAT_MS
    return web.json_response({"code": 200, "nextInterval": low + secrets.randbelow(high - low + 1)})


async def update_check(request: web.Request) -> web.Response:
    try:
        await _signed(request)
    except LubanError as error:
        return error.response()
    return web.json_response({"code": 200, "need_update": 0})


async def acknowledge(request: web.Request) -> web.Response:
    try:
        await _signed(request)
    except LubanError as error:
        return error.response()
    return _ok(request)


def _channel_id(request: web.Request) -> str:
    channel_id = request.query.get("channelId", "")
    if not 0 < len(channel_id) <= 32:
        raise LubanError("InvalidParameter.ChannelId", "channelId must be 1..32 characters")
    return channel_id


async def session_list(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    try:
        instance = await _signed(request)
        channel = service.table.of_instance(_channel_id(request), instance.id)
    except LubanError as error:
        return error.response()
    if channel is None:
        log.info(
            "instance %s asked for channel %s, which is not its own",
            instance.id,
            printable(request.query.get("channelId")),
        )
        return web.json_response({"code": 200, "session": []})
    return web.json_response({"code": 200, "session": [channel.entry]})


async def session_status(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    try:
        instance = await _signed(request)
        channel_id = _channel_id(request)
        status, errorcode = request.query.get("status", ""), request.query.get("errorcode", "")
        if status not in STATUS_VALUES or not ERRORCODE.fullmatch(errorcode):
            raise LubanError("InvalidParameter.Status", "status is Success or Failed, errorcode a short word")
    except LubanError as error:
        return error.response()
    channel = service.table.of_instance(channel_id, instance.id)
    if channel is not None:
        channel.report(status, errorcode)
        log.info("channel %s of %s: the agent reports %s/%s", channel_id, instance.id, status, errorcode)
    return _ok(request)


async def deregister(request: web.Request) -> web.Response:
    state = get_state(request)
    try:
        instance = await authenticate(state, request)
    except LubanError as error:
        return error.response()
    if await state.instances.deregister(instance.id) is not None:
        await state.activations.count_deregistration(instance.activation_id)
        await state.router.disconnect(instance, "InvalidInstance.NotFound", "this instance was deregistered")
        log.info("Cloud Assistant instance %s deregistered itself", instance.id)
    return _ok(request)
