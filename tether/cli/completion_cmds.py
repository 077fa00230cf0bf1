"""`tether completion bash|zsh|fish`: print the script that makes the shell complete tether's commands.

Click's own completion machinery does the work: the script calls `tether` back with `_TETHER_COMPLETE` set, and
`-i` values come from the server (bounded by `tether.cli.common.COMPLETION_TIMEOUT`, silent on any failure).
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

__all__ = ["completion"]

SHELLS = ("bash", "zsh", "fish")
PROG = "tether"
COMPLETE_VAR = "_TETHER_COMPLETE"


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Load it from the shell's start-up file:

    \b
      echo 'eval "$(tether completion bash)"' >> ~/.bashrc
      echo 'eval "$(tether completion zsh)"' >> ~/.zshrc
      tether completion fish > ~/.config/fish/completions/tether.fish
    """
    root = ctx.find_root()
    cls = get_completion_class(shell)
    assert cls is not None  # every name in SHELLS is one of click's
    click.echo(cls(root.command, {}, PROG, COMPLETE_VAR).source())
