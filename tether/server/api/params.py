"""Request-body validation: pydantic models whose field names are the API's PascalCase parameters.

Errors name the parameter so the caller knows what to fix; unknown parameters are refused rather than ignored,
because a misspelt optional parameter would otherwise silently do nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from tether.server.api.errors import ApiError


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NoParams(Params):
    pass


def parse_params(model: type[Params], action: str, body: dict[str, Any]) -> Params:
    body = {k: v for k, v in body.items() if k != "RegionId"}  # sent by cloud-style tools; one region here
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise to_api_error(exc, action) from None


def to_api_error(exc: ValidationError, action: str) -> ApiError:
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    if first["type"] == "missing":
        return ApiError("MissingParameter", f"{action} needs the parameter {field}.", 400)
    if first["type"] == "extra_forbidden":
        return ApiError("InvalidParameter", f"{field} is not a parameter of {action}.", 400)
    return ApiError("InvalidParameter", f"The parameter {field} is invalid: {first['msg']}.", 400)
