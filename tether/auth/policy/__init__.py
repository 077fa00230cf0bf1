"""Authorisation policies: parse a JSON policy document once, then decide requests against it quickly.

Pure and synchronous: no I/O, no clock (the caller puts `acs:CurrentTime` in the request context), no knowledge of
who the caller is. The server resolves which policies apply, calls `evaluate` (or `evaluate_with_boundary` for
temporary credentials with a session policy) and writes the `Decision` to the audit trail. docs/policies.md is the
reference for policy authors.
"""

from tether.auth.policy.cache import PolicyCache
from tether.auth.policy.document import PolicyDocument, PolicyError, parse_policy
from tether.auth.policy.evaluate import AuthzRequest, Decision, evaluate, evaluate_with_boundary

__all__ = [
    "AuthzRequest",
    "Decision",
    "PolicyCache",
    "PolicyDocument",
    "PolicyError",
    "evaluate",
    "evaluate_with_boundary",
    "parse_policy",
]
