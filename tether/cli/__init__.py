"""The `tether` command: one click group that wires the server, agent and client commands together.

Each layer keeps its commands in its own module, and the group imports a module only when one of its commands
runs: a client command should not pay for importing the server's database layer (that halves start-up time).
"""

from __future__ import annotations

import importlib
from typing import Any

import click
from click.shell_completion import CompletionItem

from tether import __version__
from tether.cli.common import CONNECTION_FIELDS, connection_option_list
from tether.cli.examples import attach_examples
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
    "completion": ("completion_cmds", "completion"),
    "db": ("db_cmds", "db"),
}

# What `tether --help` and shell completion say of each command: one line that fits 80 columns (at most
# SHORT_HELP_LIMIT characters beside the longest name). Kept here so listing the commands imports none of them;
# a command missing from the table shows its own short help instead.
SHORT_HELP_LIMIT = 63
_SHORT_HELP: dict[str, str] = {
    "demo": "Try it: a server and an agent on this machine, and a shell",
    "server": "Run the tether server: API, relay, agent channels, console",
    "agent": "Run this machine's agent: register once, then stay connected",
    "configure": "Save a server and access key as a profile",
    "api": "Call any API action and print its JSON response",
    "instances": "List instances and whether their agent is online",
    "activation": "Create, list and delete the codes that register instances",
    "session": "Open a shell on an instance; exit with the remote status",
    "sessions": "List terminal sessions, newest first",
    "session-end": "End a session wherever it runs",
    "portforward": "Forward a local TCP port to a port on or beside an instance",
    "proxy": "Connect stdin/stdout to a port on an instance (ProxyCommand)",
    "ssh": "OpenSSH to USER@INSTANCE through the relay with a 60 s key",
    "ssh-key": "Push a temporary SSH public key to an instance",
    "ssh-config": "Print a ~/.ssh/config block for ssh, scp, rsync and git",
    "iam": "Users, groups, roles, access keys and policies",
    "assume-role": "Get temporary credentials for a role (AssumeRole)",
    "audit": "Search the audit trail: who called what, when, and the result",
    "settings": "Account-wide settings",
    "tag": "Tags on instances (policies can test them as ecs:tag/KEY)",
    "recordings": "Replay, print or save the recording of a shell session",
    "console": "The browser console (https://SERVER/console/)",
    "completion": "Print the shell completion script for bash, zsh or fish",
    "db": "Database revision, upgrades, backups and restores of a data dir",
}

# Commands that do not talk to the API as a user, so the group's connection options mean nothing to them (`agent
# register` has a --server of its own): given before one of these, they are an error rather than silently ignored.
_NOT_CLIENT_COMMANDS = frozenset({"demo", "server", "agent", "completion", "db"})


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
        if command.short_help is None and cmd_name in _SHORT_HELP:
            command.short_help = _SHORT_HELP[cmd_name]
        attach_examples(cmd_name, command)
        return command

    def describe(self, ctx: click.Context, cmd_name: str) -> str:
        """The one-line description of a command, without importing it when the table has it."""
        if cmd_name in _SHORT_HELP:
            return _SHORT_HELP[cmd_name]
        command = self.get_command(ctx, cmd_name)
        return command.get_short_help_str(SHORT_HELP_LIMIT) if command is not None else ""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.describe(ctx, name)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names from the table (a Tab must not import every command), then the group's own options."""
        items = [
            CompletionItem(name, help=self.describe(ctx, name))
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
        ]
        return items + click.Command.shell_complete(self, ctx, incomplete)


def _group_options(func: Any) -> Any:
    for option in reversed(connection_option_list()):
        func = option(func)
    return func


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.version_option(__version__, prog_name="tether")
@_group_options
@click.pass_context
def cli(ctx: click.Context, /, **connection: str | None) -> None:
    """Tether: shells and ports on machines that accept no inbound connection.

    The connection options may come before the command, once for all client commands
    (`tether --profile prod session -i web-1`); an option given after the command wins.
    `tether completion bash` prints the shell completion script.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)
    given = [f"--{name.replace('_', '-')}" for name in CONNECTION_FIELDS if connection.get(name)]
    if given and ctx.invoked_subcommand in _NOT_CLIENT_COMMANDS:
        raise click.UsageError(
            f"{', '.join(given)} before `{ctx.invoked_subcommand}` is for the client commands; "
            f"`tether {ctx.invoked_subcommand}` does not use it there — put it after the command if it takes one"
        )


def main() -> None:
    """Console-script entry point."""
    tracing.mark("cli imported")
    cli(prog_name="tether")
