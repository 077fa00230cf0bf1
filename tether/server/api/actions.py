"""The action table type: what dispatch needs to know about each action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tether.server.api.authz import Principal
from tether.server.api.params import Params
from tether.server.state import ServerState


@dataclass(frozen=True)
class Context:
    """What a handler knows about the request besides its parameters."""

    state: ServerState
    principal: Principal | None  # None only for unsigned actions
    request_id: str
    remote: str

    def caller(self) -> Principal:
        if self.principal is None:
            raise RuntimeError("this action is unsigned; it has no caller")
        return self.principal


Handler = Callable[[Context, Any], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Action:
    params: type[Params]
    handler: Handler
    signed: bool = True
