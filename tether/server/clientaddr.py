"""The address a request really comes from: the peer, or what a trusted reverse proxy says in X-Forwarded-For.

Behind a proxy every connection's peer is the proxy, so `acs:SourceIp`, the sign-in slowdown, audit rows and the
connection guard would all see one address. `X-Forwarded-For` fixes that only when it is believed from the right
peers: anyone can send the header. So it is read only when the peer is inside a `--trusted-proxy` network, and
then from the right: each proxy appends the address it saw, so the right-most entry that is not itself a trusted
proxy is the client (entries left of it were written by the client and prove nothing). Without a trusted proxy
configured the header is ignored altogether.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from aiohttp import web

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_FORWARDED_ENTRIES = 32  # hops looked at, right to left; a longer chain is cut (its left end is the client's)


def parse_networks(values: Iterable[str]) -> list[IpNetwork]:
    """`--trusted-proxy` values (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`) as networks; ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"--trusted-proxy {value!r} is not an IP address or network: give e.g. 10.0.0.5 or 10.0.0.0/8"
            ) from None
    return networks


def _address(text: str) -> IpAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6] or [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddress, networks: Sequence[IpNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def resolve(peer: str, forwarded_for: Sequence[str], trusted: Sequence[IpNetwork]) -> str:
    """The client's address given the peer's, the X-Forwarded-For header values (in order) and trusted proxies."""
    peer_address = _address(peer)
    if peer_address is None or not trusted or not forwarded_for or not _trusted(peer_address, trusted):
        return str(peer_address) if peer_address is not None else peer
    entries = [entry for value in forwarded_for for entry in value.split(",")][-MAX_FORWARDED_ENTRIES:]
    client = peer_address
    for entry in reversed(entries):
        address = _address(entry)
        if address is None:
            break  # garbage: the last proxy we believe is as far as we know
        client = address
        if not _trusted(address, trusted):
            break
    return str(client)


def client_address(request: web.BaseRequest, trusted: Sequence[IpNetwork]) -> str:
    """The request's client address (see the module docstring); '' if the peer is unknown."""
    return resolve(request.remote or "", request.headers.getall("X-Forwarded-For", []), trusted)


def is_trusted_peer(peer: str, trusted: Sequence[IpNetwork]) -> bool:
    address = _address(peer)
    return address is not None and _trusted(address, trusted)
