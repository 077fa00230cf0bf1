"""The Cloud Assistant channels this node is waiting for or serving, by channel id.

Each channel is one kick (`kick_vm session start <channelId>`), one `session/list` entry and one back-end
WebSocket. The table answers the agent's two channel requests and keeps an instance to its own channels: a
`session/list` or `session/backend` for a channel of another instance is answered as if the channel did not exist.
Its size is bounded by the sessions the relay holds (each session has at most MAX_STREAMS channels).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(eq=False)
class AgentChannel:
    """One channel: its session/list entry, and its back-end socket once the agent dialled it."""

    channel_id: str
    instance_id: str
    session_id: str
    entry: dict[str, Any]
    ws: web.WebSocketResponse | None = None
    attached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)  # the bridge is done with the socket
    status: str | None = None  # what the agent reported on session/status: Success or Failed
    errorcode: str = ""
    reported: asyncio.Event = field(default_factory=asyncio.Event)

    def attach(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.attached.set()

    def report(self, status: str, errorcode: str) -> None:
        if self.status is None:
            self.status, self.errorcode = status, errorcode
        self.reported.set()

    @property
    def outcome(self) -> str:
        """The agent's report as an end reason (`Success/Ok`), or empty if it sent none."""
        return f"{self.status}/{self.errorcode}" if self.status is not None else ""


class ChannelTable:
    def __init__(self) -> None:
        self._channels: dict[str, AgentChannel] = {}

    def add(self, channel: AgentChannel) -> None:
        if channel.channel_id in self._channels:
            raise ValueError(f"channel {channel.channel_id} exists")
        self._channels[channel.channel_id] = channel

    def remove(self, channel: AgentChannel) -> None:
        if self._channels.get(channel.channel_id) is channel:
            del self._channels[channel.channel_id]

    def of_instance(self, channel_id: str, instance_id: str) -> AgentChannel | None:
        """The channel if it exists and belongs to `instance_id`; None otherwise (never says which)."""
        channel = self._channels.get(channel_id)
        if channel is None or channel.instance_id != instance_id:
            return None
        return channel

    def __len__(self) -> int:
        return len(self._channels)
