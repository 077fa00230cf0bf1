"""`tether configure`: save a server and access key as a profile, from flags, a credentials file or prompts.

A profile is what every other client command connects with (flags > environment > profile file), so this command
is the one place that writes it; secrets asked for here are read without echo and shown only masked.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from tether.cli.common import fail, inherited_connection, json_option, note, print_json
from tether.client.credentials import check_credentials_uri
from tether.client.errors import ClientError, ConfigError
from tether.client.profile import (
    DEFAULT_PROFILE,
    ENV_PROFILE,
    MODES,
    Profile,
    config_path,
    load_profiles,
    merged_profile,
    save_profile,
)

__all__ = ["configure"]


def _read_credentials_file(path: Path) -> dict[str, str]:
    """The server's admin-credentials.json: {server, access_key_id, access_key_secret, ca_cert}."""
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{path} is not JSON ({exc}) — pass the server's DATA_DIR/admin-credentials.json") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"{path} is not a JSON object — pass the server's DATA_DIR/admin-credentials.json")
    values = {
        key: str(document[key])
        for key in ("server", "access_key_id", "access_key_secret", "ca_cert", "security_token", "mode")
        if document.get(key)
    }
    if values.get("ca_cert"):
        ca = Path(values["ca_cert"]).expanduser()
        values["ca_cert"] = str(ca if ca.is_absolute() else (path.parent / ca).resolve())
    return values


def _mask(secret: str | None) -> str:
    return f"****{secret[-4:]}" if secret and len(secret) > 8 else ("****" if secret else "")


@click.command()
@click.option("--server", metavar="URL", help="Server URL, e.g. https://host:8443.")
@click.option("--access-key-id", metavar="ID")
@click.option("--access-key-secret", metavar="SECRET", help="Prefer the prompt or --from-file: command lines leak.")
@click.option("--security-token", metavar="TOKEN", help="For --mode StsToken (temporary credentials).")
@click.option(
    "--credentials-uri",
    metavar="URL",
    help="For --mode CredentialsURI: fetch temporary credentials from this URL (https, or http on loopback).",
)
@click.option("--ca-cert", metavar="PATH", help="CA certificate to trust (the server's DATA_DIR/tls/ca.pem).")
@click.option("--profile", metavar="NAME", help="Profile to write [default: TETHER_PROFILE, current, 'default'].")
@click.option("--mode", type=click.Choice(MODES), help="Credential kind [default: AK].")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read server, key and CA from the server's DATA_DIR/admin-credentials.json.",
)
@json_option
@click.pass_context
def configure(
    ctx: click.Context,
    server: str | None,
    access_key_id: str | None,
    access_key_secret: str | None,
    security_token: str | None,
    credentials_uri: str | None,
    ca_cert: str | None,
    profile: str | None,
    mode: str | None,
    from_file: Path | None,
    as_json: bool,
) -> None:
    """Save a server and access key as a profile in the profile file (mode 0600; docs/cli.md "Files").

    With --mode CredentialsURI --credentials-uri URL, no key is stored: each command fetches temporary
    credentials from URL (cached until shortly before they expire).

    Without flags on a terminal, asks for each setting (Enter keeps the current value). The profile written
    becomes the current one.
    """
    # `tether --profile p configure` and the like: the group's connection options fill in the ones not given here
    server, access_key_id, access_key_secret, ca_cert, profile = (
        value or inherited_connection(ctx, name)
        for name, value in (
            ("server", server),
            ("access_key_id", access_key_id),
            ("access_key_secret", access_key_secret),
            ("ca_cert", ca_cert),
            ("profile", profile),
        )
    )
    try:
        path = config_path()
        profiles, current = load_profiles(path)
        name = profile or os.environ.get(ENV_PROFILE) or current or DEFAULT_PROFILE
        values: dict[str, str | None] = dict(_read_credentials_file(from_file)) if from_file else {}
        given = {
            "server": server,
            "access_key_id": access_key_id,
            "access_key_secret": access_key_secret,
            "security_token": security_token,
            "ca_cert": str(Path(ca_cert).expanduser().resolve()) if ca_cert else None,
            "mode": mode or ("CredentialsURI" if credentials_uri else None),
            "credentials_uri": credentials_uri,
        }
        values.update({k: v for k, v in given.items() if v})
        result = merged_profile(profiles.get(name), name, **values)
        if result.mode == "CredentialsURI" and not mode and not credentials_uri and (access_key_id or from_file):
            # a key given for a profile that fetched its credentials from a URI: it is a key profile again
            result = replace(result, mode="StsToken" if result.security_token else "AK")
        if result.mode == "CredentialsURI":
            written = _save_uri_profile(result, path)
            _report(result, written, as_json)
            return
        if credentials_uri:
            raise ConfigError(f"--credentials-uri needs --mode CredentialsURI, not {result.mode}")
        interactive = sys.stdin.isatty() and from_file is None and not any(given.values())
        if interactive:
            result = _prompt_profile(result)
        missing = [
            flag
            for flag, value in (
                ("--server", result.server),
                ("--access-key-id", result.access_key_id),
                ("--access-key-secret", result.access_key_secret),
            )
            if not value
        ]
        if missing and sys.stdin.isatty() and not interactive:
            result = _prompt_profile(result, only_missing=True)
        elif missing:
            raise ConfigError(f"missing {', '.join(missing)} — pass them, use --from-file, or run on a terminal")
        if result.mode == "StsToken" and not result.security_token:
            raise ConfigError("mode StsToken needs --security-token")
        written = save_profile(result, make_current=True, path=path)
    except ClientError as exc:
        fail(str(exc))
    _report(result, written, as_json)


def _save_uri_profile(result: Profile, path: Path) -> Path:
    """A CredentialsURI profile: a server and a URI (checked here, fetched by each command), no stored key."""
    needed = (("--server", result.server), ("--credentials-uri", result.credentials_uri))
    missing = [flag for flag, value in needed if not value]
    if missing:
        raise ConfigError(f"mode CredentialsURI needs {' and '.join(missing)}")
    check_credentials_uri(str(result.credentials_uri))
    return save_profile(result, make_current=True, path=path)


def _report(result: Profile, written: Path, as_json: bool) -> None:
    uri_mode = result.mode == "CredentialsURI"
    summary = {
        "Profile": result.name,
        "ConfigFile": str(written),
        "Mode": result.mode,
        "Server": result.server,
        "AccessKeyId": None if uri_mode else result.access_key_id,
        "CredentialsUri": result.credentials_uri if uri_mode else None,
        "CaCert": result.ca_cert,
        "Current": True,
    }
    if as_json:
        print_json(summary)
        return
    where = f"credentials from {result.credentials_uri}" if uri_mode else f"key {result.access_key_id}"
    note(f"Saved profile '{result.name}' ({result.server}, {where}) to {written}; it is current.")


def _prompt_profile(profile: Profile, *, only_missing: bool = False) -> Profile:
    """Ask for each setting on the terminal; Enter keeps the value shown. Secrets are read without echo."""

    def ask(label: str, current: str | None, *, secret: bool = False) -> str | None:
        if only_missing and current:
            return current
        shown = _mask(current) if secret else (current or "")
        suffix = f" [{shown}]" if shown else ""
        answer: str = click.prompt(f"{label}{suffix}", default="", show_default=False, hide_input=secret, err=True)
        return answer.strip() or current

    server = ask("Server URL", profile.server)
    key_id = ask("Access key id", profile.access_key_id)
    secret = ask("Access key secret", profile.access_key_secret, secret=True)
    ca = ask("CA certificate (empty: system store)", profile.ca_cert) if not only_missing else profile.ca_cert
    if ca:
        ca = str(Path(ca).expanduser().resolve())
    return merged_profile(
        profile, profile.name, server=server, access_key_id=key_id, access_key_secret=secret, ca_cert=ca
    )
