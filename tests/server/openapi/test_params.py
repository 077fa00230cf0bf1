"""OpenAPI parameter decoding: `Name.N` lists, JSON structs and typed strings become tether's action bodies, and a
bad value is refused naming the parameter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.server.api.errors import ApiError
from tether.server.openapi.params import decode_form, merge, translate
from tether.server.openapi.shapes import ECS_SPECS, SERVICES

START = ECS_SPECS["StartTerminalSession"]


def refusal(fn: object) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn()  # type: ignore[operator]
    return err.value


@given(st.lists(st.from_regex(r"\Ami-[0-9a-f]{1,17}\Z"), min_size=1, max_size=100))
def test_indexed_lists_keep_their_order(ids: list[str]) -> None:
    params = {f"InstanceId.{n}": v for n, v in reversed(list(enumerate(ids, 1)))}
    assert translate("StartTerminalSession", START, params) == {"InstanceId": ids}


def test_types_are_decoded_and_common_parameters_dropped() -> None:
    params = {"InstanceId.1": "mi-1", "PortNumber": "22", "TargetServer": "db", "RegionId": "cn-hangzhou",
              "ClientToken": "t", "Action": "StartTerminalSession", "SignatureType": ""}
    assert translate("StartTerminalSession", START, params) == {
        "InstanceId": ["mi-1"], "PortNumber": 22, "TargetServer": "db"}
    settings = ECS_SPECS["ModifyCloudAssistantSettings"]
    body = translate("ModifyCloudAssistantSettings", settings, {
        "SettingType": "SessionManagerConfig", "SessionManagerConfig": '{"SessionManagerEnabled":true}'})
    assert body["SessionManagerConfig"] == {"SessionManagerEnabled": True}
    behaviour = ECS_SPECS["DescribeUserBusinessBehavior"]
    body = translate("DescribeUserBusinessBehavior", behaviour, {"statusKey": "sessionManagerStatus",
                                                                 "statusValue": "enabled"})
    assert body == {"StatusKey": "sessionManagerEnable"}
    assert translate("StartTerminalSession", START, {"InstanceId": '["mi-1"]'}) == {"InstanceId": ["mi-1"]}


@pytest.mark.parametrize(("params", "code", "named"), [
    ({"PortNumber": "twenty-two"}, "InvalidParameter", "PortNumber"),
    ({"PortNumber": "22.5"}, "InvalidParameter", "PortNumber"),
    ({"PasswordName": "x"}, "InvalidParameter.Unsupported", "PasswordName"),
    ({"EncryptionOptions.Enabled": "true"}, "InvalidParameter.Unsupported", "EncryptionOptions"),
    ({"Shell": "bash"}, "InvalidParameter.Unsupported", "Shell"),
    ({"InstanceId.1": "a", "InstanceId.3": "b"}, "InvalidParameter", "InstanceId"),
    ({"InstanceId.1": "a", "InstanceId": "b"}, "InvalidParameter.Duplicate", "InstanceId"),
])
def test_refusals_name_the_parameter(params: dict[str, str], code: str, named: str) -> None:
    error = refusal(lambda: translate("StartTerminalSession", START, params))
    assert (error.code, error.status) == (code, 400) and named in error.message


def test_settings_struct_must_be_a_json_object() -> None:
    settings = ECS_SPECS["ModifyCloudAssistantSettings"]
    error = refusal(lambda: translate("ModifyCloudAssistantSettings", settings, {"SessionManagerConfig": "[1]"}))
    assert "SessionManagerConfig" in error.message


def test_form_decoding_and_duplicates() -> None:
    assert decode_form("a=1+2&b=&c=%2B") == [("a", "1 2"), ("b", ""), ("c", "+")]
    assert refusal(lambda: merge([("a", "1")], [("a", "2")])).code == "InvalidParameter.Duplicate"
    assert refusal(lambda: decode_form("&".join(f"k{n}=v" for n in range(300)))).status == 400


def test_ram_specs_follow_the_actions_models() -> None:
    ram = SERVICES["2015-05-01"]
    body = translate("CreateUser", ram["CreateUser"], {"UserName": "alice", "DisplayName": "Alice"})
    assert body == {"UserName": "alice", "DisplayName": "Alice"}
    sts = SERVICES["2015-04-01"]
    body = translate("AssumeRole", sts["AssumeRole"], {"RoleArn": "acs:ram::1:role/r", "RoleSessionName": "s",
                                                       "DurationSeconds": "900"})
    assert body["DurationSeconds"] == 900
