"""`tether activation`: the codes with which agents register machines (create, list, delete).

An activation code is a secret the server cannot show again, so `create` prints it once and says so, together
with the one-liner that installs and registers the agent on a new machine (tether/server/install.py).
"""

from __future__ import annotations

import shlex
from typing import Any

import aiohttp
import click

from tether.cli.common import (
    ConnectionFlags,
    call,
    collect,
    connection_options,
    done,
    json_option,
    note,
    print_json,
    print_table,
    run_async,
)

__all__ = ["activation"]


@click.group()
def activation() -> None:
    """Create, list and delete activation codes that register agents."""


@activation.command("create")
@click.option("--description", metavar="TEXT")
@click.option("--instance-name", metavar="NAME", help="Default name for instances registered with this code.")
@click.option("--count", type=click.IntRange(1, 100_000), help="How many instances may register [server default 10].")
@click.option("--ttl-hours", type=click.IntRange(1, 876000), help="Hours the code stays valid [server default 4].")
@json_option
@connection_options
def activation_create(
    description: str | None,
    instance_name: str | None,
    count: int | None,
    ttl_hours: int | None,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Create an activation; prints ActivationId and ActivationCode (the code is shown only this once)."""
    body: dict[str, Any] = {}
    if description:
        body["Description"] = description
    if instance_name:
        body["InstanceName"] = instance_name
    if count is not None:
        body["InstanceCount"] = count
    if ttl_hours is not None:
        body["TimeToLiveInHours"] = ttl_hours
    response = call(conn, "CreateActivation", body)
    if as_json:
        print_json(response)
        return
    activation_id = str(response.get("ActivationId"))
    code = str(response.get("ActivationCode"))
    click.echo(f"ActivationId:   {activation_id}")
    click.echo(f"ActivationCode: {code}")
    note("The code is shown only once.")
    command = run_async(lambda: _install_command(conn))
    args = f"--id {shlex.quote(activation_id)} --code {shlex.quote(code)}"
    if command is not None:
        note("To install, register and start the agent on a new machine (Linux, as root; needs curl and Python 3.11+):")
        click.echo(f"  {command} {args}")
    note("With tether already installed there (ca.pem: a copy of the server's DATA_DIR/tls/ca.pem):")
    click.echo(
        f"  TETHER_ACTIVATION_CODE={shlex.quote(code)} tether agent register --server {shlex.quote(_server(conn))}"
        f" --ca-cert ca.pem --activation-id {shlex.quote(activation_id)}"
    )


INSTALL_INFO_TIMEOUT = 10.0


def _server(conn: ConnectionFlags) -> str:
    return conn.client().server


async def _install_command(conn: ConnectionFlags) -> str | None:
    """The server's install one-liner, read over this CLI's CA-checked connection (None if the server has none)."""
    client = conn.client()
    timeout = aiohttp.ClientTimeout(total=INSTALL_INFO_TIMEOUT)
    ssl = client.ssl_context if client.server.startswith("https:") else False
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(ssl=ssl)) as http,
            http.get(f"{client.server.rstrip('/')}/agent/install.json") as reply,
        ):
            if reply.status != 200:
                return None
            document = await reply.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    command = document.get("InstallCommand") if isinstance(document, dict) else None
    return command if isinstance(command, str) else None


@activation.command("list")
@json_option
@connection_options
def activation_list(as_json: bool, conn: ConnectionFlags) -> None:
    """List activations with their usage and expiry."""
    items = collect(conn, "DescribeActivations").items
    if as_json:
        print_json({"Activations": items, "TotalCount": len(items)})
        return
    print_table(
        ["ActivationId", "Description", "InstanceName", "Registered", "Expires", "Disabled"],
        [
            [
                a.get("ActivationId"),
                a.get("Description"),
                a.get("InstanceName"),
                f"{a.get('RegisteredCount', 0)}/{a.get('InstanceCount', '?')}",
                a.get("ExpiredTime"),
                "yes" if a.get("Disabled") else "no",
            ]
            for a in items
        ],
    )


@activation.command("delete")
@click.argument("activation_id")
@json_option
@connection_options
def activation_delete(activation_id: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Delete an activation; instances it registered stay registered."""
    response = call(conn, "DeleteActivation", {"ActivationId": activation_id})
    done(response, as_json, f"Deleted activation {activation_id}.")
