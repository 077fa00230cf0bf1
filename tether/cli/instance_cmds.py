"""`tether instances`: the registered machines and whether their agent is connected.

DescribeInstances filters only by id and exact InstanceName, so `--status`, `--tag` and `--name` (a substring or a
glob) filter the full listing here, on the client; with many thousands of instances that is one listing of them
all (bounded by `ApiClient`'s page limit), which is what a server-side filter would read as well. It pages by
NextToken (keyset paging: every page costs the server the same), so listing 10,000 instances is linear.
"""

from __future__ import annotations

import fnmatch
from typing import Any

import click

from tether.cli.common import ConnectionFlags, collect, connection_options, json_option, print_json, print_table
from tether.client.resolve import parse_tag, tag_pairs

__all__ = ["instances", "select_instances"]

AGENT_NAMES = {"tether": "tether", "cloud_assistant": "cloud-assistant"}  # DescribeInstances' AgentKind, for people
STATUSES = ("Online", "Offline")
_GLOB = frozenset("*?[")


def _tags(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        pair = parse_tag(value)
        if pair is None:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE, e.g. --tag env=prod")
        pairs.append(pair)
    return pairs


def name_matches(pattern: str, instance: dict[str, Any]) -> bool:
    """`--name`: a glob (`web-*`) must match the whole InstanceName or Hostname, other text be part of one; case
    does not matter, as people do not remember it."""
    names = [str(instance.get(k) or "").lower() for k in ("InstanceName", "Hostname")]
    wanted = pattern.lower()
    if _GLOB & set(wanted):
        return any(fnmatch.fnmatchcase(name, wanted) for name in names)
    return any(wanted in name for name in names)


def select_instances(
    items: list[dict[str, Any]], *, status: str | None, tags: list[tuple[str, str]], name: str | None
) -> list[dict[str, Any]]:
    """The instances that pass every filter given (status, each tag, name)."""
    chosen = []
    for item in items:
        if status and str(item.get("Status") or "").lower() != status.lower():
            continue
        pairs = tag_pairs(item)
        if any(pairs.get(key) != value for key, value in tags):
            continue
        if name and not name_matches(name, item):
            continue
        chosen.append(item)
    return chosen


@click.command()
@click.option(
    "--name",
    "instance_name",
    metavar="TEXT",
    help="Only instances whose InstanceName or Hostname contains TEXT, or matches it as a glob (web-*).",
)
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False), help="Only Online or Offline ones.")
@click.option(
    "--tag",
    "tags",
    metavar="KEY=VALUE",
    multiple=True,
    callback=_tags,
    help="Only ones with this tag (repeatable: all must match).",
)
@json_option
@connection_options
def instances(
    instance_name: str | None, status: str | None, tags: list[tuple[str, str]], as_json: bool, conn: ConnectionFlags
) -> None:
    """List registered instances and whether their agent is online.

    The filters are applied by this command to the whole listing (the API filters only by id and exact name).
    """
    items = select_instances(collect(conn, "DescribeInstances", {}).items, status=status, tags=tags, name=instance_name)
    if as_json:
        print_json({"Instances": items, "TotalCount": len(items)})
        return
    print_table(
        ["InstanceId", "Name", "Hostname", "Status", "LoginUser", "Agent", "AgentVersion", "LastHeartbeat"],
        [
            [
                i.get("InstanceId"),
                i.get("InstanceName"),
                i.get("Hostname"),
                i.get("Status"),
                login_user_cell(i),
                AGENT_NAMES.get(str(i.get("AgentKind")), i.get("AgentKind") or "tether"),
                i.get("AgentVersion"),
                i.get("LastHeartbeatTime"),
            ]
            for i in items
        ],
    )
    for i in items:
        for notice in i.get("Notices") or []:
            click.echo(f"{i.get('InstanceId')}: {notice}")


def login_user_cell(instance: dict[str, object]) -> str:
    """`tether-user (sudo)`, `tether-user (no sudo)`, or `?` for an agent that does not report it."""
    user = instance.get("LoginUser")
    if not user:
        return "?"
    return f"{user} ({'sudo' if instance.get('LoginUserSudo') else 'no sudo'})"
