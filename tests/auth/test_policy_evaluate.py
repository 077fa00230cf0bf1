"""Decisions: default deny, Deny wins, what is reported as deciding, session-policy narrowing, and the laws that must
hold for any policy set (checked with hypothesis)."""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tether.auth.policy import AuthzRequest, Decision, PolicyDocument, evaluate, evaluate_with_boundary, parse_policy
from tether.auth.policy.evaluate import SESSION_POLICY

INSTANCE = "acs:ecs:cn-hangzhou:1234567890:instance/mi-0123456789abcdef0"
START = "ecs:StartTerminalSession"


def doc(*statements: dict[str, Any]) -> PolicyDocument:
    return _parse(json.dumps({"Version": "1", "Statement": list(statements)}))


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> PolicyDocument:
    """Hypothesis draws from small pools, so the same documents recur: parse each once."""
    return parse_policy(text)


def stmt(effect: str = "Allow", action: Any = "*", resource: Any = "*", condition: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"Effect": effect, "Action": action, "Resource": resource}
    if condition is not None:
        body["Condition"] = condition
    return body


def request(action: str = START, resource: str = INSTANCE, **context: str) -> AuthzRequest:
    return AuthzRequest(action, resource, {key.replace("_", ":"): value for key, value in context.items()})


def test_default_deny() -> None:
    assert evaluate([], request()) == Decision(False, "ImplicitDeny", None, None)
    assert evaluate([("p", doc(stmt(action="ecs:Describe*")))], request()).effect == "ImplicitDeny"


def test_allow_reports_policy_and_statement() -> None:
    policies = [("Readers", doc(stmt(action="ecs:Describe*"))), ("Operators", doc(stmt(action="x:y"), stmt()))]
    assert evaluate(policies, request()) == Decision(True, "Allow", "Operators", 1)


def test_deny_wins_and_is_reported() -> None:
    policies = [
        ("AdminAccess", doc(stmt())),
        (
            "NoRoot",
            doc(
                stmt(action="ecs:Describe*"), stmt("Deny", START, condition={"StringEquals": {"ecs:Username": "root"}})
            ),
        ),
    ]
    assert evaluate(policies, AuthzRequest(START, INSTANCE, {"ecs:Username": "root"})) == Decision(
        False, "Deny", "NoRoot", 1
    )
    assert evaluate(policies, AuthzRequest(START, INSTANCE, {"ecs:Username": "alice"})).allowed


def test_actions_are_case_insensitive_resources_are_not() -> None:
    policies = [("p", doc(stmt(action="ECS:startterminalsession", resource="acs:ecs:*:*:instance/mi-0123*")))]
    assert evaluate(policies, request("ecs:StartTerminalSession")).allowed
    assert evaluate(policies, request("EcS:STARTTERMINALSESSION")).allowed
    assert not evaluate(policies, request(resource=INSTANCE.replace("mi-", "MI-"))).allowed
    assert not evaluate(policies, request(resource=INSTANCE.replace("instance", "Instance"))).allowed


def test_action_wildcards() -> None:
    def allows(pattern: str, action: str) -> bool:
        return evaluate([("p", doc(stmt(action=pattern)))], request(action)).allowed

    assert allows("ecs:Start?erminalSession", START)
    assert not allows("ecs:Start?TerminalSession", START)
    assert allows("*:StartTerminalSession", START)
    assert allows("ecs:*", START)
    assert not allows("ecs:*", "ram:CreateUser")
    assert allows("ecs:*Session", "ecs:EndTerminalSession")
    assert not allows("ecs:Describe.nstances", "ecs:DescribeInstances")


def test_resource_wildcards_cross_separators() -> None:
    def allows(pattern: str, resource: str) -> bool:
        return evaluate([("p", doc(stmt(resource=pattern)))], request(resource=resource)).allowed

    assert allows("acs:ecs:*:*:*", INSTANCE.replace("cn-hangzhou", "a:b"))
    assert allows("acs:ecs:*:*:instance/*", INSTANCE)
    assert allows("acs:ecs:*:1234567890:*", INSTANCE)
    assert not allows("acs:ecs:*:123456789?:instance/mi-1*", INSTANCE)
    assert allows("acs:ecs:cn-hangzhou:1234567890:instance/mi-0123456789abcdef?", INSTANCE)
    assert not allows("acs:ecs:*:*:instance/mi.0123*", INSTANCE)


def test_many_distinct_actions_stay_correct() -> None:
    """The per-document memo is bounded; churning through more action names than it holds changes no answer."""
    document = doc(stmt(action="ecs:Describe*"), stmt("Deny", "ecs:DescribeSecret*"))
    for n in range(1500):
        assert evaluate([("p", document)], request(f"ecs:Describe{n}")).allowed
        assert not evaluate([("p", document)], request(f"ecs:DescribeSecret{n}")).allowed


def test_conditions_are_only_read_when_needed() -> None:
    """A context that is not a mapping is never touched when no statement with conditions is reached."""
    odd = AuthzRequest(START, INSTANCE, context=None)  # type: ignore[arg-type]
    assert evaluate([("p", doc(stmt()))], odd).allowed


# --- session policies ----------------------------------------------------------------------------------------------

ROLE = [("OpsRole", doc(stmt(action="ecs:*"), stmt("Deny", "ecs:DeregisterInstance")))]


def test_no_session_policy_is_plain_evaluation() -> None:
    assert evaluate_with_boundary(ROLE, None, request()) == evaluate(ROLE, request())


def test_session_policy_narrows() -> None:
    only_describe = doc(stmt(action="ecs:Describe*"))
    assert evaluate_with_boundary(ROLE, only_describe, request("ecs:DescribeInstances")) == Decision(
        True, "Allow", "OpsRole", 0
    )
    assert evaluate_with_boundary(ROLE, only_describe, request(START)) == Decision(
        False, "ImplicitDeny", SESSION_POLICY, None
    )


def test_session_policy_cannot_widen() -> None:
    everything = doc(stmt())
    assert evaluate_with_boundary(ROLE, everything, request("ram:CreateUser")) == Decision(False, "ImplicitDeny")
    assert evaluate_with_boundary(ROLE, everything, request("ecs:DeregisterInstance")) == Decision(
        False, "Deny", "OpsRole", 1
    )


def test_deny_in_session_policy_wins() -> None:
    session = doc(stmt(), stmt("Deny", START, condition={"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    outside = AuthzRequest(START, INSTANCE, {"acs:SourceIp": "192.0.2.1"})
    inside = AuthzRequest(START, INSTANCE, {"acs:SourceIp": "10.0.0.1"})
    assert evaluate_with_boundary(ROLE, session, outside) == Decision(False, "Deny", SESSION_POLICY, 1)
    assert evaluate_with_boundary(ROLE, session, inside).allowed
    assert evaluate_with_boundary([], session, outside) == Decision(False, "Deny", SESSION_POLICY, 1)


# --- laws --------------------------------------------------------------------------------------------------------

ACTIONS = ["*", "ecs:*", START, "ECS:starTTerminalsession", "ecs:Describe*", "ecs:Start?erminalSession", "*Session"]
RESOURCES = [
    "*",
    "acs:ecs:*:*:instance/*",
    "acs:ecs:cn:1:instance/mi-1",
    "acs:ecs:*:1:instance/mi-?",
    "acs:ecs:cn:*:*",
    "acs:ecs:*:2:instance/*",
]
CONDITIONS = [
    {"StringEquals": {"ecs:Username": "alice"}},
    {"StringNotEquals": {"ecs:Username": ["root"]}},
    {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
    {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
    {"Bool": {"acs:SecureTransport": True}},
    {"NumericLessThan": {"ecs:PortNumber": 1024}},
    {"StringLike": {"ecs:Username": "a*"}, "Bool": {"acs:SecureTransport": "true"}},
]

statements = st.builds(
    stmt,
    effect=st.sampled_from(["Allow", "Deny"]),
    action=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
    resource=st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2),
    condition=st.none() | st.sampled_from(CONDITIONS),
)
raw_policies = st.lists(st.lists(statements, min_size=1, max_size=5), max_size=4)
contexts = st.fixed_dictionaries(
    {},
    optional={
        "ecs:Username": st.sampled_from(["alice", "root", "bob"]),
        "acs:SourceIp": st.sampled_from(["10.1.2.3", "192.0.2.1"]),
        "acs:SecureTransport": st.sampled_from(["true", "false"]),
        "ecs:PortNumber": st.sampled_from(["22", "8080"]),
    },
)
requests = st.builds(
    AuthzRequest,
    action=st.sampled_from([START, "ecs:DescribeInstances", "ram:CreateUser", "ecs:EndTerminalSession"]),
    resource=st.sampled_from(
        ["acs:ecs:cn:1:instance/mi-1", "acs:ecs:cn:2:instance/mi-22", "acs:ecs:us:1:instance/mi-1"]
    ),
    context=contexts,
)


def compile_all(raw: list[list[dict[str, Any]]]) -> list[tuple[str, PolicyDocument]]:
    return [(f"p{n}", doc(*body)) for n, body in enumerate(raw)]


def outcome(raw: list[list[dict[str, Any]]], req: AuthzRequest) -> tuple[bool, str]:
    decision = evaluate(compile_all(raw), req)
    return decision.allowed, decision.effect


@given(raw_policies, requests, st.data())
def test_matching_deny_always_wins(raw: list[list[dict[str, Any]]], req: AuthzRequest, data: st.DataObject) -> None:
    deny = stmt("Deny", req.action, req.resource)
    raw = [*raw, []] if not raw else raw
    target = data.draw(st.integers(0, len(raw) - 1))
    position = data.draw(st.integers(0, len(raw[target])))
    raw[target] = [*raw[target][:position], deny, *raw[target][position:]]
    raw = [body for body in raw if body]
    assert outcome(raw, req) == (False, "Deny")


@given(raw_policies, requests, statements, st.data())
def test_adding_an_allow_never_removes_access(
    raw: list[list[dict[str, Any]]], req: AuthzRequest, extra: dict[str, Any], data: st.DataObject
) -> None:
    before = outcome(raw, req)
    extra = {**extra, "Effect": "Allow"}
    into_existing: bool = data.draw(st.booleans())
    if raw and into_existing:
        target = data.draw(st.integers(0, len(raw) - 1))
        raw = [[*body, extra] if n == target else body for n, body in enumerate(raw)]
    else:
        raw = [*raw, [extra]]
    after = outcome(raw, req)
    if before[0]:
        assert after[0]
    if before[1] == "Deny":
        assert after[1] == "Deny"


@given(raw_policies, requests, st.data())
def test_removing_a_deny_never_removes_access(
    raw: list[list[dict[str, Any]]], req: AuthzRequest, data: st.DataObject
) -> None:
    denies = [(p, s) for p, body in enumerate(raw) for s, statement in enumerate(body) if statement["Effect"] == "Deny"]
    if not denies:
        return
    p, s = data.draw(st.sampled_from(denies))
    before = outcome(raw, req)
    trimmed = [body[:s] + body[s + 1 :] if n == p else body for n, body in enumerate(raw)]
    after = outcome([body for body in trimmed if body], req)
    if before[0]:
        assert after[0]


@given(raw_policies, requests, st.lists(statements, min_size=1, max_size=5))
def test_policy_matching_nothing_never_grants(
    raw: list[list[dict[str, Any]]], req: AuthzRequest, body: list[dict[str, Any]]
) -> None:
    inert = [{**statement, "Action": "ecs:NeverCalled*"} for statement in body]
    assert not evaluate([("inert", doc(*inert))], req).allowed
    assert outcome([*raw, inert], req) == outcome(raw, req)


@given(raw_policies, requests, st.randoms(use_true_random=False))
def test_order_does_not_matter(raw: list[list[dict[str, Any]]], req: AuthzRequest, rnd: Any) -> None:
    policies = compile_all(raw)
    shuffled = [
        (name, parse_policy({"Version": "1", "Statement": rnd.sample(d.source["Statement"], len(d.statements))}))
        for name, d in policies
    ]
    rnd.shuffle(shuffled)
    first, second = evaluate(policies, req), evaluate(shuffled, req)
    assert (first.allowed, first.effect) == (second.allowed, second.effect)


@given(raw_policies, requests)
def test_reported_statement_decides_alone(raw: list[list[dict[str, Any]]], req: AuthzRequest) -> None:
    decision = evaluate(compile_all(raw), req)
    if decision.effect == "ImplicitDeny":
        assert (decision.policy, decision.statement) == (None, None)
        return
    assert decision.policy is not None and decision.statement is not None
    statement = raw[int(decision.policy[1:])][decision.statement]
    assert statement["Effect"] == decision.effect
    assert evaluate([("alone", doc(statement))], req).effect == decision.effect


@settings(max_examples=150)
@given(raw_policies, st.lists(statements, min_size=1, max_size=4), requests)
def test_boundary_is_both_must_allow(
    raw: list[list[dict[str, Any]]], session_raw: list[dict[str, Any]], req: AuthzRequest
) -> None:
    policies, session = compile_all(raw), doc(*session_raw)
    identity = evaluate(policies, req)
    bounded = evaluate([("s", session)], req)
    combined = evaluate_with_boundary(policies, session, req)
    assert combined.allowed == (identity.allowed and bounded.allowed)
    assert (combined.effect == "Deny") == (identity.effect == "Deny" or bounded.effect == "Deny")
