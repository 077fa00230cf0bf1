"""ECS OpenAPI parameters: the query string (plus a form body), decoded and translated into tether's action bodies.

The SDKs send everything as strings in the query: lists as `Name.1..N`, structs as JSON text, numbers and booleans
as `"22"` and `"true"`. Each supported action lists the parameters it takes and their type here, so a value of the
wrong type is refused naming the parameter, before anything runs; the translated body then goes through the
action's own Params model like any tether request, so the same validation applies after. A parameter tether does
not support (`PasswordName`, `EncryptionOptions`, ...) is refused with InvalidParameter.Unsupported rather than
ignored: silently dropping it would do something other than what the caller asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

from tether.server.api.errors import ApiError

VERSION = "2014-05-26"
MAX_PARAMETERS = 256
MAX_LIST = 100
MAX_VALUE = 16 * 1024

# the signature's and the cloud's bookkeeping: never an action's parameter
COMMON = frozenset({
    "Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce",
    "Timestamp", "SignatureType", "SecurityToken", "Signature", "RegionId", "OwnerId", "OwnerAccount",
    "ResourceOwnerId", "ResourceOwnerAccount", "ClientToken",
})
_INDEXED = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,63})\.([1-9][0-9]{0,2})$")
_INT = re.compile(r"^-?[0-9]{1,18}$")


class Kind(Enum):
    STR = "a string"
    INT = "an integer"
    BOOL = "true or false"
    LIST = "a list (Name.1, Name.2, ...)"
    JSON = "a JSON object"


@dataclass(frozen=True)
class Param:
    kind: Kind
    target: str | None = None  # the tether parameter's name, if it differs
    convert: Callable[[Any], Any] | None = None  # applied to the typed value (e.g. an alias of a value)


@dataclass(frozen=True)
class ActionSpec:
    """One OpenAPI action: its parameters by their OpenAPI name, and those refused as unsupported (with why)."""

    params: Mapping[str, Param]
    unsupported: Mapping[str, str] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()  # sent by the SDKs, meaningless here


def decode_form(text: str) -> list[tuple[str, str]]:
    """Form/query decoding as the SDKs encode: `+` is a space, blank values are kept."""
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_PARAMETERS)
    except ValueError:
        raise ApiError(
            "InvalidParameter", f"The request has more than {MAX_PARAMETERS} parameters.", 400
        ) from None


def merge(*sources: list[tuple[str, str]]) -> dict[str, str]:
    """One value per name: a parameter given twice (in the query twice, or in query and body) is refused."""
    params: dict[str, str] = {}
    for pairs in sources:
        for name, value in pairs:
            if name in params:
                raise ApiError("InvalidParameter.Duplicate", f"The parameter {name} is given more than once.", 400)
            if len(value) > MAX_VALUE:
                raise ApiError("InvalidParameter", f"The parameter {name} exceeds {MAX_VALUE} characters.", 400)
            params[name] = value
    if len(params) > MAX_PARAMETERS:
        raise ApiError("InvalidParameter", f"The request has more than {MAX_PARAMETERS} parameters.", 400)
    return params


def _typed(name: str, kind: Kind, value: str) -> Any:
    def wrong() -> ApiError:
        shown = value if len(value) <= 64 else value[:64] + "..."
        return ApiError("InvalidParameter", f"The parameter {name} must be {kind.value}, not {shown!r}.", 400)

    if kind is Kind.INT:
        if not _INT.match(value):
            raise wrong()
        return int(value)
    if kind is Kind.BOOL:
        if value.lower() not in ("true", "false"):
            raise wrong()
        return value.lower() == "true"
    if kind is Kind.JSON:
        try:
            parsed = json.loads(value)
        except ValueError:
            raise wrong() from None
        if not isinstance(parsed, dict):
            raise wrong()
        return parsed
    return value


def _list(name: str, flat: str | None, items: dict[int, str]) -> list[str]:
    if flat is not None and items:
        raise ApiError("InvalidParameter.Duplicate", f"Give {name} either as {name}.N or once, not both.", 400)
    if flat is not None:
        if flat.startswith("["):  # the JSON style some callers use for a list in one parameter
            try:
                parsed = json.loads(flat)
            except ValueError:
                parsed = None
            if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
                raise ApiError("InvalidParameter", f"The parameter {name} must be a list of strings.", 400)
            return parsed
        return [flat]
    if len(items) > MAX_LIST or max(items) > MAX_LIST:
        raise ApiError("InvalidParameter", f"The parameter {name} has more than {MAX_LIST} items.", 400)
    if sorted(items) != list(range(1, len(items) + 1)):
        raise ApiError(
            "InvalidParameter", f"The parameter {name} must be numbered {name}.1, {name}.2, ... without gaps.", 400
        )
    return [items[i] for i in sorted(items)]


def translate(action: str, spec: ActionSpec, params: Mapping[str, str]) -> dict[str, Any]:
    """The tether body for `action` from its OpenAPI parameters; ApiError naming the first bad parameter."""
    flat: dict[str, str] = {}
    indexed: dict[str, dict[int, str]] = {}
    for name, text in params.items():
        if name in COMMON or name in spec.ignored:
            continue
        match = _INDEXED.match(name)
        if match and match.group(1) in spec.params and spec.params[match.group(1)].kind is Kind.LIST:
            indexed.setdefault(match.group(1), {})[int(match.group(2))] = text
            continue
        base = match.group(1) if match else name
        if base in spec.unsupported:
            raise ApiError(
                "InvalidParameter.Unsupported",
                f"The parameter {base} is not supported by tether: {spec.unsupported[base]}.",
                400,
            )
        if name not in spec.params:
            raise ApiError(
                "InvalidParameter.Unsupported", f"{name} is not a parameter of {action} that tether supports.", 400
            )
        flat[name] = text
    body: dict[str, Any] = {}
    for name, param in spec.params.items():
        if param.kind is Kind.LIST:
            if name not in flat and name not in indexed:
                continue
            value: Any = _list(name, flat.get(name), indexed.get(name, {}))
        elif name in flat:
            value = _typed(name, param.kind, flat[name])
        else:
            continue
        if param.convert is not None:
            value = param.convert(value)
        body[param.target or name] = value
    return body
