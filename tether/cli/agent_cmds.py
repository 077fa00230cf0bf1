"""`tether agent ...`: register this machine once, run the agent (under systemd), and show what it is.

Exit statuses of `run`: 0 after a graceful stop (SIGTERM), 78 (EX_CONFIG) when the agent cannot work without an
operator: not registered, unreadable state, or deregistered by the server. The systemd unit lists 78 in
`RestartPreventExitStatus`, so such an agent stays stopped instead of retrying forever.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from tether.agent.config import STATE_DIR_ENV, AgentConfig, ConfigError, default_state_dir
from tether.cli import runtime

EX_CONFIG = 78

state_dir_option = click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=default_state_dir,
    show_default=f"${STATE_DIR_ENV}, else /var/lib/tether-agent as root, else ~/.local/state/tether-agent",
    help="Where the agent keeps agent.json, its key and the server CA.",
)


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
def register_cmd(
    server: str,
    ca_cert: Path | None,
    activation_id: str,
    activation_code: str,
    state_dir: Path,
    force: bool,
    as_json: bool,
) -> None:
    """Register this machine with the server and write the state directory; prints the instance id."""
    from tether.agent.register import RegistrationError, register

    try:
        instance_id = runtime.run(register(server, ca_cert, activation_id, activation_code, state_dir, force=force))
    except RegistrationError as e:
        raise click.ClickException(f"registration failed: {e}") from None
    if as_json:
        click.echo(json.dumps({"InstanceId": instance_id}))
    else:
        click.echo(instance_id)


@agent.command("run")
@state_dir_option
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    default="info",
    show_default=True,
)
def run_cmd(state_dir: Path, log_level: str) -> None:
    """Keep the control channel to the server up and run the sessions it opens (until SIGTERM)."""
    from tether.agent.control import AgentDeregistered, run_agent

    logging.basicConfig(
        level=getattr(logging, log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = AgentConfig.load(state_dir)
    except ConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EX_CONFIG)
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
