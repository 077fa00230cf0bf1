"""Policy documents: what parses, its canonical form, and every refusal pointing at the statement and field to fix."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.auth.policy import AuthzRequest, PolicyError, evaluate, parse_policy
from tether.auth.policy.document import MAX_DOCUMENT_BYTES, MAX_STATEMENTS

EXAMPLE_START = (
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:StartTerminalSession","Resource":"*"},\n'
    ' {"Effect":"Allow","Action":["ecs:DescribeUserBusinessBehavior","ecs:DescribeCloudAssistantStatus",'
    '"ecs:ModifyCloudAssistantSettings"],"Resource":"*"}]}'
)
INSTANCE = "acs:ecs:cn-hangzhou:1234567890:instance/mi-0123456789abcdef0"


def statement(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Effect": "Allow", "Action": "ecs:StartTerminalSession", "Resource": "*"}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def policy(*statements: Any) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def refusal(document: Any) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(document)
    return info.value


def test_issue_example_parses_and_grants() -> None:
    document = parse_policy(EXAMPLE_START)
    for action in ("ecs:StartTerminalSession", "ecs:DescribeCloudAssistantStatus", "ecs:ModifyCloudAssistantSettings"):
        decision = evaluate([("AllowSessions", document)], AuthzRequest(action, INSTANCE, {}))
        assert decision.allowed, action
    assert not evaluate([("AllowSessions", document)], AuthzRequest("ecs:DeregisterInstance", INSTANCE, {})).allowed


def test_all_input_forms_agree() -> None:
    text = parse_policy(EXAMPLE_START).source
    assert parse_policy(EXAMPLE_START.encode()).source == text
    assert parse_policy(json.loads(EXAMPLE_START)).source == text
    assert parse_policy("\ufeff" + EXAMPLE_START).source == text


def test_canonical_source() -> None:
    document = parse_policy(
        policy(
            statement(
                Sid="ops",
                Condition={"Bool": {"acs:SecureTransport": True}, "NumericLessThan": {"ecs:PortNumber": 1024.50}},
            )
        )
    )
    assert document.source == {
        "Version": "1",
        "Statement": [
            {
                "Sid": "ops",
                "Effect": "Allow",
                "Action": ["ecs:StartTerminalSession"],
                "Resource": ["*"],
                "Condition": {
                    "Bool": {"acs:SecureTransport": ["true"]},
                    "NumericLessThan": {"ecs:PortNumber": ["1024.5"]},
                },
            }
        ],
    }
    again = parse_policy(json.dumps(document.source))
    assert again.source == document.source


def test_json_numbers_keep_their_digits() -> None:
    document = parse_policy(
        '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",'
        '"Condition":{"NumericEquals":{"n":[0.1, 10, 1e3]}}}]}'
    )
    assert document.source["Statement"][0]["Condition"]["NumericEquals"]["n"] == ["0.1", "10", "1E+3"]


def test_limits_are_inclusive() -> None:
    assert len(parse_policy(policy(*[statement()] * MAX_STATEMENTS)).statements) == MAX_STATEMENTS
    text = EXAMPLE_START + " " * (MAX_DOCUMENT_BYTES - len(EXAMPLE_START))
    assert len(text.encode()) == MAX_DOCUMENT_BYTES
    parse_policy(text)
    error = refusal(text + " ")
    assert (error.statement, error.field) == (None, None)
    assert "limit" in error.message


def test_wildcard_and_empty_scope_arns_are_valid() -> None:
    parse_policy(
        policy(
            statement(
                Resource=[
                    "acs:ecs:*:*:instance/*",
                    "acs:ram::1234567890:role/ops",
                    "acs:ecs:cn-?:1234567890:instance/mi-0*",
                    "acs:*:*:*:*",
                    "acs:ecs:cn:1:instance/a:b/c",
                ]
            )
        )
    )


# (document, statement, field, fragment of the message)
INVALID: list[tuple[str, Any, int | None, str | None, str]] = [
    ("non-json", "{not json", None, None, "not valid JSON"),
    ("truncated", EXAMPLE_START[:-3], None, None, "not valid JSON"),
    ("nan", '{"Version":"1","Statement":[],"x":NaN}', None, None, "NaN"),
    ("not utf-8", b'{"Version":"\xff"}', None, None, "UTF-8"),
    ("nested too deep", "[" * 60_000 + "]" * 60_000, None, None, "not valid JSON"),
    ("1 MB", json.dumps(policy(statement(Sid="x" * (1 << 20)))), None, None, "limit"),
    ("1 MB dict", policy(statement(Sid="x" * (1 << 20))), None, None, "limit"),
    ("not an object", "[]", None, None, "must be an object"),
    ("not a dict", 42, None, None, "JSON text or a dict"),
    ("dict with a set", {"Version": "1", "Statement": {1, 2}}, None, None, "not plain JSON"),
    ("unknown top key", {"Version": "1", "Statement": [statement()], "Id": "x"}, None, "Id", "unknown key"),
    ("missing version", {"Statement": [statement()]}, None, "Version", "required"),
    ("bad version", {"Version": "2012-10-17", "Statement": [statement()]}, None, "Version", '"1"'),
    ("numeric version", {"Version": 1, "Statement": [statement()]}, None, "Version", "a number"),
    ("missing statement", {"Version": "1"}, None, "Statement", "required"),
    ("statement object", {"Version": "1", "Statement": statement()}, None, "Statement", "must be a list"),
    ("empty statement", policy(), None, "Statement", "at least one"),
    ("101 statements", policy(*[statement()] * (MAX_STATEMENTS + 1)), None, "Statement", "limit"),
    ("statement not object", policy(statement(), "Allow"), 1, None, "must be an object"),
    ("unknown statement key", policy(statement(NotAction="ecs:*")), 0, "NotAction", "unsupported key"),
    ("principal", policy(statement(Principal="*")), 0, "Principal", "unsupported key"),
    ("missing effect", policy({"Action": "*", "Resource": "*"}), 0, "Effect", "required"),
    ("missing action", policy({"Effect": "Allow", "Resource": "*"}), 0, "Action", "required"),
    ("missing resource", policy({"Effect": "Allow", "Action": "*"}), 0, "Resource", "required"),
    ("unknown effect", policy(statement(), statement(Effect="allow")), 1, "Effect", "'allow'"),
    ("effect list", policy(statement(Effect=["Allow"])), 0, "Effect", "a list"),
    ("action number", policy(statement(Action=5)), 0, "Action", "a number"),
    ("action empty list", policy(statement(Action=[])), 0, "Action", "empty list"),
    ("action item type", policy(statement(Action=["ecs:A", None])), 0, "Action[1]", "null"),
    ("action no service", policy(statement(Action="StartTerminalSession")), 0, "Action", "service:Action"),
    ("action with space", policy(statement(Action=["ecs:A", "ecs:Start Session"])), 0, "Action[1]", "not an action"),
    ("action empty", policy(statement(Action="")), 0, "Action", "not an action"),
    ("resource object", policy(statement(Resource={"arn": "*"})), 0, "Resource", "an object"),
    ("resource not arn", policy(statement(Resource="mi-0123")), 0, "Resource", "acs:<service>"),
    ("arn scheme case", policy(statement(Resource="ACS:ecs:*:*:instance/x")), 0, "Resource", "not a resource"),
    ("arn too short", policy(statement(Resource=["*", "acs:ecs:*:instance/x"])), 0, "Resource[1]", "not a resource"),
    ("arn empty resource", policy(statement(Resource="acs:ecs:*:*:")), 0, "Resource", "not a resource"),
    ("arn empty service", policy(statement(Resource="acs::*:*:x")), 0, "Resource", "not a resource"),
    ("arn whitespace", policy(statement(Resource="acs:ecs:*:*:instance/a b")), 0, "Resource", "not a resource"),
    ("arn scheme wildcard", policy(statement(Resource="acs*")), 0, "Resource", "not a resource"),
    ("sid type", policy(statement(Sid=3)), 0, "Sid", "string"),
    ("condition list", policy(statement(Condition=[])), 0, "Condition", "must be an object"),
    ("condition empty", policy(statement(Condition={})), 0, "Condition", "leave Condition out"),
    (
        "unknown operator",
        policy(statement(), statement(), statement(Condition={"StringEq": {"a": "b"}})),
        2,
        "Condition",
        "unknown operator 'StringEq'",
    ),
    ("operator case", policy(statement(Condition={"stringequals": {"a": "b"}})), 0, "Condition", "unknown operator"),
    ("operator body", policy(statement(Condition={"Bool": "true"})), 0, "Condition.Bool", "must be an object"),
    ("operator empty", policy(statement(Condition={"Bool": {}})), 0, "Condition.Bool", "at least one"),
    (
        "value null",
        policy(statement(Condition={"StringEquals": {"ecs:Username": None}})),
        0,
        "Condition.StringEquals.ecs:Username",
        "null",
    ),
    (
        "value object",
        policy(statement(Condition={"StringEquals": {"ecs:Username": [{"a": 1}]}})),
        0,
        "Condition.StringEquals.ecs:Username",
        "an object",
    ),
    (
        "value empty list",
        policy(statement(Condition={"StringEquals": {"ecs:Username": []}})),
        0,
        "Condition.StringEquals.ecs:Username",
        "empty list",
    ),
    ("empty key", policy(statement(Condition={"StringEquals": {"": "x"}})), 0, "Condition.StringEquals.", "key"),
    (
        "bad cidr",
        policy(statement(Condition={"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "10.0.0.300"]}})),
        0,
        "Condition.IpAddress.acs:SourceIp",
        "'10.0.0.300' is not an IP address",
    ),
    (
        "bad prefix",
        policy(statement(Condition={"NotIpAddress": {"acs:SourceIp": "10.0.0.0/33"}})),
        0,
        "Condition.NotIpAddress.acs:SourceIp",
        "CIDR",
    ),
    (
        "bad date",
        policy(statement(Condition={"DateLessThan": {"acs:CurrentTime": "next tuesday"}})),
        0,
        "Condition.DateLessThan.acs:CurrentTime",
        "ISO 8601",
    ),
    (
        "naive date",
        policy(statement(Condition={"DateGreaterThan": {"acs:CurrentTime": "2026-01-01T00:00:00"}})),
        0,
        "Condition.DateGreaterThan.acs:CurrentTime",
        "offset",
    ),
    (
        "not a number",
        policy(statement(Condition={"NumericLessThan": {"ecs:PortNumber": "22/tcp"}})),
        0,
        "Condition.NumericLessThan.ecs:PortNumber",
        "not a number",
    ),
    (
        "boolean number",
        policy(statement(Condition={"NumericEquals": {"ecs:PortNumber": "Infinity"}})),
        0,
        "Condition.NumericEquals.ecs:PortNumber",
        "not a number",
    ),
    (
        "not a bool",
        policy(statement(Condition={"Bool": {"acs:SecureTransport": "yes"}})),
        0,
        "Condition.Bool.acs:SecureTransport",
        "true or false",
    ),
    (
        "bool from number",
        policy(statement(Condition={"Bool": {"acs:SecureTransport": 1}})),
        0,
        "Condition.Bool.acs:SecureTransport",
        "true or false",
    ),
]


@pytest.mark.parametrize(
    ("document", "statement_index", "field", "fragment"),
    [row[1:] for row in INVALID],
    ids=[row[0] for row in INVALID],
)
def test_invalid(document: Any, statement_index: int | None, field: str | None, fragment: str) -> None:
    error = refusal(document)
    assert (error.statement, error.field) == (statement_index, field)
    assert fragment in error.message
    assert isinstance(error, ValueError)


# Duplicate keys are REFUSED wherever they appear: parsers disagree on which one wins, so accepting them would let a
# policy mean different things to different tools.
DUPLICATES = [
    ('{"Version":"1","Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', None, "Version"),
    ('{"Version":"1","Statement":[{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}]}', 0, "Effect"),
    (
        '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",'
        '"Condition":{"Bool":{"k":"true"},"Bool":{"k":"false"}}}]}',
        0,
        "Condition.Bool",
    ),
    (
        '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",'
        '"Condition":{"StringEquals":{"k":"a","k":"b"}}}]}',
        0,
        "Condition.StringEquals.k",
    ),
]


@pytest.mark.parametrize(("text", "statement_index", "field"), DUPLICATES)
def test_duplicate_keys_are_refused(text: str, statement_index: int | None, field: str) -> None:
    error = refusal(text)
    assert (error.statement, error.field) == (statement_index, field)
    assert "duplicate key" in error.message


def test_keys_differing_in_case_are_both_conditions() -> None:
    document = parse_policy(policy(statement(Condition={"StringEquals": {"ecs:Username": "a", "ECS:USERNAME": "b"}})))
    assert len(document.statements[0].conditions) == 2  # both must hold: a request can never satisfy this one


def test_error_text_points_at_statement_and_field() -> None:
    error = refusal(policy(statement(), statement(), statement(Condition={"StringEq": {"a": "b"}})))
    assert str(error).startswith("Statement[2].Condition: unknown operator 'StringEq'")
    assert "did you mean 'StringEquals'" in str(error)
    assert str(refusal({"Statement": [statement()]})).startswith("Version: ")
    assert str(refusal("{")).startswith("not valid JSON")
    bad_ip = refusal(policy(statement(Condition={"IpAddress": {"acs:SourceIp": "x"}})))
    assert str(bad_ip).startswith("Statement[0].Condition.IpAddress.acs:SourceIp: 'x' is not")


def test_error_survives_pickling() -> None:
    error = refusal(policy(statement(Effect="Maybe")))
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.statement, copy.field, str(copy)) == (
        error.message,
        error.statement,
        error.field,
        str(error),
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["Version", "Statement", "Effect", "Action", "Resource", "Condition", "Sid", "x"])
near_policies = st.fixed_dictionaries(
    {"Version": st.sampled_from(["1", 1, "2"]), "Statement": st.lists(st.dictionaries(keys, json_values), max_size=3)}
)


@given(st.one_of(json_values, near_policies))
def test_arbitrary_json_only_raises_policy_error(value: Any) -> None:
    for form in (value, json.dumps(value)):
        try:
            parse_policy(form)
        except PolicyError:
            pass


@given(st.text(max_size=200) | st.binary(max_size=200))
def test_arbitrary_text_only_raises_policy_error(text: str | bytes) -> None:
    try:
        parse_policy(text)
    except PolicyError:
        pass
