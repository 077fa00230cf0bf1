"""Policy documents: strict parsing and validation, compiled once into what `evaluate` needs.

Why strict: a policy that silently means something other than what its author wrote is a security bug. So unknown
keys (`NotAction`, `Principal`, a misspelt `Conditon`) are refused rather than ignored, every condition value is read
with its operator's type now rather than failing to match later, duplicate JSON keys are refused (JSON parsers differ
on which one wins), and every error names the statement and field to fix: `Statement[2].Condition: unknown
operator 'StringEq'`. The grammar is documented for users in docs/policies.md; keep the two in step.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from tether.auth.policy.conditions import OPERATORS, Condition, compile_condition
from tether.auth.policy.matching import PatternSet, compile_patterns, literal_hint
from tether.protocol import jsondepth

MAX_DOCUMENT_BYTES = 128 * 1024
MAX_STATEMENTS = 100
MAX_PATTERN_LENGTH = 1024
MAX_KEY_LENGTH = 256
VERSION = "1"

_TOP_KEYS = ("Version", "Statement")
_STATEMENT_KEYS = ("Sid", "Effect", "Action", "Resource", "Condition")
# service:Action, or any pattern whose wildcards can stand for the colon (`*`, `*Session`, `ecs*Describe*`)
_ACTION = re.compile(r"[A-Za-z0-9_.*?:-]*[:*?][A-Za-z0-9_.*?:-]*")
_ARN_SERVICE = re.compile(r"[A-Za-z0-9*?_-]+")
_ARN_SCOPE = re.compile(r"[A-Za-z0-9*?_-]*")  # region and account may be empty: acs:ram::123:role/x
_ARN_RESOURCE = re.compile(r"[^\s\x00-\x1f\x7f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PolicyError(ValueError):
    """A policy document is not valid; `statement` (0-based index) and `field` say where, `message` says what.

    `str(e)` puts them together the way users read them: `Statement[2].Condition.IpAddress.acs:SourceIp: '10.0.0.300'
    is not an IP address or CIDR block`.
    """

    def __init__(self, message: str, statement: int | None = None, field: str | None = None) -> None:
        self.message = message
        self.statement = statement
        self.field = field
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"Statement[{self.statement}]" if self.statement is not None else ""
        if self.field:
            where = f"{where}.{self.field}" if where else self.field
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[Any, ...]:  # keep the location through pickling (multiprocessing, caches)
        return (PolicyError, (self.message, self.statement, self.field))


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled statement. Action patterns are lower-cased (actions match case-insensitively); resources are not.

    `resource_hints` are literal runs of which every matching resource contains at least one (None: no such
    promise, e.g. for `*`); they let a document skip statements about other instances with a substring test.
    """

    index: int
    effect: Literal["Allow", "Deny"]
    actions: PatternSet
    resources: PatternSet
    conditions: tuple[Condition, ...]
    resource_hints: tuple[str, ...] | None


def _hints(statements: list[Statement]) -> tuple[str, ...] | None:
    if any(statement.resource_hints is None for statement in statements):
        return None
    return tuple(dict.fromkeys(hint for statement in statements for hint in statement.resource_hints or ()))


class ActionView:
    """The statements of one document that can apply to one action, split by effect, with resource hints.

    A resource containing none of `deny_hints` cannot match any statement in `denies` (None: no hint, check them);
    so a document whose statements are about other instances costs a dict lookup and a substring test or two.
    """

    __slots__ = ("allow_hints", "allows", "denies", "deny_hints")

    def __init__(self, denies: list[Statement], allows: list[Statement]) -> None:
        self.denies = tuple(denies)
        self.deny_hints = _hints(denies)
        self.allows = tuple(allows)
        self.allow_hints = _hints(allows)


_MAX_VIEWS = 512  # distinct action names remembered per document; the API has a few dozen


@dataclass(frozen=True, slots=True, eq=False)
class PolicyDocument:
    """A parsed, validated and pre-compiled policy; build it with `parse_policy`, then evaluate it many times.

    `source` is the canonical JSON form (Action and Resource always lists, condition values always lists of strings,
    keys in a fixed order): store and show that, since parsing it again gives the same document. Treat it as
    read-only. Compared by identity: two parses of one text are equal in meaning, not as objects.

    Besides the compiled statements it remembers, per action name seen, which statements can apply (`view`). Why:
    a request names one of a few dozen actions, so after the first request for an action a document with 20
    statements costs one dict lookup instead of 20 pattern matches. The memo is bounded (arbitrary action names
    cannot grow it without limit) and safe to share between threads (a lost race only recomputes an entry).
    """

    source: dict[str, Any]
    statements: tuple[Statement, ...]
    _views: dict[str, ActionView] = field(init=False, repr=False, default_factory=dict)

    def view(self, action: str) -> ActionView:
        """The statements that can apply to `action` (already lower-cased), computed once per action name."""
        view = self._views.get(action)
        if view is None:
            denies: list[Statement] = []
            allows: list[Statement] = []
            for statement in self.statements:
                if statement.actions.matches(action):
                    (denies if statement.effect == "Deny" else allows).append(statement)
            view = ActionView(denies, allows)
            if len(self._views) >= _MAX_VIEWS:
                self._views.clear()
            self._views[action] = view
        return view

    def __repr__(self) -> str:
        return f"PolicyDocument({len(self.statements)} statements)"


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers which keys appeared more than once (json keeps the last silently)."""

    __slots__ = ("duplicates",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        duplicates: list[str] = []
        for key, _ in pairs:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
        self.duplicates = tuple(duplicates)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - JSON produces nothing else


def _load(document: str | bytes | dict[str, Any]) -> Any:
    """Turn the input into JSON values with `_JsonObject`s, enforcing the size limit on the text."""
    if isinstance(document, dict):
        # One code path for both forms: dump and re-read, which also checks that the dict is plain JSON.
        try:
            document = json.dumps(document, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"the policy object is not plain JSON: {exc}") from None
    if isinstance(document, bytes | bytearray):
        if len(document) > MAX_DOCUMENT_BYTES:
            raise PolicyError(f"the document is {len(document)} bytes; the limit is {MAX_DOCUMENT_BYTES}")
        try:
            text = bytes(document).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError(f"the document is not UTF-8 (byte {exc.start})") from None
    elif isinstance(document, str):
        text = document
        size = len(text) if len(text) > MAX_DOCUMENT_BYTES else len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_DOCUMENT_BYTES:
            raise PolicyError(f"the document is {size} bytes or more; the limit is {MAX_DOCUMENT_BYTES}")
    else:
        raise PolicyError(f"a policy must be JSON text or a dict, not {type(document).__name__}")
    text = text.removeprefix("\ufeff")
    try:
        return jsondepth.loads(
            text, object_pairs_hook=_JsonObject, parse_float=Decimal, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise PolicyError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except jsondepth.JsonDepthError as exc:
        raise PolicyError(f"not valid JSON: nested more than {exc.max_depth} levels deep") from None
    except ValueError as exc:
        raise PolicyError(f"not valid JSON: {exc}") from None


def _check_object(value: object, what: str, statement: int | None, where: str | None) -> _JsonObject:
    if not isinstance(value, _JsonObject):
        raise PolicyError(f"{what} must be an object, not {_type_name(value)}", statement, where)
    if value.duplicates:
        name = value.duplicates[0]
        inner = f"{where}.{name}" if where else name
        raise PolicyError(f"duplicate key {name!r} (JSON parsers disagree on which one wins)", statement, inner)
    return value


def _string_list(value: object, statement: int, where: str) -> tuple[list[str], bool]:
    """A string or a non-empty list of strings; returns the strings and whether the input was a list."""
    if isinstance(value, str):
        return [value], False
    if not isinstance(value, list):
        raise PolicyError(f"must be a string or a list of strings, not {_type_name(value)}", statement, where)
    if not value:
        raise PolicyError("must not be an empty list (it would match nothing)", statement, where)
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise PolicyError(f"must be a string, not {_type_name(item)}", statement, f"{where}[{position}]")
    return value, True


def _parse_actions(value: object, statement: int) -> tuple[list[str], PatternSet]:
    actions, is_list = _string_list(value, statement, "Action")
    for position, action in enumerate(actions):
        if len(action) > MAX_PATTERN_LENGTH or _ACTION.fullmatch(action) is None:
            where = f"Action[{position}]" if is_list else "Action"
            raise PolicyError(
                f"{action[:80]!r} is not an action: use service:Action with optional * and ? wildcards "
                "(ecs:StartTerminalSession, ecs:Describe*), or *",
                statement,
                where,
            )
    return actions, compile_patterns(action.lower() for action in actions)


def _valid_arn(pattern: str) -> bool:
    if pattern == "*":
        return True
    if len(pattern) > MAX_PATTERN_LENGTH:
        return False
    parts = pattern.split(":", 4)
    return (
        len(parts) == 5
        and parts[0] == "acs"
        and _ARN_SERVICE.fullmatch(parts[1]) is not None
        and _ARN_SCOPE.fullmatch(parts[2]) is not None
        and _ARN_SCOPE.fullmatch(parts[3]) is not None
        and _ARN_RESOURCE.fullmatch(parts[4]) is not None
    )


def _parse_resources(value: object, statement: int) -> tuple[list[str], PatternSet]:
    resources, is_list = _string_list(value, statement, "Resource")
    for position, resource in enumerate(resources):
        if not _valid_arn(resource):
            where = f"Resource[{position}]" if is_list else "Resource"
            raise PolicyError(
                f"{resource[:80]!r} is not a resource: use * or acs:<service>:<region>:<account>:<resource> "
                "with optional * and ? wildcards (acs:ecs:*:*:instance/mi-*)",
                statement,
                where,
            )
    return resources, compile_patterns(resources)


def _resource_hints(resources: list[str]) -> tuple[str, ...] | None:
    hints = [literal_hint(resource) for resource in resources]
    return None if "" in hints else tuple(dict.fromkeys(hints))


def _condition_value(value: object, statement: int, where: str) -> str:
    """Condition values may be written as strings, numbers or booleans; all are compared as strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    if isinstance(value, float) and math.isfinite(value):  # pragma: no cover - _load reads floats as Decimal
        return repr(value)
    message = f"a condition value must be a string, number or boolean, not {_type_name(value)}"
    raise PolicyError(message, statement, where)


def _parse_condition(value: object, statement: int) -> tuple[dict[str, Any], tuple[Condition, ...]]:
    block = _check_object(value, "Condition", statement, "Condition")
    if not block:
        raise PolicyError("must not be empty: leave Condition out instead", statement, "Condition")
    source: dict[str, Any] = {}
    conditions: list[Condition] = []
    for op_name, keys in block.items():
        if op_name not in OPERATORS:
            hint = difflib.get_close_matches(op_name, list(OPERATORS), n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else "; see docs/policies.md for the operators"
            raise PolicyError(f"unknown operator {op_name!r}{suggestion}", statement, "Condition")
        op_where = f"Condition.{op_name}"
        keys = _check_object(keys, op_name, statement, op_where)
        if not keys:
            raise PolicyError("must name at least one condition key", statement, op_where)
        op_source: dict[str, list[str]] = {}
        for key, raw in keys.items():
            key_where = f"{op_where}.{key}"
            if not key or len(key) > MAX_KEY_LENGTH or _CONTROL.search(key):
                raise PolicyError(f"{key[:80]!r} is not a condition key", statement, key_where)
            if isinstance(raw, list):
                if not raw:
                    raise PolicyError("must not be an empty list (it would never match)", statement, key_where)
                values = [_condition_value(item, statement, key_where) for item in raw]
            else:
                values = [_condition_value(raw, statement, key_where)]
            try:
                conditions.append(compile_condition(op_name, key, values))
            except ValueError as exc:
                raise PolicyError(str(exc), statement, key_where) from None
            op_source[key] = values
        source[op_name] = op_source
    return source, tuple(conditions)


def _parse_statement(value: object, index: int) -> tuple[dict[str, Any], Statement]:
    body = _check_object(value, "a statement", index, None)
    for key in body:
        if key not in _STATEMENT_KEYS:
            raise PolicyError(
                f"unsupported key {key!r}: a statement has Effect, Action, Resource and optionally Condition and Sid",
                index,
                key,
            )
    for required in ("Effect", "Action", "Resource"):
        if required not in body:
            raise PolicyError("is required", index, required)
    source: dict[str, Any] = {}
    if "Sid" in body:
        sid = body["Sid"]
        if not isinstance(sid, str) or len(sid) > MAX_KEY_LENGTH:
            raise PolicyError(f"must be a string of at most {MAX_KEY_LENGTH} characters", index, "Sid")
        source["Sid"] = sid
    effect = body["Effect"]
    if effect not in ("Allow", "Deny"):
        shown = repr(effect) if isinstance(effect, str) else _type_name(effect)
        raise PolicyError(f'must be "Allow" or "Deny", not {shown}', index, "Effect")
    source["Effect"] = effect
    source["Action"], actions = _parse_actions(body["Action"], index)
    source["Resource"], resources = _parse_resources(body["Resource"], index)
    conditions: tuple[Condition, ...] = ()
    if "Condition" in body:
        source["Condition"], conditions = _parse_condition(body["Condition"], index)
    return source, Statement(index, effect, actions, resources, conditions, _resource_hints(source["Resource"]))


def parse_policy(document: str | bytes | dict[str, Any]) -> PolicyDocument:
    """Parse, validate and compile a policy document (JSON text, UTF-8 bytes or an already-decoded dict).

    Raises `PolicyError` pointing at the statement and field at fault. Limits: 128 KiB of text, 100 statements.
    """
    top = _check_object(_load(document), "a policy document", None, None)
    for key in top:
        if key not in _TOP_KEYS:
            raise PolicyError(f"unknown key {key!r}: a policy document has only Version and Statement", None, key)
    if "Version" not in top:
        raise PolicyError('is required and must be "1"', None, "Version")
    version = top["Version"]
    if not isinstance(version, str) or version != VERSION:
        shown = repr(version) if isinstance(version, str) else _type_name(version)
        raise PolicyError(f'must be the string "1", not {shown}', None, "Version")
    if "Statement" not in top:
        raise PolicyError("is required: a list of statements", None, "Statement")
    raw_statements = top["Statement"]
    if not isinstance(raw_statements, list):
        raise PolicyError(f"must be a list of statements, not {_type_name(raw_statements)}", None, "Statement")
    if not raw_statements:
        raise PolicyError("must hold at least one statement", None, "Statement")
    if len(raw_statements) > MAX_STATEMENTS:
        raise PolicyError(f"has {len(raw_statements)} statements; the limit is {MAX_STATEMENTS}", None, "Statement")
    sources: list[dict[str, Any]] = []
    statements: list[Statement] = []
    for index, raw in enumerate(raw_statements):
        source, statement = _parse_statement(raw, index)
        sources.append(source)
        statements.append(statement)
    return PolicyDocument({"Version": VERSION, "Statement": sources}, tuple(statements))
