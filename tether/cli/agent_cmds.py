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
    show_default=f"${STATE_DIR_ENV}, else /var/lib/tether-agent as root, else $XDG_STATE_HOME/tether-agent",
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
        runtime.run(run_agent(config, adjust=lambda settings: apply_bounds(settings, bounds)))
    except (AgentDeregistered, ConfigError) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EX_CONFIG)


@agent.command("status")
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def status_cmd(state_dir: Path, as_json: bool) -> None:
    """Show this agent's instance id, server and key fingerprint."""
    from tether.auth.agentkey import fingerprint, load_key

    config = _load(state_dir)
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


# -- `tether agent config`: the settings in agent.json, read and changed without editing JSON -------------------------

RELOAD_WAIT = 10.0  # seconds `config set` waits for the running agent's answer to SIGHUP


@agent.group("config")
def config_group() -> None:
    """Read and change this agent's settings; `set` reloads the running agent.

    \b
    EXAMPLES
      tether agent config list
      tether agent config set forward_targets 'localhost:*' 10.0.0.0/8:5432
      tether agent config set allowed_users alice,bob
      tether agent config unset forward_targets
    """


def _load(state_dir: Path) -> AgentConfig:
    """The agent's settings, or the reason they cannot be read as the command's error."""
    try:
        return AgentConfig.load(state_dir)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


@config_group.command("list")
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object of every key and its value.")
def config_list_cmd(state_dir: Path, as_json: bool) -> None:
    """Show every setting, its value and whether a running agent applies a change live or at restart."""
    from dataclasses import asdict

    from tether.agent.configkeys import keys, show_value

    values = asdict(_load(state_dir).settings)
    if as_json:
        click.echo(json.dumps(values, indent=2))
        return
    info = keys()
    width = max(len(k) for k in info)
    for name, key in info.items():
        value = show_value(values[name]) or '""'
        click.echo(f"{name:<{width}}  {'live   ' if key.live else 'restart'}  {value}")


@config_group.command("get")
@click.argument("key")
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the value as JSON.")
def config_get_cmd(key: str, state_dir: Path, as_json: bool) -> None:
    """Print one setting's value (a list comma-separated)."""
    from tether.agent.configkeys import ConfigKeyError, key_info, show_value

    try:
        key_info(key)
    except ConfigKeyError as e:
        raise click.ClickException(str(e)) from None
    config = _load(state_dir)
    value = getattr(config.settings, key)
    click.echo(json.dumps(value) if as_json else show_value(value))


def _change(key: str, words: list[str] | None, state_dir: Path, pid: int | None, reload: bool) -> None:
    from tether.agent.configkeys import ConfigKeyError, change_setting, parse_value, show_value

    try:
        value = None if words is None else parse_value(key, words)
        old, new, path = change_setting(state_dir, key, value)
    except (ConfigKeyError, ConfigError) as e:
        raise click.ClickException(str(e)) from None
    except OSError as e:
        raise click.ClickException(f"cannot write the agent's settings in {state_dir}: {e}") from None

    def shown(value: Any) -> str:
        return show_value(value) or '""'  # an empty list, as it is typed

    if old == new:
        click.echo(f"{key} is already {shown(new)} ({path})")
    else:
        click.echo(f"{key} = {shown(new)} (was {shown(old)}; saved in {path})")
    if reload:
        _reload_running_agent(state_dir.expanduser().absolute(), pid)


def _reload_running_agent(state_dir: Path, pid: int | None) -> None:
    """SIGHUP the agent running from `state_dir` (or `pid`) and print its answer (STATE_DIR/reload.json)."""
    import os
    import signal
    import time

    from tether.agent.reload import agent_pid, read_status, status_stamp

    if pid is None:
        pid = agent_pid(state_dir)
        if pid is None:
            click.echo(f"no running agent found for {state_dir} (no live agent.pid); it reads this when it starts")
            return
    before = status_stamp(state_dir)
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise click.ClickException(f"no process {pid}: is the agent running? It reads this when it starts") from None
    except PermissionError:
        raise click.ClickException(
            f"not allowed to signal the agent (pid {pid}); run this as its user or root, or restart the agent"
        ) from None
    deadline = time.monotonic() + RELOAD_WAIT
    while time.monotonic() < deadline:
        if status_stamp(state_dir) != before:
            result = read_status(state_dir)
            if result is not None and result.pid == pid:
                break
        time.sleep(0.1)
    else:
        raise click.ClickException(
            f"the agent (pid {pid}) did not confirm the reload within {RELOAD_WAIT:g} s; see its log "
            "(`journalctl -u tether-agent`), or restart it to apply the change"
        )
    if not result.ok:
        raise click.ClickException(f"the agent (pid {pid}) could not reload: {result.error}")
    if result.applied:
        click.echo(f"agent (pid {pid}) reloaded: {', '.join(result.applied)} now apply to new sessions and forwards")
    if result.restart:
        click.echo(
            f"restart the agent to apply {', '.join(result.restart)} (`systemctl restart tether-agent`): "
            "it reads them only at start"
        )
    if result.overridden:
        click.echo(
            f"not applied: {', '.join(result.overridden)} is set by an option of `tether agent run`, which wins; "
            "remove the option to use agent.json"
        )
    if not (result.applied or result.restart or result.overridden):
        click.echo(f"agent (pid {pid}) reloaded: nothing changed for it")


_pid_option = click.option(
    "--pid", type=click.IntRange(min=1), default=None, help="The agent's pid (default: STATE_DIR/agent.pid)."
)
_no_reload_option = click.option(
    "--no-reload", "no_reload", is_flag=True, help="Only write agent.json; do not signal the running agent."
)


@config_group.command("set")
@click.argument("key")
@click.argument("values", nargs=-1, required=True, metavar="VALUE...")
@state_dir_option
@_pid_option
@_no_reload_option
def config_set_cmd(key: str, values: tuple[str, ...], state_dir: Path, pid: int | None, no_reload: bool) -> None:
    """Set KEY to VALUE (a list: several values, or one comma-separated; "" for an empty list).

    The value is checked first (a refused one leaves agent.json as it was); then the running agent is sent SIGHUP
    and this prints what it applied, or which keys need a restart. `tether agent config list` shows every key.
    """
    _change(key, list(values), state_dir, pid, not no_reload)


@config_group.command("unset")
@click.argument("key")
@state_dir_option
@_pid_option
@_no_reload_option
def config_unset_cmd(key: str, state_dir: Path, pid: int | None, no_reload: bool) -> None:
    """Put KEY back to its default, then reload the running agent like `set`."""
    _change(key, None, state_dir, pid, not no_reload)
