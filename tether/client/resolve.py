"""Which instance a person means by `-i`: an instance id, a unique name or hostname, or a `key=value` tag.

People remember machines by name (`web-1`) or role (`role=db`), not by `mi-0a1b2c3d4e5f60718`; `gcloud compute ssh
NAME` and `tsh ssh NAME` accept names for the same reason. The rules, kept strict so a command never reaches the
wrong machine:

- an argument of the form `mi-HEX` is an instance id and is used as it is, without a listing call: the command's
  own API call says "not found" if it is not one;
- `KEY=VALUE` matches the instances that carry that tag;
- anything else matches the instances whose InstanceName or Hostname is exactly that (hostnames compared without
  case, as DNS does);
- exactly one match is used; none, or more than one, is an error that says what was searched or lists the
  candidates (id, name, status), never a guess.

DescribeInstances filters only by id and exact name, so names, hostnames and tags are matched here over one full
listing (bounded by `ApiClient`'s page limit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tether.client.api import ApiClient
from tether.client.errors import ClientError

__all__ = [
    "MAX_LISTED_CANDIDATES",
    "AmbiguousInstance",
    "InstanceNotFound",
    "InstanceRef",
    "looks_like_instance_id",
    "match_instances",
    "parse_tag",
    "resolve_instance",
    "tag_pairs",
]

_INSTANCE_ID = re.compile(r"^mi-[0-9a-f]+$")
# An ambiguity error names this many candidates, then says how many more there are: it must stay one line.
MAX_LISTED_CANDIDATES = 10


class InstanceNotFound(ClientError):
    """No instance has the name, hostname or tag given to `-i`."""


class AmbiguousInstance(ClientError):
    """More than one instance matches what was given to `-i`; `candidates` holds them."""

    def __init__(self, message: str, candidates: Sequence[dict[str, Any]]) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


def looks_like_instance_id(ref: str) -> bool:
    """`mi-` and lowercase hex: what the server hands out (`tether.auth.tokens.new_id`)."""
    return bool(_INSTANCE_ID.match(ref))


def parse_tag(ref: str) -> tuple[str, str] | None:
    """`(key, value)` for `key=value` (the value may be empty, the key may not), else None."""
    key, sep, value = ref.partition("=")
    if not sep or not key.strip():
        return None
    return key.strip(), value.strip()


def tag_pairs(instance: dict[str, Any]) -> dict[str, str]:
    """An instance's tags from DescribeInstances' ECS shape `{"Tags": {"Tag": [{"TagKey", "TagValue"}]}}`."""
    tags = instance.get("Tags")
    rows = tags.get("Tag") if isinstance(tags, dict) else None
    if not isinstance(rows, list):
        return {}
    return {
        str(row["TagKey"]): str(row.get("TagValue") or "")
        for row in rows
        if isinstance(row, dict) and row.get("TagKey") is not None
    }


@dataclass(frozen=True)
class InstanceRef:
    """What `-i` was given, read once: a tag `(key, value)` or a name/hostname."""

    text: str

    @property
    def tag(self) -> tuple[str, str] | None:
        return parse_tag(self.text)

    def matches(self, instance: dict[str, Any]) -> bool:
        tag = self.tag
        if tag is not None:
            key, value = tag
            return tag_pairs(instance).get(key) == value
        hostname = instance.get("Hostname")
        return instance.get("InstanceName") == self.text or (
            isinstance(hostname, str) and hostname.lower() == self.text.lower()
        )

    def searched(self) -> str:
        """What was looked for, for the error messages."""
        tag = self.tag
        if tag is not None:
            return f"the tag {tag[0]}={tag[1]}"
        return f"the name or hostname {self.text!r}"


def match_instances(instances: Iterable[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    """The instances `ref` (a name, hostname or `key=value`) picks out, each once, in listing order."""
    wanted = InstanceRef(ref)
    seen: set[str] = set()
    found: list[dict[str, Any]] = []
    for instance in instances:
        instance_id = str(instance.get("InstanceId") or "")
        if instance_id and instance_id not in seen and wanted.matches(instance):
            seen.add(instance_id)
            found.append(instance)
    return found


def _candidate(instance: dict[str, Any]) -> str:
    return f"{instance.get('InstanceId')} ({instance.get('InstanceName') or '-'}, {instance.get('Status') or '?'})"


async def resolve_instance(api: ApiClient, ref: str) -> str:
    """The instance id `ref` stands for (see the module docstring); raises `InstanceNotFound` or
    `AmbiguousInstance` with a message that says what to do."""
    text = ref.strip()
    if not text:
        raise InstanceNotFound("-i is empty — give an instance id (mi-...), a name or hostname, or a tag KEY=VALUE")
    if looks_like_instance_id(text):
        return text
    listing = await api.collect("DescribeInstances", {})
    wanted = InstanceRef(text)
    found = match_instances(listing.items, text)
    if len(found) == 1:
        return str(found[0]["InstanceId"])
    if not found:
        raise InstanceNotFound(
            f"no instance has {wanted.searched()} (searched {len(listing.items)} instances by "
            f"{'tag' if wanted.tag else 'InstanceName and Hostname'}) — list them with `tether instances`, or give "
            "the instance id (mi-...)"
        )
    shown = ", ".join(_candidate(i) for i in found[:MAX_LISTED_CANDIDATES])
    more = f" and {len(found) - MAX_LISTED_CANDIDATES} more" if len(found) > MAX_LISTED_CANDIDATES else ""
    raise AmbiguousInstance(
        f"{len(found)} instances have {wanted.searched()}: {shown}{more} — give one instance id, or a tag that "
        "only one carries (`tether instances --tag KEY=VALUE` shows which)",
        found,
    )
