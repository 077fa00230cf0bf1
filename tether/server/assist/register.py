"""`POST /luban/api/instance/register`: the Cloud Assistant agent registers with a tether activation.

`aliyun-service --register --RegionId R --ActivationId ID --ActivationCode CODE` posts its machine facts and the
public half of the RSA-2048 key it generated; the activation is checked and counted by exactly the rules of
RegisterInstance (`claim_activation`), and the instance is stored as a Cloud Assistant instance with that key, its
machine id (part of what it signs) and `ecs-assist-user` with sudo as its default login user (what the agent runs a
session without a user name as), so policies see `ecs:Username`/`ecs:Sudo` exactly as for tether's agent.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from tether.auth.assist import parse_public_key
from tether.auth.tokens import new_id
from tether.server.api.activations import claim_activation
from tether.server.api.errors import ApiError, json_body
from tether.server.assist.service import DEFAULT_USER
from tether.server.assist.signed import LubanError, require_tls
from tether.server.clock import utcnow
from tether.server.logs import printable
from tether.server.state import get_state
from tether.store import AGENT_CLOUD_ASSISTANT, AgentIdentity

log = logging.getLogger(__name__)

LIMITS = {  # field -> longest accepted value
    "activationId": 64,
    "activationCode": 256,
    "machineId": 128,
    "regionId": 64,
    "instanceName": 128,
    "hostname": 255,
    "intranetIp": 64,
    "osVersion": 255,
    "osType": 32,
    "agentVersion": 64,
    "publicKey": 4096,
}
REQUIRED = ("activationId", "activationCode", "machineId", "publicKey")


def _fields(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        raise LubanError("InvalidParameter", "the body must be a JSON object")
    fields: dict[str, str] = {}
    for name, limit in LIMITS.items():
        value = body.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > limit:
            raise LubanError("InvalidParameter", f"{name} must be a string of at most {limit} characters")
        fields[name] = value
    missing = [name for name in REQUIRED if not fields[name]]
    if missing:
        raise LubanError("MissingParameter", f"missing {', '.join(missing)}")
    return fields


async def register(request: web.Request) -> web.Response:
    state = get_state(request)
    try:
        require_tls(request)
        try:
            fields = _fields(json_body(await request.read()))
        except ApiError as error:
            raise LubanError(error.code, error.message, error.status) from None
        try:
            public_key = parse_public_key(fields["publicKey"])
        except ValueError as exc:
            raise LubanError("InvalidPublicKey", str(exc)) from None
        now = utcnow()
        try:
            activation = await claim_activation(state, fields["activationId"], fields["activationCode"], now)
        except ApiError as error:
            raise LubanError(error.code, error.message, error.status) from None
        instance = await state.instances.create(
            instance_id=new_id("mi"),
            name=activation.instance_name or fields["instanceName"] or fields["hostname"],
            public_key="",  # no Ed25519 key: tether's control channel refuses this instance
            hostname=fields["hostname"],
            os_type=fields["osType"].lower(),
            os_name=fields["osVersion"],
            agent_version=fields["agentVersion"],
            activation_id=activation.id,
            now=now,
            identity=AgentIdentity(DEFAULT_USER, True),
            agent_kind=AGENT_CLOUD_ASSISTANT,
            assist_public_key=public_key,
            machine_id=fields["machineId"],
        )
    except LubanError as error:
        log.info("Cloud Assistant registration from %s refused: %s", printable(state.client_ip(request)), error.code)
        return error.response()
    log.info("Cloud Assistant agent %s registered as %s", printable(fields["hostname"]), instance.id)
    return web.json_response({"code": 200, "instanceId": instance.id})
