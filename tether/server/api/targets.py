"""Port-forward targets as the API takes them: one canonical spelling, fixed before any policy sees the target.

The rules are `tether.protocol.targets` (the agent applies the same ones to what it is sent); here a refusal
becomes the coded error `InvalidParameter.TargetServer`, which names the spelling to use instead.
"""

from __future__ import annotations

from tether.protocol.targets import TargetError
from tether.protocol.targets import canonical_target as _canonical
from tether.server.api.errors import ApiError


def canonical_target(text: str) -> str:
    """The canonical form of a TargetServer value (`0:0::1` -> `::1`, `DB.Example.` -> `db.example`), or a coded
    400 for a spelling that hides an address (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`, `0.0.0.0`)."""
    try:
        return _canonical(text)
    except TargetError as exc:
        raise ApiError("InvalidParameter.TargetServer", f"The parameter TargetServer is invalid: {exc}.", 400) from None
