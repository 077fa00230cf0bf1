"""Port forwarding and SSH commands: portforward, proxy, ssh, ssh-key push, ssh-config.

They follow the client conventions of `tether.cli.common` (data on stdout, one-line errors on stderr). `proxy` and `ssh`
exit 255 when tether itself fails, like ssh, because ssh's own status passes through them.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import click

from tether.cli.common import (
    ConnectionFlags,
    complete_destination,
    connection_options,
    fail,
    inherited_connection,
    instance_option,
    json_option,
    note,
    print_json,
    run_async,
)
from tether.client.api import ApiClient
from tether.client.errors import ClientError, ConfigError
from tether.client.forward import ForwardTarget, PortForwarder, format_address
from tether.client.profile import resolve_settings
from tether.client.proxy import run_proxy
from tether.client.resolve import resolve_instance
from tether.client.sshcmd import (
    build_ssh_argv,
    ephemeral_key,
    find_ssh,
    parse_destination,
    proxy_command,
    read_public_key,
    run_ssh,
    settings_env,
    ssh_config_stanza,
    tether_invocation,
)

__all__ = ["portforward", "proxy", "ssh", "ssh_config", "ssh_key"]

EXIT_TETHER_ERROR = 255

_instance_option = instance_option()


# ------------------------------------------------------------------------------------------------- portforward


@click.command()
@_instance_option
@click.option("--remote-port", type=click.IntRange(1, 65535), required=True, help="Port to reach on the far side.")
@click.option(
    "--local-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Local port to listen on; 0 picks a free one (printed).",
)
@click.option(
    "--remote-host",
    metavar="HOST",
    help="Host beside the instance to reach (name or IP, resolved there) [default: the instance itself].",
)
@click.option("--address", default="127.0.0.1", show_default=True, metavar="ADDR", help="Local address to listen on.")
@json_option
@connection_options
def portforward(
    instance_id: str,
    remote_port: int,
    local_port: int,
    remote_host: str | None,
    address: str,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Forward a local TCP port to a port on (or beside) an instance until Ctrl-C.

    Prints one line once the forward is ready. Every local connection becomes one stream of a single forwarding
    session; if the relay connection drops, open connections are closed, the listener stays, and tether reconnects.
    """

    async def go() -> None:
        async with conn.client() as api:
            resolved = await resolve_instance(api, instance_id)
            target = ForwardTarget(resolved, remote_port, remote_host)
            forwarder = PortForwarder(api, target, address=address, port=local_port, note=note)
            bound_address, bound_port = await forwarder.start()
            if as_json:
                print_json(
                    {
                        "LocalAddress": bound_address,
                        "LocalPort": bound_port,
                        "InstanceId": resolved,
                        "RemoteHost": target.remote_host,
                        "RemotePort": remote_port,
                    }
                )
            else:
                remote = f"{target.open_target} via {resolved}" if remote_host else f"{resolved}:{remote_port}"
                click.echo(f"Forwarding {format_address(bound_address, bound_port)} -> {remote}")
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(signum, forwarder.stop)
            try:
                await forwarder.run()
            finally:
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    loop.remove_signal_handler(signum)

    run_async(go)


# ------------------------------------------------------------------------------------------------------- proxy


@click.command()
@_instance_option
@click.option("--port", type=click.IntRange(1, 65535), required=True, help="Port to reach, e.g. 22.")
@click.option("--host", metavar="HOST", help="Host beside the instance to reach [default: the instance itself].")
@connection_options
def proxy(instance_id: str, port: int, host: str | None, conn: ConnectionFlags) -> None:
    """Connect stdin/stdout to one TCP connection on an instance (for ssh's ProxyCommand).

    Exits 0 once both directions ended, 255 with one line on stderr when tether fails.
    """

    async def go() -> tuple[int, str | None]:
        async with conn.client() as api:
            return await run_proxy(api, ForwardTarget(await resolve_instance(api, instance_id), port, host))

    status, message = run_async(go, error_code=EXIT_TETHER_ERROR)
    if message:
        click.echo(message, err=True)
    sys.exit(status)


# ----------------------------------------------------------------------------------------------------- ssh-key


@click.group("ssh-key")
def ssh_key() -> None:
    """Temporary SSH keys on instances."""


@ssh_key.command("push")
@_instance_option
@click.option("--user", required=True, metavar="NAME", help="Login user the key is for.")
@click.option(
    "--public-key",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="OpenSSH public key file, e.g. ~/.ssh/id_ed25519.pub.",
)
@json_option
@connection_options
def ssh_key_push(instance_id: str, user: str, public_key: Path, as_json: bool, conn: ConnectionFlags) -> None:
    """Let a public key log in as USER on an instance for 60 seconds (SendSSHPublicKey)."""

    async def go() -> dict[str, Any]:
        key = read_public_key(public_key)
        async with conn.client() as api:
            resolved = await resolve_instance(api, instance_id)
            return await api.call("SendSSHPublicKey", {"InstanceId": resolved, "UserName": user, "SSHPublicKey": key})

    response = run_async(go)
    instance_id = str(response.get("InstanceId") or instance_id)
    if as_json:
        print_json(response)
        return
    click.echo(f"Expiration: {response.get('Expiration') or '-'}")
    note(f"The key may log in as {user} on {instance_id} until then: `ssh {user}@{instance_id}` (see ssh-config).")


# --------------------------------------------------------------------------------------------------------- ssh


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option(
    "-i",
    "identity",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="IDENTITY",
    help="Log in with this private key (IDENTITY.pub is pushed) instead of a new ephemeral key.",
)
@connection_options
@click.argument("destination", shell_complete=complete_destination)
@click.argument("ssh_args", nargs=-1, type=click.UNPROCESSED)
def ssh(identity: Path | None, destination: str, ssh_args: tuple[str, ...], conn: ConnectionFlags) -> None:
    """OpenSSH to USER@INSTANCE through the relay, with a key valid for 60 seconds; exit with ssh's status.

    Makes an ephemeral Ed25519 key (removed afterwards) unless -i is given, pushes it with SendSSHPublicKey and runs
    ssh with `ProxyCommand=tether proxy`. INSTANCE is an id, a unique name or hostname, or a tag KEY=VALUE.
    Arguments after DESTINATION go to ssh (options or a remote command).
    For scp, rsync and git use `tether ssh-config`.
    """
    try:
        user, instance_id = parse_destination(destination)
        settings = resolve_settings(
            server=conn.server,
            access_key_id=conn.access_key_id,
            access_key_secret=conn.access_key_secret,
            ca_cert=conn.ca_cert,
            profile=conn.profile,
        )
        ssh_binary = find_ssh()
    except ClientError as exc:
        fail(str(exc), EXIT_TETHER_ERROR)
    proxy_line = proxy_command(tether_invocation(prefer_installed=False))

    def push(public_key: str) -> str:
        """Push the key to the instance DESTINATION names; its id, which ssh and the proxy then use."""

        async def go() -> str:
            async with ApiClient(
                settings.server, ca_cert=settings.ca_cert, credentials=settings.credentials_provider()
            ) as api:
                resolved = await resolve_instance(api, instance_id)
                await api.call(
                    "SendSSHPublicKey", {"InstanceId": resolved, "UserName": user, "SSHPublicKey": public_key}
                )
                return resolved

        return run_async(go, error_code=EXIT_TETHER_ERROR)

    def connect(private_key: Path, resolved: str) -> int:
        argv = build_ssh_argv(
            ssh_binary,
            destination=f"{user}@{resolved}",
            instance_id=resolved,
            identity=private_key,
            proxy=proxy_line,
            ssh_args=ssh_args,
        )
        return run_ssh(argv, settings_env(settings))

    try:
        if identity is not None:
            public_path = Path(f"{identity.expanduser()}.pub")
            if not public_path.is_file():
                raise ConfigError(f"{public_path} not found — -i needs the private key with its .pub beside it")
            resolved = push(read_public_key(public_path))
            status = connect(identity.expanduser(), resolved)
        else:
            with ephemeral_key() as key:
                status = connect(key.private_key, push(key.public_key))
    except ClientError as exc:
        fail(str(exc), EXIT_TETHER_ERROR)
    sys.exit(status)


# -------------------------------------------------------------------------------------------------- ssh-config


@click.command("ssh-config")
@click.option("--user", metavar="NAME", help="Default login user for mi-* hosts.")
@click.option("--profile", metavar="NAME", help="Tether profile the proxy should use [default: the current one].")
@click.pass_context
def ssh_config(ctx: click.Context, user: str | None, profile: str | None) -> None:
    """Print a ~/.ssh/config block that routes ssh, scp, rsync and git to mi-* hosts through tether.

    Plain ssh logs in with your own keys: they must be authorised on the instance, or pushed first with
    `tether ssh-key push` (valid 60 s).
    """
    profile = profile or inherited_connection(ctx, "profile")
    click.echo(ssh_config_stanza(tether_invocation(prefer_installed=True), user=user, profile=profile), nl=False)
    note("Append this to ~/.ssh/config, e.g. `tether ssh-config >> ~/.ssh/config`.")
