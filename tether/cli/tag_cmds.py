"""`tether tag`: add, remove and list the tags of instances.

Tags matter beyond bookkeeping: policy conditions test them as `ecs:tag/KEY`, so tagging an instance can grant or
withdraw access to it (docs/policies.md).
"""

from __future__ import annotations

from typing import Any

import click

from tether.cli.common import (
    ConnectionFlags,
    call,
    collect,
    complete_instance,
    connection_options,
    done,
    json_option,
    print_json,
    print_table,
    resolve_ref,
)

__all__ = ["tag"]


@click.group()
def tag() -> None:
    """Tags on instances (policy conditions can test them as ecs:tag/KEY)."""


_INSTANCE = "instance"


def _parse_tags(pairs: tuple[str, ...]) -> list[dict[str, str]]:
    tags: list[dict[str, str]] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="KEY=VALUE")
        tags.append({"Key": key, "Value": value})
    return tags


@tag.command("add")
@click.argument("instance_id", metavar="INSTANCE", shell_complete=complete_instance)
@click.argument("pairs", metavar="KEY=VALUE...", nargs=-1, required=True)
@json_option
@connection_options
def tag_add(instance_id: str, pairs: tuple[str, ...], as_json: bool, conn: ConnectionFlags) -> None:
    """Add or overwrite tags on INSTANCE (an id, a unique name or hostname, or a tag KEY=VALUE)."""
    instance_id = resolve_ref(conn, instance_id)
    body = {"ResourceType": _INSTANCE, "ResourceId": [instance_id], "Tag": _parse_tags(pairs)}
    done(call(conn, "TagResources", body), as_json, f"Tagged {instance_id} with {', '.join(pairs)}.")


@tag.command("remove")
@click.argument("instance_id", metavar="INSTANCE", shell_complete=complete_instance)
@click.argument("keys", metavar="KEY...", nargs=-1)
@click.option("--all", "remove_all", is_flag=True, help="Remove every tag.")
@json_option
@connection_options
def tag_remove(instance_id: str, keys: tuple[str, ...], remove_all: bool, as_json: bool, conn: ConnectionFlags) -> None:
    """Remove the tags KEY... (or --all) from INSTANCE."""
    if bool(keys) == remove_all:
        raise click.UsageError("give the tag keys to remove, or --all")
    instance_id = resolve_ref(conn, instance_id)
    body: dict[str, Any] = {"ResourceType": _INSTANCE, "ResourceId": [instance_id]}
    if remove_all:
        body["All"] = True
    else:
        body["TagKey"] = list(keys)
    what = "every tag" if remove_all else ", ".join(keys)
    done(call(conn, "UntagResources", body), as_json, f"Removed {what} from {instance_id}.")


@tag.command("list")
@click.argument("instance_id", metavar="INSTANCE", shell_complete=complete_instance)
@json_option
@connection_options
def tag_list(instance_id: str, as_json: bool, conn: ConnectionFlags) -> None:
    """List the tags of INSTANCE."""
    instance_id = resolve_ref(conn, instance_id)
    rows = collect(conn, "ListTagResources", {"ResourceType": _INSTANCE, "ResourceId": [instance_id]}).items
    if as_json:
        print_json({"TagResources": {"TagResource": rows}})
        return
    print_table(["Key", "Value"], [[r.get("TagKey"), r.get("TagValue")] for r in rows])
