"""The relay: pairs the two sides of a session and forwards frames (tether/server/relay/core.py).

`endpoint` is the seam a side plugs into (tether's own framing, or a translator for another), `taps` records what
crosses, `outcome` is how a session's end is described on the frame path.
"""

from tether.server.relay.core import ENDED_MESSAGE, Phase, Relay, RelaySession
from tether.server.relay.endpoint import Endpoint, EndpointClosed, WebSocketEndpoint
from tether.server.relay.outcome import Outcome

__all__ = [
    "ENDED_MESSAGE",
    "Endpoint",
    "EndpointClosed",
    "Outcome",
    "Phase",
    "Relay",
    "RelaySession",
    "WebSocketEndpoint",
]
