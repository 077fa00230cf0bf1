"""`tether instances`: the registered machines and whether their agent is connected."""

from __future__ import annotations

import click

from tether.cli.common import ConnectionFlags, collect, connection_options, json_option, print_json, print_table

__all__ = ["instances"]

AGENT_NAMES = {"tether": "tether", "cloud_assistant": "cloud-assistant"}  # DescribeInstances' AgentKind, for people


@click.command()
@click.option("--name", "instance_name", metavar="NAME", help="Only instances with this InstanceName.")
@json_option
@connection_options
def instances(instance_name: str | None, as_json: bool, conn: ConnectionFlags) -> None:
    """List registered instances and whether their agent is online."""
    items = collect(conn, "DescribeInstances", {"InstanceName": instance_name} if instance_name else {}).items
    if as_json:
        print_json({"Instances": items, "TotalCount": len(items)})
        return
    print_table(
        ["InstanceId", "Hostname", "Status", "LoginUser", "Agent", "AgentVersion", "LastHeartbeat"],
        [
            [
                i.get("InstanceId"),
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
