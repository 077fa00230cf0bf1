"""`tether console`: administration of the browser console from the command line.

`tether console admin-password` sets the account root's console password (user name `root` at sign-in). It needs
the administrator access key (a profile written with `tether configure --from-file DATA_DIR/admin-credentials.json`),
because only the root may change it. The password is read, never echoed or passed on the command line.
"""

from __future__ import annotations

from typing import Any

import click

from tether.cli.common import (
    ConnectionFlags,
    connection_options,
    json_option,
    note,
    print_json,
    read_password,
    run_async,
)

__all__ = ["console"]


@click.group()
def console() -> None:
    """The browser console (https://SERVER/console/)."""


@console.command("admin-password")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@json_option
@connection_options
def admin_password(password_stdin: bool, as_json: bool, conn: ConnectionFlags) -> None:
    """Set the console password of the account root (sign in as user `root`; asked twice, not echoed).

    Every console session of the root is signed out, and the password generated at first start is removed from
    the server's admin-credentials.json. Needs the administrator's access key.
    """
    password = read_password(password_stdin)

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            return await api.call("SetAdministratorConsolePassword", {"Password": password})

    response = run_async(go)
    if as_json:
        print_json(response)
    else:
        note("The account root can now sign in to the console as `root` with that password.")
