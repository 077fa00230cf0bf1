"""The ECS OpenAPI dialect through Alibaba Cloud's own SDKs, unchanged, against a real server and agent.

The new SDK (alibabacloud_ecs20140526, V3 signature) and the old one (aliyun-python-sdk-core + -ecs, RPC signature)
each start a session, list it in their own models and end it; policies, signature failures and parameter errors
reach them the way they parse errors. The RAM and STS SDKs reach tether's RAM and STS actions the same way.
The server's certificate is always verified (`ca=` / `verify=`).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import ssl
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from support.stack import Stack

from tether.server.api.errors import ApiError
from tether.server.openapi.shapes import error_response

with warnings.catch_warnings():
    # aliyunsdkcore vendors six/urllib3/requests, which use APIs Python deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.auth.credentials import StsTokenCredential
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import RpcRequest
    from aliyunsdkcore.utils import parameter_helper
    from aliyunsdkecs.request.v20140526.DescribeCloudAssistantStatusRequest import DescribeCloudAssistantStatusRequest
    from aliyunsdkecs.request.v20140526.DescribeTerminalSessionsRequest import DescribeTerminalSessionsRequest
    from aliyunsdkecs.request.v20140526.EndTerminalSessionRequest import EndTerminalSessionRequest
    from aliyunsdkecs.request.v20140526.StartTerminalSessionRequest import StartTerminalSessionRequest

# the old SDK's vendored urllib3/six warn about deprecated Python APIs while it sends requests
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:aliyunsdkcore.*")

REGION = "cn-hangzhou"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455
# docs/policies.md's first example (what the browser console needs) and a policy for the CLI only
CONSOLE_POLICY = [
    {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"},
    {
        "Effect": "Allow",
        "Action": ["ecs:DescribeUserBusinessBehavior", "ecs:DescribeCloudAssistantStatus",
                   "ecs:ModifyCloudAssistantSettings"],
        "Resource": "*",
    },
]
CLI_POLICY = [{"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"}]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("openapi"))
    s.start_server()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def instance(stack: Stack) -> str:
    return stack.add_agent()


def endpoint(stack: Stack) -> str:
    return f"127.0.0.1:{stack.port}"


def new_sdk(stack: Stack, key_id: str | None = None, secret: str | None = None, token: str | None = None) -> Client:
    return Client(Config(
        access_key_id=key_id or stack.creds["access_key_id"],
        access_key_secret=secret or stack.creds["access_key_secret"],
        security_token=token,
        endpoint=endpoint(stack), protocol="HTTPS", region_id=REGION, ca=stack.creds["ca_cert"],
    ))


def old_sdk(stack: Stack, key_id: str | None = None, secret: str | None = None, token: str | None = None) -> AcsClient:
    key_id, secret = key_id or stack.creds["access_key_id"], secret or stack.creds["access_key_secret"]
    if token is not None:
        return AcsClient(region_id=REGION, credential=StsTokenCredential(key_id, secret, token),
                         verify=stack.creds["ca_cert"], auto_retry=False)
    return AcsClient(key_id, secret, REGION, verify=stack.creds["ca_cert"], auto_retry=False)


def old_call(stack: Stack, client: AcsClient, request: RpcRequest) -> dict[str, Any]:
    request.set_endpoint(endpoint(stack))
    request.set_protocol_type("https")
    try:
        return json.loads(client.do_action_with_exception(request))  # type: ignore[no-any-return]
    finally:
        client.session.close()  # its pooled connection would otherwise be closed by the garbage collector


def client_error(fn: Any) -> ClientException:
    with pytest.raises(ClientException) as err:
        fn()
    return err.value


def server_error(fn: Any) -> ServerException:
    with pytest.raises(ServerException) as err:
        fn()
    return err.value


def make_user(stack: Stack, name: str, statements: list[dict[str, Any]]) -> tuple[str, str]:
    stack.api("CreateUser", {"UserName": name})
    document = json.dumps({"Version": "1", "Statement": statements})
    stack.api("CreatePolicy", {"PolicyName": f"{name}-policy", "PolicyDocument": document})
    stack.api("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": f"{name}-policy", "UserName": name})
    key = stack.api("CreateAccessKey", {"UserName": name})["AccessKey"]
    return key["AccessKeyId"], key["AccessKeySecret"]


def upgrade_answers(url: str, ca_cert: str) -> int:
    """Dial a WebSocketUrl as a client would (TLS verified against the CA); the upgrade's HTTP status (101 when it
    is accepted, with the Sec-WebSocket-Accept RFC 6455 asks for)."""
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    context = ssl.create_default_context(cafile=ca_cert)
    connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, context=context, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"})
        response = connection.getresponse()
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        assert response.status != 101 or response.headers["Sec-WebSocket-Accept"] == accept
        return response.status
    finally:
        connection.close()


def audit_detail(stack: Stack, request_id: str, event: str = "StartTerminalSession") -> str | None:
    events = stack.api("LookupEvents", {"EventName": event, "MaxResults": 100})["Events"]
    found = [e for e in events if e["RequestId"] == request_id]
    assert found, request_id
    return found[0]["Detail"]  # type: ignore[no-any-return]


def test_new_sdk_starts_lists_and_ends_a_session(stack: Stack, instance: str) -> None:
    client = new_sdk(stack)
    started = client.start_terminal_session(ecs.StartTerminalSessionRequest(region_id=REGION, instance_id=[instance]))
    body = started.body
    assert body.session_id.startswith("s-") and body.web_socket_url.startswith("wss://127.0.0.1:")
    assert body.security_token and body.security_token in body.web_socket_url
    listed = client.describe_terminal_sessions(ecs.DescribeTerminalSessionsRequest(
        region_id=REGION, session_id=body.session_id)).body
    (session,) = listed.sessions.session
    assert session.session_id == body.session_id and session.identity_type == "Account"
    assert session.connections.connection[0].instance_id == instance
    assert upgrade_answers(body.web_socket_url, stack.creds["ca_cert"]) == 101
    client.end_terminal_session(ecs.EndTerminalSessionRequest(region_id=REGION, session_id=body.session_id))
    after = client.describe_terminal_sessions(ecs.DescribeTerminalSessionsRequest(
        region_id=REGION, session_id=body.session_id)).body.sessions.session[0]
    assert after.connections.connection[0].status == "Disconnected" and after.connections.connection[0].end_time
    assert audit_detail(stack, body.request_id) == "via OpenAPI (V3 signature); login user tether-user"


def test_old_sdk_starts_lists_and_ends_a_session(stack: Stack, instance: str) -> None:
    client = old_sdk(stack)
    start = StartTerminalSessionRequest()
    start.set_InstanceIds([instance])
    started = old_call(stack, client, start)
    assert upgrade_answers(started["WebSocketUrl"], stack.creds["ca_cert"]) == 101
    describe = DescribeTerminalSessionsRequest()
    describe.set_SessionId(started["SessionId"])
    sessions = old_call(stack, client, describe)["Sessions"]["Session"]
    assert [s["SessionId"] for s in sessions] == [started["SessionId"]]
    end = EndTerminalSessionRequest()
    end.set_SessionId(started["SessionId"])
    assert set(old_call(stack, client, end)) == {"RequestId"}
    assert audit_detail(stack, started["RequestId"]) == "via OpenAPI (RPC signature); login user tether-user"


def test_old_sdk_port_forward_with_get(stack: Stack, instance: str) -> None:
    start = StartTerminalSessionRequest()
    start.set_method("GET")
    start.set_InstanceIds([instance])
    start.set_PortNumber(22)
    started = old_call(stack, old_sdk(stack), start)
    describe = DescribeTerminalSessionsRequest()
    describe.set_SessionId(started["SessionId"])
    (session,) = old_call(stack, old_sdk(stack), describe)["Sessions"]["Session"]
    assert session["PortNumber"] == 22 and session["TargetServer"] == "127.0.0.1"


def test_example_policies_through_the_sdks(stack: Stack, instance: str) -> None:
    console_key = make_user(stack, "console-user", CONSOLE_POLICY)
    cli_key = make_user(stack, "cli-user", CLI_POLICY)
    status = ecs.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=[instance])
    found = new_sdk(stack, *console_key).describe_cloud_assistant_status(status).body
    (row,) = found.instance_cloud_assistant_status_set.instance_cloud_assistant_status
    assert (row.instance_id, row.cloud_assistant_status, row.support_session_manager) == (instance, "true", True)
    behaviour = ecs.DescribeUserBusinessBehaviorRequest(region_id=REGION, status_key="sessionManagerStatus")
    assert new_sdk(stack, *console_key).describe_user_business_behavior(behaviour).body.status_value == "enabled"

    refused = client_error(lambda: new_sdk(stack, *cli_key).describe_cloud_assistant_status(status))
    assert (refused.status_code, refused.code) == (403, "Forbidden.RAM")
    assert "ecs:DescribeCloudAssistantStatus" in refused.message
    old = DescribeCloudAssistantStatusRequest()
    old.set_InstanceIds([instance])
    error = server_error(lambda: old_call(stack, old_sdk(stack, *cli_key), old))
    assert (error.get_http_status(), error.get_error_code()) == (403, "Forbidden.RAM")
    started = new_sdk(stack, *cli_key).start_terminal_session(
        ecs.StartTerminalSessionRequest(region_id=REGION, instance_id=[instance])).body
    new_sdk(stack).end_terminal_session(ecs.EndTerminalSessionRequest(region_id=REGION, session_id=started.session_id))


def test_settings_round_trip_through_the_new_sdk(stack: Stack) -> None:
    client = new_sdk(stack)

    def enabled() -> bool:
        found = client.describe_cloud_assistant_settings(ecs.DescribeCloudAssistantSettingsRequest(
            region_id=REGION, setting_type=["SessionManagerConfig"])).body
        return bool(found.session_manager_config.session_manager_enabled)

    def switch(on: bool) -> None:
        client.modify_cloud_assistant_settings(ecs.ModifyCloudAssistantSettingsRequest(
            region_id=REGION, setting_type="SessionManagerConfig",
            session_manager_config=ecs.ModifyCloudAssistantSettingsRequestSessionManagerConfig(
                session_manager_enabled=on)))

    assert enabled()
    switch(False)
    try:
        assert not enabled()
        behaviour = ecs.DescribeUserBusinessBehaviorRequest(region_id=REGION, status_key="sessionManagerStatus")
        assert client.describe_user_business_behavior(behaviour).body.status_value == "disabled"
    finally:
        switch(True)
    assert enabled()


def test_signature_failures_name_the_problem(stack: Stack, instance: str, monkeypatch: pytest.MonkeyPatch) -> None:
    status = ecs.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=[instance])
    wrong = client_error(lambda: new_sdk(stack, secret="not-the-secret").describe_cloud_assistant_status(status))
    assert wrong.code == "SignatureDoesNotMatch" and ":" in wrong.message
    old = DescribeCloudAssistantStatusRequest()
    old.set_InstanceIds([instance])
    assert server_error(lambda: old_call(stack, old_sdk(stack, secret="nope"), old)).get_error_code() == \
        "SignatureDoesNotMatch"

    nonce = uuid.uuid4().hex
    monkeypatch.setattr(TeaUtils, "get_nonce", staticmethod(lambda: nonce))
    new_sdk(stack).describe_cloud_assistant_status(status)
    replayed = client_error(lambda: new_sdk(stack).describe_cloud_assistant_status(status))
    assert (replayed.status_code, replayed.code) == (401, "SignatureNonceUsed")
    old_nonce = str(uuid.uuid4())
    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: old_nonce)
    old_call(stack, old_sdk(stack), old)
    assert server_error(lambda: old_call(stack, old_sdk(stack), old)).get_error_code() == "SignatureNonceUsed"
    monkeypatch.undo()

    skewed = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    monkeypatch.setattr(TeaUtils, "get_timestamp", staticmethod(lambda: skewed))
    stale = client_error(lambda: new_sdk(stack).describe_cloud_assistant_status(status))
    assert stale.code == "InvalidTimeStamp.Expired"
    monkeypatch.setattr(parameter_helper, "get_iso_8061_date", lambda: skewed)
    assert server_error(lambda: old_call(stack, old_sdk(stack), old)).get_error_code() == "InvalidTimeStamp.Expired"


def test_sts_credentials_and_a_token_from_another_key(stack: Stack, instance: str) -> None:
    account = stack.api("GetCallerIdentity")["AccountId"]
    trust = {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{account}:root"]}}]}
    role = stack.api("CreateRole", {"RoleName": "sdk-role", "AssumeRolePolicyDocument": json.dumps(trust)})["Role"]
    document = json.dumps({"Version": "1", "Statement": CONSOLE_POLICY})
    stack.api("CreatePolicy", {"PolicyName": "sdk-role-policy", "PolicyDocument": document})
    stack.api("AttachPolicyToRole", {"PolicyType": "Custom", "PolicyName": "sdk-role-policy", "RoleName": "sdk-role"})
    first = stack.api("AssumeRole", {"RoleArn": role["Arn"], "RoleSessionName": "one"})["Credentials"]
    second = stack.api("AssumeRole", {"RoleArn": role["Arn"], "RoleSessionName": "two"})["Credentials"]
    status = ecs.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=[instance])
    sts = new_sdk(stack, first["AccessKeyId"], first["AccessKeySecret"], first["SecurityToken"])
    sts.describe_cloud_assistant_status(status)
    old = DescribeCloudAssistantStatusRequest()
    old.set_InstanceIds([instance])
    old_call(stack, old_sdk(stack, first["AccessKeyId"], first["AccessKeySecret"], first["SecurityToken"]), old)

    mixed = new_sdk(stack, first["AccessKeyId"], first["AccessKeySecret"], second["SecurityToken"])
    refused = client_error(lambda: mixed.describe_cloud_assistant_status(status))
    assert (refused.status_code, refused.code) == (401, "InvalidSecurityToken.Mismatch")
    old_mixed = old_sdk(stack, first["AccessKeyId"], first["AccessKeySecret"], second["SecurityToken"])
    assert server_error(lambda: old_call(stack, old_mixed, old)).get_error_code() == "InvalidSecurityToken.Mismatch"
    missing = new_sdk(stack, first["AccessKeyId"], first["AccessKeySecret"])
    assert client_error(lambda: missing.describe_cloud_assistant_status(status)).code == "InvalidSecurityToken.Missing"


def test_parameter_errors_name_the_parameter(stack: Stack, instance: str) -> None:
    start = StartTerminalSessionRequest()
    start.set_InstanceIds([instance])
    start.add_query_param("PortNumber", "twenty-two")
    error = server_error(lambda: old_call(stack, old_sdk(stack), start))
    assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidParameter")
    assert "PortNumber" in error.get_error_msg()

    client = new_sdk(stack)
    refused = client_error(lambda: client.start_terminal_session(ecs.StartTerminalSessionRequest(
        region_id=REGION, instance_id=[instance], password_name="admin-password")))
    assert (refused.status_code, refused.code) == (400, "InvalidParameter.Unsupported")
    assert "PasswordName" in refused.message
    refused = client_error(lambda: client.start_terminal_session(ecs.StartTerminalSessionRequest(
        region_id=REGION, instance_id=[instance],
        encryption_options=ecs.StartTerminalSessionRequestEncryptionOptions(enabled=True, mode="Auto"))))
    assert refused.code == "InvalidParameter.Unsupported" and "EncryptionOptions" in refused.message
    refused = client_error(lambda: client.start_terminal_session(ecs.StartTerminalSessionRequest(
        region_id=REGION, instance_id=[instance], port_number=70000)))
    assert refused.status_code == 400 and "PortNumber" in refused.message
    refused = client_error(lambda: client.start_terminal_session(ecs.StartTerminalSessionRequest(region_id=REGION)))
    assert (refused.code, refused.status_code) == ("MissingParameter", 400) and "InstanceId" in refused.message


def _raw(stack: Stack, method: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
         query: str | None = None, **params: str) -> tuple[int, dict[str, Any]]:
    """An unsigned request to `/`: the status and (for anything but a redirect) the JSON body."""
    context = ssl.create_default_context(cafile=stack.creds["ca_cert"])
    connection = http.client.HTTPSConnection("127.0.0.1", stack.port, context=context, timeout=10)
    text = query if query is not None else urlencode(params)
    try:
        connection.request(method, "/?" + text if text else "/", body=body, headers=headers or {})
        response = connection.getresponse()
        text = response.read()
        return response.status, (json.loads(text) if response.status != 302 else {})
    finally:
        connection.close()


def test_every_answer_on_root_is_openapi_json(stack: Stack) -> None:
    assert _raw(stack, "GET")[0] == 302  # the console, as before
    for (got, body), status, code in [
        (_raw(stack, "POST", Action="NoSuchAction", Version="2014-05-26"), 404, "InvalidAction.NotFound"),
        (_raw(stack, "POST", Action="CreateActivation", Version="2014-05-26"), 404, "InvalidAction.NotFound"),
        (_raw(stack, "PUT", Action="StartTerminalSession"), 405, "UnsupportedHTTPMethod"),
        (_raw(stack, "GET", Action="StartTerminalSession", Version="2013-01-10"), 400, "InvalidVersion"),
        (_raw(stack, "POST", Action="StartTerminalSession", Version="2014-05-26"), 401, "MissingAuthorization"),
        (_raw(stack, "POST", Action="StartTerminalSession", Version="2015-05-01"), 404, "InvalidAction.NotFound"),
        (_raw(stack, "POST", headers={"Authorization": "ACS3-HMAC-SHA256 junk"}, Action="StartTerminalSession"),
         400, "MissingParameter.Action"),
        (_raw(stack, "POST", headers={"Authorization": "ACS3-HMAC-SHA256 junk", "x-acs-action": "EndTerminalSession",
                                      "x-acs-version": "2014-05-26"}), 401, "InvalidAuthorization"),
        (_raw(stack, "POST", query="&".join(f"P{n}=v" for n in range(300))), 400, "InvalidParameter"),
        (_raw(stack, "POST", query="Action=EndTerminalSession&Action=StartTerminalSession"), 400,
         "InvalidParameter.Duplicate"),
        (_raw(stack, "POST", headers={"Content-Type": "application/json"}, body=b'{"Action": "x"}',
              Action="EndTerminalSession", Version="2014-05-26"), 400, "InvalidParameter.Body"),
        (_raw(stack, "POST", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"\xff\xfe=1",
              Action="EndTerminalSession", Version="2014-05-26"), 400, "InvalidParameter.Body"),
    ]:
        assert (got, body["Code"]) == (status, code), body
        assert set(body) == {"Code", "Message", "RequestId", "HostId", "Recommend"}
        assert all(isinstance(v, str) and v for v in body.values())


def test_throttling_carries_x_acs_retry_after() -> None:
    error = ApiError("Throttling.User", "Too many requests.", 429, headers={"Retry-After": "7"})
    response = error_response(error, "req-1", "relay.example:8443")
    assert response.status == 429 and response.headers["x-acs-retry-after"] == "7"
    body = json.loads(response.text or "")
    assert body["HostId"] == "relay.example:8443" and body["Code"] == "Throttling.User"


def _service_config(stack: Stack, key_id: str | None = None, secret: str | None = None,
                    token: str | None = None) -> Config:
    return Config(access_key_id=key_id or stack.creds["access_key_id"],
                  access_key_secret=secret or stack.creds["access_key_secret"], security_token=token,
                  endpoint=endpoint(stack), protocol="HTTPS", region_id=REGION, ca=stack.creds["ca_cert"])


def test_ram_and_sts_sdks_reach_tethers_ram_and_sts(stack: Stack, instance: str) -> None:
    admin = RamClient(_service_config(stack))
    user = admin.create_user(ram.CreateUserRequest(user_name="sdk-made", display_name="Made by SDK")).body.user
    assert (user.user_name, user.display_name) == ("sdk-made", "Made by SDK")
    document = json.dumps({"Version": "1", "Statement": CONSOLE_POLICY})
    admin.create_policy(ram.CreatePolicyRequest(policy_name="sdk-made-policy", policy_document=document))
    admin.attach_policy_to_user(ram.AttachPolicyToUserRequest(
        policy_type="Custom", policy_name="sdk-made-policy", user_name="sdk-made"))
    key = admin.create_access_key(ram.CreateAccessKeyRequest(user_name="sdk-made")).body.access_key
    names = [u.user_name for u in admin.list_users(ram.ListUsersRequest()).body.users.user]
    assert "sdk-made" in names
    status = ecs.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=[instance])
    new_sdk(stack, key.access_key_id, key.access_key_secret).describe_cloud_assistant_status(status)
    refused = client_error(lambda: RamClient(_service_config(stack, key.access_key_id, key.access_key_secret))
                           .create_user(ram.CreateUserRequest(user_name="not-allowed")))
    assert refused.code == "Forbidden.RAM"

    account = StsClient(_service_config(stack)).get_caller_identity().body.account_id
    trust = {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{account}:root"]}}]}
    role = admin.create_role(ram.CreateRoleRequest(
        role_name="sdk-made-role", assume_role_policy_document=json.dumps(trust))).body.role
    admin.attach_policy_to_role(ram.AttachPolicyToRoleRequest(
        policy_type="Custom", policy_name="sdk-made-policy", role_name="sdk-made-role"))
    creds = StsClient(_service_config(stack)).assume_role(sts.AssumeRoleRequest(
        role_arn=role.arn, role_session_name="from-sdk", duration_seconds=900)).body.credentials
    assert creds.access_key_id.startswith("STS.")
    temporary = StsClient(_service_config(stack, creds.access_key_id, creds.access_key_secret, creds.security_token))
    identity = temporary.get_caller_identity().body
    assert identity.identity_type == "AssumedRoleUser" and identity.arn.endswith("sdk-made-role/from-sdk")


def test_new_sdk_with_the_rpc_signature(stack: Stack, instance: str) -> None:
    config = _service_config(stack)
    config.signature_algorithm = "v2"
    client = Client(config)
    status = ecs.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=[instance])
    body = client.describe_cloud_assistant_status(status).body
    (row,) = body.instance_cloud_assistant_status_set.instance_cloud_assistant_status
    assert row.instance_id == instance
    assert audit_detail(stack, body.request_id, "DescribeCloudAssistantStatus") == "via OpenAPI (RPC signature)"
    wrong = _service_config(stack, secret="not-the-secret")
    wrong.signature_algorithm = "v2"
    assert client_error(lambda: Client(wrong).describe_cloud_assistant_status(status)).code == "SignatureDoesNotMatch"


def test_values_are_decoded_exactly_once(stack: Stack, instance: str) -> None:
    """Percent signs, plus signs, ampersands and non-ASCII text arrive as sent (and the signature still holds)."""
    command = "printf '%s 100%25 a+b & c=d é\\n' done"
    started = new_sdk(stack).start_terminal_session(ecs.StartTerminalSessionRequest(
        region_id=REGION, instance_id=[instance], command_line=command)).body
    old = StartTerminalSessionRequest()
    old.set_InstanceIds([instance])
    old.set_CommandLine(command)
    old_started = old_call(stack, old_sdk(stack), old)
    for session_id in (started.session_id, old_started["SessionId"]):
        (row,) = stack.api("DescribeTerminalSessions", {"SessionId": session_id})["Sessions"]
        assert row["CommandLine"] == command
        stack.api("EndTerminalSession", {"SessionId": session_id})
