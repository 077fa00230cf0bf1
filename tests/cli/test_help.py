"""`tether --help` fits 80 columns, bare `tether` is the help, and every EXAMPLES line is a command that parses."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tether.cli import SHORT_HELP_LIMIT, LazyGroup, cli
from tether.cli.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
MAIN_COMMANDS = {
    "session", "sessions", "portforward", "ssh", "proxy", "instances", "activation", "configure", "server",
    "agent register",
}  # fmt: skip


def names() -> list[str]:
    with click.Context(cli) as ctx:
        return cli.list_commands(ctx)


def help_text(*args: str) -> str:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, [*args, "--help"], terminal_width=80, prog_name="tether")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_description_fits_80_columns() -> None:
    assert isinstance(cli, LazyGroup)
    with click.Context(cli) as ctx:
        for name in names():
            text = cli.describe(ctx, name)
            assert 0 < len(text) <= SHORT_HELP_LIMIT, (name, text)
            command = cli.get_command(ctx, name)
            assert command is not None and command.get_short_help_str(SHORT_HELP_LIMIT) == text
    listing = help_text()
    lines = listing.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    rows = lines[lines.index("Commands:") + 1 :]
    assert [row.split()[0] for row in rows] == names()  # one line each: nothing wrapped
    assert not any(row.endswith("...") for row in rows)


@pytest.mark.parametrize("name", names())
def test_every_command_has_help(name: str) -> None:
    assert help_text(name).startswith(f"Usage: tether {name} ")


def test_bare_tether_prints_the_help_and_exits_0() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tether"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: tether [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in proc.stdout and "--profile NAME" in proc.stdout


def example_commands(lines: tuple[str, ...]) -> list[list[str]]:
    """The `tether ...` commands among example lines (continuations joined, `VAR=value` prefixes dropped)."""
    joined: list[str] = []
    for line in lines:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line)
    commands = []
    for line in joined:
        words = shlex.split(line)
        while words and "=" in words[0] and not words[0].startswith("-"):
            words.pop(0)
        if words and words[0] == "tether":
            commands.append(words[1:])
    return commands


def parse(words: list[str]) -> list[str]:
    """Parse `tether WORDS` as click would run it, without running anything; the names of the commands reached."""
    ctx = cli.make_context("tether", list(words))
    command: click.Command = cli
    path = []
    # click 8.2+ keeps the subcommand's name in `_protected_args` (its public alias is deprecated)
    while isinstance(command, click.Group) and (rest := [*getattr(ctx, "_protected_args", []), *ctx.args]):
        sub = command.get_command(ctx, rest[0])
        assert sub is not None, f"no command {rest[0]!r} in {words}"
        ctx = sub.make_context(rest[0], rest[1:], parent=ctx)
        command = sub
        path.append(rest[0])
    return path


def test_main_commands_have_examples() -> None:
    assert MAIN_COMMANDS <= set(EXAMPLES)


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_examples_are_true(path: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TETHER_ACTIVATION_CODE", "CODE")  # the agent register examples export it first
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ca.pem").write_text("")  # files the examples name must exist for click to accept them
    (tmp_path / "tether-data").mkdir()
    (tmp_path / "tether-data" / "admin-credentials.json").write_text("{}")
    text = help_text(*path.split())
    assert "Examples:\n" in text
    for line in EXAMPLES[path]:
        assert f"    {line}\n" in text
    commands = example_commands(EXAMPLES[path])
    assert commands, f"{path} has no tether command among its examples"
    for words in commands:
        assert parse(words)[: len(path.split())] == path.split(), words
