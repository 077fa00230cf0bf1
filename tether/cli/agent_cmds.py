"""`tether agent ...`: register this machine once, run the agent (under systemd), and show what it is.

Exit statuses of `run`: 0 after a graceful stop (SIGTERM), 78 (EX_CONFIG) when the agent cannot work without an
operator: not registered, unreadable state, or deregistered by the server. The systemd unit lists 78 in
`RestartPreventExitStatus`, so such an agent stays stopped instead of retrying forever.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tether.agent.bounds import check_patterns
from tether.agent.config import STATE_DIR_ENV, AgentConfig, AgentSettings, ConfigError, default_state_dir
from tether.cli import runtime
from tether.cli.logformat import log_format_option, use_json

EX_CONFIG = 78

state_dir_option = click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=default_state_dir,
    show_default=f"${STATE_DIR_ENV}, else /var/lib/tether-agent as root, else ~/.local/state/tether-agent",
    help="Where the agent keeps agent.json, its key and the server CA.",
)


def bounds_options(func: Callable[..., None]) -> Callable[..., None]:
    """The agent's login and bounds settings as options of `register` (saved in agent.json) and `run` (this run).

    Unset options leave agent.json as it is; see tether.agent.bounds and docs/threat-model.md.
    """
    options = [
        click.option(
            "--default-user-sudo/--no-default-user-sudo",
            default=None,
            help="Whether the default login user gets passwordless sudo (default: yes).",
        ),
        click.option(
            "--allowed-user",
            "allowed_users",
            multiple=True,
            metavar="USER",
            help="A login user sessions may ask for besides the default user (repeat; * = any non-root user).",
        ),
        click.option(
            "--allow-root-login/--no-allow-root-login",
            default=None,
            help="Allow root as a login user (it must also be given with --allowed-user root).",
        ),
        click.option(
            "--allow-commands/--no-allow-commands",
            default=None,
            help="Accept sessions that run a CommandLine (default: yes).",
        ),
        click.option(
            "--forward-target",
            "forward_targets",
            multiple=True,
            metavar="HOST:PORT",
            help="A target port forwards may reach (repeat; CIDR and * allowed; default: this machine's ports).",
        ),
        click.option(
            "--data-channel-host",
            "data_channel_hosts",
            multiple=True,
            metavar="HOST",
            help="Another host name of the server (a scale-out node) that data channels may use (repeat).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def apply_bounds(settings: AgentSettings, given: dict[str, Any]) -> AgentSettings:
    """`settings` with the options that were given; a bad --forward-target is a usage error."""
    for name in ("default_user_sudo", "allow_root_login", "allow_commands"):
        if given.get(name) is not None:
            setattr(settings, name, given[name])
    for name in ("allowed_users", "forward_targets", "data_channel_hosts"):
        if given.get(name):
            setattr(settings, name, list(given[name]))
    try:
        check_patterns(settings.forward_targets)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--forward-target") from None
    return settings


@click.group("agent")
def agent() -> None:
    """Run this machine's agent: register it once, then keep it connected to the server."""


@agent.command("register")
@click.option("--server", required=True, envvar="TETHER_SERVER", help="Server URL, e.g. https://tether.example:8443.")
@click.option(
    "--ca-cert",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="The server's CA certificate (DATA_DIR/tls/ca.pem); omit to use the system trust store.",
)
@click.option("--activation-id", required=True, envvar="TETHER_ACTIVATION_ID", help="From CreateActivation.")
@click.option(
    "--activation-code",
    required=True,
    envvar="TETHER_ACTIVATION_CODE",
    help="From CreateActivation; prefer $TETHER_ACTIVATION_CODE so it stays out of the process list.",
)
@state_dir_option
@click.option("--force", is_flag=True, help="Replace an existing registration in the state directory.")
@click.option("--json", "as_json", is_flag=True, help='Print {"InstanceId": ...}.')
@bounds_options
def register_cmd(
    server: str,
    ca_cert: Path | None,
    activation_id: str,
    activation_code: str,
    state_dir: Path,
    force: bool,
    as_json: bool,
    **bounds: Any,
) -> None:
    """Register this machine with the server and write the state directory; prints the instance id."""
    from tether.agent.register import RegistrationError, register

    settings = apply_bounds(AgentSettings(), bounds)
    try:
        instance_id = runtime.run(
            register(server, ca_cert, activation_id, activation_code, state_dir, settings=settings, force=force)
        )
    except RegistrationError as e:
        raise click.ClickException(f"registration failed: {e}") from None
    if as_json:
        click.echo(json.dumps({"InstanceId": instance_id}))
        return
    click.echo(instance_id)
    click.echo(
        "Next, start the agent: under systemd install packaging/tether-agent.service (ExecStart with this "
        f"--state-dir) and run `systemctl enable --now tether-agent`; or run `tether agent run --state-dir "
        f"{state_dir}`.",
        err=True,
    )


@agent.command("run")
@state_dir_option
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    default="info",
    show_default=True,
)
@log_format_option
@bounds_options
def run_cmd(state_dir: Path, log_level: str, log_format: str, **bounds: Any) -> None:
    """Keep the control channel to the server up and run the sessions it opens (until SIGTERM)."""
    from tether.agent.control import AgentDeregistered, run_agent

    logging.basicConfig(
        level=getattr(logging, log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if log_format == "json":
        use_json()
    try:
        config = AgentConfig.load(state_dir)
    except ConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EX_CONFIG)
    config.settings = apply_bounds(config.settings, bounds)
    try:
        runtime.run(run_agent(config))
    except (AgentDeregistered, ConfigError) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EX_CONFIG)


@agent.command("status")
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def status_cmd(state_dir: Path, as_json: bool) -> None:
    """Show this agent's instance id, server and key fingerprint."""
    from tether.auth.agentkey import fingerprint, load_key

    try:
        config = AgentConfig.load(state_dir)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    try:
        key_fingerprint = fingerprint(load_key(config.key_file))
    except (OSError, ValueError) as e:
        raise click.ClickException(f"cannot read the agent key {config.key_file}: {e}") from None
    info = {
        "InstanceId": config.instance_id,
        "Server": config.server,
        "KeyFingerprint": key_fingerprint,
        "CaCert": str(config.ca_cert) if config.ca_cert else None,
        "StateDir": str(config.state_dir),
        "DefaultUser": config.settings.default_user,
        "DefaultUserSudo": config.settings.default_user_sudo,
        "AllowedUsers": ", ".join(config.settings.allowed_users) or "(the default user only)",
        "AllowCommands": config.settings.allow_commands,
        "ForwardTargets": ", ".join(config.settings.forward_targets) or "(none: forwarding is off)",
    }
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    width = max(len(k) for k in info)
    for key, value in info.items():
        click.echo(f"{key:<{width}}  {value if value is not None else '(system trust store)'}")


@agent.command("sshd-config")
@state_dir_option
def sshd_config_cmd(state_dir: Path) -> None:
    """Print the sshd_config lines that let sshd accept the agent's temporary SSH keys.

    Only the lines go to stdout, so `tether agent sshd-config >> /etc/ssh/sshd_config` (or, where sshd_config has
    `Include /etc/ssh/sshd_config.d/*.conf`, `> /etc/ssh/sshd_config.d/tether.conf`) works; then reload sshd.
    If sshd_config already sets AuthorizedKeysFile, add the last path of the printed line to it instead.
    """
    from tether.agent.sshd import SshdConfigError, config_lines

    try:
        lines = config_lines(state_dir)
    except SshdConfigError as e:
        raise click.ClickException(str(e)) from None
    click.echo("\n".join(lines))
