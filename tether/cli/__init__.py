"""The `tether` command: one click group that wires the server, agent and client commands together.

Each layer keeps its commands in its own module, and the group imports a module only when one of its commands
runs: a client command should not pay for importing the server's database layer (that halves start-up time).
"""

from __future__ import annotations

import importlib

import click

from tether import __version__
from tether.client import tracing

# command name -> (module under tether.cli, attribute), in the order `tether --help` lists them
_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "demo"),
    "server": ("server_cmds", "server"),
    "agent": ("agent_cmds", "agent"),
    "configure": ("configure_cmds", "configure"),
    "api": ("api_cmds", "api_cmd"),
    "instances": ("instance_cmds", "instances"),
    "activation": ("activation_cmds", "activation"),
    "session": ("session_cmds", "session"),
    "sessions": ("session_cmds", "sessions"),
    "session-end": ("session_cmds", "session_end"),
    "portforward": ("forward_cmds", "portforward"),
    "proxy": ("forward_cmds", "proxy"),
    "ssh": ("forward_cmds", "ssh"),
    "ssh-key": ("forward_cmds", "ssh_key"),
    "ssh-config": ("forward_cmds", "ssh_config"),
    "iam": ("iam_cmds", "iam"),
    "assume-role": ("iam_cmds", "assume_role"),
    "audit": ("audit_cmds", "audit"),
    "settings": ("settings_cmds", "settings"),
    "tag": ("tag_cmds", "tag"),
    "recordings": ("recording_cmds", "recordings"),
    "console": ("console_cmds", "console"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module = importlib.import_module(f"tether.cli.{target[0]}")
        tracing.mark(f"command module {target[0]} imported")
        command = getattr(module, target[1])
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="tether")
def cli() -> None:
    """Tether: shells and ports on machines that accept no inbound connection."""


def main() -> None:
    """Console-script entry point."""
    tracing.mark("cli imported")
    cli(prog_name="tether")
