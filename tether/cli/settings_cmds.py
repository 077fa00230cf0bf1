"""`tether settings`: the account-wide switches — session manager on or off, how sessions are recorded, and where
recordings are delivered (S3-compatible storage).

Each subcommand shows the current settings and changes only those given, over ModifyCloudAssistantSettings and
DescribeCloudAssistantSettings; the server validates and its messages are shown as they are. The delivery secret
access key is read from stdin by preference (`--s3-secret-access-key` would leave it in the shell history and the
process list) and is never printed: the server cannot show it again.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from tether.cli.common import ConnectionFlags, connection_options, fail, json_option, note, print_json, run_async

__all__ = ["settings"]

DELIVERY_CONFIG = "SessionManagerDeliveryConfig"
MAX_SECRET = 256


@click.group()
def settings() -> None:
    """Account-wide settings."""


@settings.command("session-manager")
@click.option("--enable/--disable", "enable", default=None, help="Turn sessions on or off for the whole account.")
@json_option
@connection_options
def settings_session_manager(enable: bool | None, as_json: bool, conn: ConnectionFlags) -> None:
    """Show whether session manager is enabled, or switch it with --enable/--disable.

    While it is disabled, StartTerminalSession is refused for everyone; sessions already open go on.
    """

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            if enable is not None:
                await api.call(
                    "ModifyCloudAssistantSettings",
                    {"SettingType": "SessionManagerConfig", "SessionManagerConfig": {"SessionManagerEnabled": enable}},
                )
            return await api.call("DescribeUserBusinessBehavior", {"StatusKey": "sessionManagerEnable"})

    response = run_async(go)
    if as_json:
        print_json(response)
    else:
        click.echo(f"SessionManager: {response.get('StatusValue') or '-'}")


@settings.command("recording")
@click.option("--record/--no-record", "record", default=None, help="Record sessions at all (on by default).")
@click.option(
    "--required/--not-required",
    "required",
    default=None,
    help="End a session rather than let it run unrecorded (disk full or failing, size cap reached).",
)
@click.option(
    "--record-input/--no-record-input",
    "record_input",
    default=None,
    help="Record keystrokes too (off by default: passwords typed at prompts would end up in recordings).",
)
@click.option("--max-bytes", type=click.IntRange(4096, 1 << 40), default=None, help="Per-session recording cap.")
@json_option
@connection_options
def settings_recording(
    record: bool | None,
    required: bool | None,
    record_input: bool | None,
    max_bytes: int | None,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Show the recording settings, or change those given (docs/recording.md, Policy)."""
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("RecordSessions", record),
            ("RecordingRequired", required),
            ("RecordInput", record_input),
            ("MaxRecordingBytes", max_bytes),
        )
        if value is not None
    }

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            if changes:
                await api.call(
                    "ModifyCloudAssistantSettings",
                    {"SettingType": "SessionManagerConfig", "SessionManagerConfig": changes},
                )
            return await api.call("DescribeCloudAssistantSettings", {"SettingType": ["SessionManagerConfig"]})

    response = run_async(go)
    config = response.get("SessionManagerConfig") or {}
    if as_json:
        print_json(config)
        return
    for name in ("RecordSessions", "RecordingRequired", "RecordInput", "MaxRecordingBytes"):
        value = config.get(name)
        text = "-" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        click.echo(f"{name}: {text}")


def _read_secret() -> str:
    """The secret from stdin: the first line, without its line end (a terminal gets a hidden prompt)."""
    if sys.stdin is None:
        fail("--s3-secret-access-key-stdin needs a standard input")
    if sys.stdin.isatty():
        secret = click.prompt("Secret access key", hide_input=True, err=True)
    else:
        secret = sys.stdin.readline(MAX_SECRET + 2).rstrip("\r\n")
    if not secret:
        fail("--s3-secret-access-key-stdin read an empty secret; pipe the secret access key in, e.g. < secret.txt")
    return str(secret)


def _show_config(config: dict[str, Any]) -> None:
    prefix = config.get("Prefix") or ""
    bucket = config.get("Bucket") or ""
    destination = f"s3://{bucket}/{prefix + '/' if prefix else ''}" if bucket else "-"
    days = config.get("LocalRetentionDays")
    rows = [
        ("Delivery", "enabled" if config.get("Enabled") else "disabled"),
        ("Destination", destination),
        ("Endpoint", config.get("Endpoint") or "AWS S3"),
        ("Region", config.get("Region") or "-"),
        ("AccessKeyId", config.get("AccessKeyId") or "- (the server's default AWS credentials)"),
        ("SecretAccessKey", "set" if config.get("SecretAccessKeySet") else "not set"),
        ("AuditEvents", "delivered too" if config.get("DeliverAuditEvents") else "not delivered"),
        ("LocalRetention", "removed right after delivery" if days == 0 else f"{days} days after delivery"),
    ]
    for name, value in rows:
        click.echo(f"{name + ':':<17}{value}")


@settings.command("delivery")
@click.option("--enable/--disable", "enable", default=None, help="Turn delivery on or off (settings are kept).")
@click.option("--endpoint", help="S3-compatible endpoint URL, e.g. https://s3.example.com ('' = AWS S3).")
@click.option("--bucket", help="Bucket to deliver to (it must exist).")
@click.option("--prefix", help="Key prefix, e.g. tether/recordings ('' for none).")
@click.option("--region", help="Region of the bucket (default us-east-1).")
@click.option("--s3-access-key-id", "s3_access_key_id", help="S3 access key id ('' clears it and the secret).")
@click.option(
    "--s3-secret-access-key-stdin", "secret_stdin", is_flag=True, help="Read the secret access key from stdin."
)
@click.option(
    "--s3-secret-access-key", "secret", help="The S3 secret access key (visible in the process list: prefer -stdin)."
)
@click.option("--audit/--no-audit", "audit", default=None, help="Deliver the audit trail as JSON Lines too.")
@click.option(
    "--retention-days",
    type=click.IntRange(0, 36500),
    help="Days to keep a local copy after its verified delivery (0 = remove at once; default 7).",
)
@json_option
@connection_options
def settings_delivery(
    enable: bool | None,
    endpoint: str | None,
    bucket: str | None,
    prefix: str | None,
    region: str | None,
    s3_access_key_id: str | None,
    secret_stdin: bool,
    secret: str | None,
    audit: bool | None,
    retention_days: int | None,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Show or change where session recordings are delivered (S3-compatible storage).

    Giving --endpoint or --bucket turns delivery on unless --disable is given. Without options, shows the current
    settings; the secret access key is never shown, only whether it is set.
    """
    if secret_stdin and secret is not None:
        fail("give the secret access key once: --s3-secret-access-key-stdin or --s3-secret-access-key, not both")
    if secret_stdin:
        secret = _read_secret()
    changes: dict[str, Any] = {}
    for name, value in (
        ("Endpoint", endpoint),
        ("Bucket", bucket),
        ("Prefix", prefix),
        ("Region", region),
        ("AccessKeyId", s3_access_key_id),
        ("SecretAccessKey", secret),
        ("DeliverAuditEvents", audit),
        ("LocalRetentionDays", retention_days),
    ):
        if value is not None:
            changes[name] = value
    if enable is None and (endpoint or bucket):
        enable = True
    if enable is not None:
        changes["Enabled"] = enable

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            if changes:
                await api.call(
                    "ModifyCloudAssistantSettings", {"SettingType": DELIVERY_CONFIG, DELIVERY_CONFIG: changes}
                )
            reply = await api.call("DescribeCloudAssistantSettings", {"SettingType": [DELIVERY_CONFIG]})
            return dict(reply.get(DELIVERY_CONFIG) or {})

    config = run_async(go)
    if as_json:
        print_json(config)
        return
    _show_config(config)
    if changes:
        note("Saved. `tether recordings status` shows how delivery goes.")
