"""An agent's presence on this node: how a connected agent of any kind is attached and let go.

Tether's own control channel (tether/server/control.py) and the Cloud Assistant agent's notify socket
(tether/server/assist/notify.py) both make their link the instance's current one (closing the one it replaces),
record the node and the agent's facts, and on the way out clear both only if the link is still current, so a
replaced connection never marks a reconnected agent offline. The store learns of all of it in batches
(`PresenceWriter`, presencewriter.py), never one transaction per event.
"""

from __future__ import annotations

from tether.protocol import CloseCode
from tether.server.agents import AgentLink
from tether.server.clock import utcnow
from tether.server.state import ServerState
from tether.store import AgentIdentity


async def arrive(
    state: ServerState,
    link: AgentLink,
    *,
    hostname: str,
    os_type: str,
    os_name: str,
    agent_version: str,
    identity: AgentIdentity | None,
    channel: str,
) -> None:
    """Make `link` the instance's current connection and mark the instance connected to this node."""
    previous = state.agents.attach(link)
    if previous is not None:
        await previous.close(CloseCode.REPLACED, f"replaced by a newer {channel} connection")
    state.presence.connected(  # written to the store in the next batch (presencewriter.py)
        link.instance_id,
        hostname=hostname,
        os_type=os_type,
        os_name=os_name,
        agent_version=agent_version,
        now=utcnow(),
        identity=identity,
    )


async def leave(state: ServerState, link: AgentLink) -> None:
    """Let `link` go; the instance is marked disconnected only if it was still the current connection."""
    if state.agents.detach(link):
        state.presence.disconnected(link.instance_id)


def updated(
    state: ServerState, instance_id: str, *, hostname: str, os_type: str, os_name: str, agent_version: str
) -> bool:
    """The agent reported new facts (a Cloud Assistant agent's new version in its heart-beat) without a new
    connection: batched like a connect if this node holds its connection, and True; False if it does not."""
    if state.agents.get(instance_id) is None:
        return False
    state.presence.connected(
        instance_id,
        hostname=hostname,
        os_type=os_type,
        os_name=os_name,
        agent_version=agent_version,
        now=utcnow(),
        identity=None,
    )
    return True


def heartbeat(state: ServerState, link: AgentLink) -> None:
    """The agent said it is alive: noted in memory, written to the store with the next batch."""
    if state.agents.get(link.instance_id) is link:
        state.presence.heartbeat(link.instance_id, utcnow())


def seen(state: ServerState, instance_id: str) -> bool:
    """A sign of life that came without a link (the Cloud Assistant agent's signed HTTP requests): batched like a
    heartbeat if this node holds the instance's connection, and True; False if it does not (the node that holds it
    refreshes it from that connection, and an instance connected nowhere is Offline whatever its last heartbeat)."""
    if state.agents.get(instance_id) is None:
        return False
    state.presence.heartbeat(instance_id, utcnow())
    return True
