"""The one spelling of a port-forward target host, shared by the server (before policy) and the agent (before dial).

A policy that denies `ecs:TargetServer` `127.0.0.1`, or `IpAddress 127.0.0.0/8`, means nothing if the same machine
can be named `127.1`, `2130706433`, `0x7f000001` or `0177.0.0.1`: the C resolver (`inet_aton`, `getaddrinfo`)
reads all of those as 127.0.0.1, and `0` or `0.0.0.0` dial the machine itself. So a target has exactly one
accepted spelling, and every other spelling of an address is refused rather than converted (a refusal tells the
caller what to write; a silent conversion of octal `0177` would surprise someone who meant decimal 177):

- IPv4: dotted quad, four decimal parts, no leading zeros (`127.0.0.1`). Shorthand (`127.1`), single integers,
  hex and octal parts are refused, and so is the unspecified address `0.0.0.0`.
- IPv6: any valid spelling is accepted and rewritten to its compressed lower-case form (`0:0::1` -> `::1`; there is
  no ambiguity in that). The unspecified `::` and IPv4-mapped or -compatible forms (`::ffff:127.0.0.1`) are
  refused: write the IPv4 address itself, so IPv4 policies see it. Zone ids (`fe80::1%eth0`) are refused.
- Host names: lower-cased, the root dot dropped, each label a valid IDNA label (a Unicode name becomes its ASCII
  `xn--` form). A name whose last label is numeric or hex (`10.1`, `0x7f`) is a numeric address in disguise and
  is refused: no top-level domain is numeric.

The server sends the agent the canonical form and the agent refuses any target_host that is not already canonical,
so both sides agree on what is dialled (docs/policies.md, "Port forwarding").
"""

from __future__ import annotations

import ipaddress
import re

MAX_HOST_LENGTH = 253
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")
_IPV4_SHAPE = re.compile(r"^[0-9.]+$")


class TargetError(ValueError):
    """A target host that has no canonical form, or is not allowed; `str(e)` says what to write instead."""


def canonical_target(text: str) -> str:
    """The canonical spelling of a target host (see the module docstring); raises TargetError."""
    if not text or len(text) > MAX_HOST_LENGTH:
        raise TargetError(f"a target host has 1..{MAX_HOST_LENGTH} characters")
    if ":" in text:
        return _canonical_ipv6(text)
    if _IPV4_SHAPE.match(text):
        return _canonical_ipv4(text)
    return _canonical_name(text)


def is_canonical_target(text: str) -> bool:
    """Whether `text` is already the canonical spelling (what the agent accepts from the server)."""
    try:
        return canonical_target(text) == text
    except TargetError:
        return False


def _canonical_ipv4(text: str) -> str:
    try:
        address = ipaddress.IPv4Address(text)  # exactly four decimal parts; leading zeros refused (Python >= 3.9.5)
    except ValueError:
        raise TargetError(
            f"{text!r} is not a dotted-quad IPv4 address: write all four decimal parts without leading zeros, "
            "e.g. 127.0.0.1 (shorthand, integer, octal and hex forms are refused)"
        ) from None
    if address.is_unspecified:
        raise TargetError("0.0.0.0 is not a target: name the machine's address, e.g. 127.0.0.1")
    return str(address)


def _canonical_ipv6(text: str) -> str:
    if "%" in text:
        raise TargetError(f"{text!r} has a zone id; zone ids are not accepted in a target")
    try:
        address = ipaddress.IPv6Address(text.strip("[]") if text.startswith("[") and text.endswith("]") else text)
    except ValueError:
        raise TargetError(f"{text!r} is not a valid IPv6 address") from None
    if address.is_unspecified:
        raise TargetError(":: is not a target: name the machine's address, e.g. ::1")
    if address.ipv4_mapped is not None or (address.packed[:12] == bytes(12) and int(address) > 1):
        raise TargetError(f"{text!r} embeds an IPv4 address: give the IPv4 address itself (e.g. 127.0.0.1)")
    return address.compressed


def _canonical_name(text: str) -> str:
    name = text[:-1] if text.endswith(".") else text
    if not name:
        raise TargetError("a target host name cannot be empty")
    labels = []
    for label in name.split("."):
        try:
            ascii_label = label.encode("idna").decode("ascii").lower() if label else ""
            if ascii_label.startswith("xn--"):
                ascii_label.encode("ascii").decode("idna")  # a punycode label must decode
        except UnicodeError:
            raise TargetError(f"{text!r} is not a valid host name (label {label!r})") from None
        if not _LABEL.match(ascii_label):
            raise TargetError(
                f"{text!r} is not a valid host name: labels are 1..63 letters, digits or hyphens, not starting or "
                "ending with a hyphen"
            )
        labels.append(ascii_label)
    if _NUMERIC_LABEL.match(labels[-1]):
        raise TargetError(
            f"{text!r} looks like a numeric address: give an IPv4 address as a dotted quad (e.g. 127.0.0.1) or a "
            "host name whose last label is not a number"
        )
    canonical = ".".join(labels)
    if len(canonical) > MAX_HOST_LENGTH:
        raise TargetError(f"{text!r} is longer than {MAX_HOST_LENGTH} characters in its ASCII form")
    return canonical
