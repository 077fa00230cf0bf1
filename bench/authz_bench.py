"""Authorisation benchmark: one decision against 10 attached policies of 20 statements each.

    python bench/authz_bench.py [--runs 20000] [--policies 10] [--statements 20]

The policies look like a real account's: per-team policies mixing literal action lists, prefix and inner wildcards
(`ecs:Describe*`, `ecs:Start?erminalSession`, `ecs:*Activation*`), literal and wildcard instance ARNs, and conditions
on source IP, secure transport, instance tags, login user, port and time; one policy holds the account's single Deny
(no root logins). Three requests are timed, each individually with `time.perf_counter_ns`:
- allow: a StartTerminalSession that only the last team's policy grants (every Deny checked, most Allows scanned);
- implicit-deny: a StartTerminalSession on an instance no policy covers (everything scanned, nothing applies);
- explicit-deny: a StartTerminalSession as root (the Deny applies).
Prints the median and p99 per decision, the one-off cost of parsing the policies, and the cost of the first decision
for an action (each document then works out, once, which of its statements can apply to that action). The target is
well under 200 us per decision; read the numbers beside each other, machines here are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from tether.auth.policy import AuthzRequest, Decision, PolicyDocument, evaluate, parse_policy

ACCOUNT = "1234567890"


def team_policy(team: int, statements: int, with_deny: bool) -> dict[str, Any]:
    """A team's policy: the shapes of statement real accounts write, cycled to `statements` entries."""
    instances = f"acs:ecs:*:{ACCOUNT}:instance/mi-{team:02d}*"
    network = f"10.{team}.0.0/16"
    shapes: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["ecs:StartTerminalSession", "ecs:EndTerminalSession"],
            "Resource": instances,
            "Condition": {
                "IpAddress": {"acs:SourceIp": [network, "192.0.2.0/24", "2001:db8::/32"]},
                "StringEquals": {"ecs:tag/team": f"team-{team}"},
                "Bool": {"acs:SecureTransport": True},
                "StringLike": {"ecs:Username": ["ops-*", "deploy"]},
            },
        },
        {
            "Effect": "Allow",
            "Action": "ecs:Start?erminalSession",
            "Resource": f"acs:ecs:*:{ACCOUNT}:instance/mi-{team:02d}ff*",
            "Condition": {"DateLessThan": {"acs:CurrentTime": "2020-01-01T00:00:00Z"}},
        },
        {
            "Effect": "Allow",
            "Action": ["ecs:*Activation*", "ecs:DescribeCloudAssistantStatus"],
            "Resource": [f"acs:ecs:cn-hangzhou:{ACCOUNT}:activation/act-{team:02d}{n}" for n in range(4)],
        },
        {
            "Effect": "Allow",
            "Action": "ecs:StartTerminalSession",
            "Resource": f"acs:ecs:*:{ACCOUNT}:instance/mi-{team:02d}*",
            "Condition": {"NumericLessThanEquals": {"ecs:PortNumber": 1024}, "StringEquals": {"ecs:tag/env": "dev"}},
        },
        {
            "Effect": "Allow",
            "Action": ["ecs:DescribeUserBusinessBehavior", "ecs:ModifyCloudAssistantSettings"],
            "Resource": "*",
            "Condition": {"StringEqualsIgnoreCase": {"ecs:tag/owner": f"Team-{team}"}},
        },
    ]
    body = [shapes[i % len(shapes)] for i in range(statements)]
    if with_deny:
        body[-1] = {
            "Effect": "Deny",
            "Action": "ecs:StartTerminalSession",
            "Resource": "*",
            "Condition": {"StringEqualsIgnoreCase": {"ecs:Username": ["root", "admin"]}},
        }
    return {"Version": "1", "Statement": body}


def request(username: str, team: int, source_ip: str) -> AuthzRequest:
    return AuthzRequest(
        action="ecs:StartTerminalSession",
        resource=f"acs:ecs:cn-hangzhou:{ACCOUNT}:instance/mi-{team:02d}0123456789abcd",
        context={
            "acs:SourceIp": source_ip,
            "acs:CurrentTime": "2026-11-28T11:40:24Z",
            "acs:SecureTransport": "true",
            "ecs:Username": username,
            "ecs:PortNumber": "22",
            "ecs:tag/team": f"team-{team}",
            "ecs:tag/env": "prod",
            "ecs:tag/owner": "someone-else",
        },
    )


def timed(policies: list[tuple[str, PolicyDocument]], req: AuthzRequest, runs: int) -> tuple[Decision, list[int]]:
    decision = evaluate(policies, req)
    for _ in range(min(runs, 2000)):  # warm-up
        evaluate(policies, req)
    clock = time.perf_counter_ns
    samples = []
    for _ in range(runs):
        start = clock()
        evaluate(policies, req)
        samples.append(clock() - start)
    return decision, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--statements", type=int, default=20)
    args = parser.parse_args()

    raw = [team_policy(t, args.statements, with_deny=t == args.policies - 1) for t in range(args.policies)]
    start = time.perf_counter_ns()
    policies = [(f"team-{t}-operators", parse_policy(doc)) for t, doc in enumerate(raw)]
    parse_us = (time.perf_counter_ns() - start) / 1000 / len(raw)
    last = args.policies - 1
    cases = {
        "allow": request("ops-alice", last, f"10.{last}.3.4"),
        "implicit-deny": request("ops-alice", 99, "198.51.100.7"),
        "explicit-deny": request("root", last, f"10.{last}.3.4"),
    }
    print(f"{args.policies} policies x {args.statements} statements; parse {parse_us:.0f} us per policy (once)")
    start = time.perf_counter_ns()
    evaluate(policies, cases["allow"])
    cold_us = (time.perf_counter_ns() - start) / 1000
    print(f"first decision for an action (each document indexes its statements for it, once): {cold_us:.0f} us")
    print(f"{'case':<14} {'decision':<38} {'median':>9} {'p99':>9}")
    for name, req in cases.items():
        decision, samples = timed(policies, req, args.runs)
        samples.sort()
        median = statistics.median(samples) / 1000
        p99 = samples[int(len(samples) * 0.99) - 1] / 1000
        shown = f"{decision.effect} ({decision.policy}, {decision.statement})"
        print(f"{name:<14} {shown:<38} {median:>7.1f}us {p99:>7.1f}us")


if __name__ == "__main__":
    main()
