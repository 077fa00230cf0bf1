"""`tether api`: call any API action with a JSON body and print its JSON answer, for what no command covers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from tether.cli.common import ConnectionFlags, connection_options, print_json, run_async
from tether.client.errors import ConfigError

__all__ = ["api_cmd"]


def _parse_body(body: str | None) -> dict[str, Any]:
    if body is None:
        return {}
    source = "--body"
    if body.startswith("@"):
        name = body[1:]
        source = name
        try:
            body = sys.stdin.read() if name == "-" else Path(name).read_text()
        except OSError as exc:
            raise ConfigError(f"cannot read {name}: {exc.strerror}") from exc
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise ConfigError(f"{source} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f'{source} must be a JSON object like \'{{"InstanceId": "mi-..."}}\'')
    return document


@click.command("api")
@click.argument("action")
@click.option("--body", metavar="JSON|@FILE", help="Request body: a JSON object, @file, or @- for stdin.")
@connection_options
def api_cmd(action: str, body: str | None, conn: ConnectionFlags) -> None:
    """Call any API action and print its JSON response.

    ACTION is an API action name such as DescribeInstances (see docs/api.md).
    """

    async def go() -> dict[str, Any]:
        payload = _parse_body(body)
        async with conn.client() as api:
            return await api.call(action, payload)

    print_json(run_async(go))
