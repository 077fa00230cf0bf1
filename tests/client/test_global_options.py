"""Connection options before the command (`tether --profile p instances`), and which value wins when both are given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tether.cli import cli
from tether.client.profile import load_profiles

from .client_fakes import KEY_ID, KEY_SECRET, FakeTether, write_credentials


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def count(result: Result) -> int:
    assert result.exit_code == 0, result.stderr
    return int(json.loads(result.stdout)["TotalCount"])


def flags(fake: FakeTether, secret: str = KEY_SECRET) -> list[str]:
    return ["--server", fake.url, "--access-key-id", KEY_ID, "--access-key-secret", secret, "--ca-cert",
            str(fake.tls.ca_cert)]  # fmt: skip


@pytest.fixture
def two_profiles(fake: FakeTether, tmp_path: Path) -> FakeTether:
    """`good` reaches the fake with the right key, `bad` with a wrong secret; `bad` is the current profile."""
    creds = write_credentials(tmp_path / "admin-credentials.json", fake)
    assert invoke("configure", "--from-file", str(creds), "--profile", "good").exit_code == 0
    assert invoke("configure", "--profile", "bad", *flags(fake, "wrong")).exit_code == 0
    return fake


def test_every_option_on_the_group(fake: FakeTether) -> None:
    assert count(invoke(*flags(fake), "instances", "--json")) == 150


def test_profile_on_the_group(two_profiles: FakeTether) -> None:
    assert invoke("instances").exit_code == 1  # the current profile, `bad`
    assert count(invoke("--profile", "good", "instances", "--json")) == 150
    sessions = invoke("--profile", "good", "sessions", "list", "--json", "--limit", "5")
    assert sessions.exit_code == 0 and len(json.loads(sessions.stdout)["Sessions"]) == 5


def test_the_command_value_wins(two_profiles: FakeTether) -> None:
    assert count(invoke("--profile", "bad", "instances", "--profile", "good", "--json")) == 150
    refused = invoke("--profile", "good", "instances", "--profile", "bad")
    assert refused.exit_code == 1 and "SignatureDoesNotMatch" in refused.stderr
    # field by field: the group's secret, the command's profile for the rest
    assert count(invoke("--access-key-secret", KEY_SECRET, "instances", "--profile", "bad", "--json")) == 150
    refused = invoke("--access-key-secret", KEY_SECRET, "instances", "--access-key-secret", "wrong")
    assert refused.exit_code == 1 and "SignatureDoesNotMatch" in refused.stderr


def test_group_options_beat_the_environment(two_profiles: FakeTether) -> None:
    env = {"TETHER_PROFILE": "good", "TETHER_ACCESS_KEY_ID": "AKnobody"}
    assert invoke("instances", env=env).exit_code == 1
    assert count(invoke("--access-key-id", KEY_ID, "instances", "--json", env=env)) == 150


def test_configure_and_ssh_config_take_the_group_profile(fake: FakeTether, isolated_env: Path) -> None:
    assert invoke("--profile", "other", *flags(fake), "configure").exit_code == 0
    profiles, current = load_profiles(isolated_env)
    assert current == "other" and profiles["other"].access_key_secret == KEY_SECRET
    assert "proxy --profile other -i %h" in invoke("--profile", "other", "ssh-config").stdout
    assert "proxy --profile mine -i %h" in invoke("--profile", "other", "ssh-config", "--profile", "mine").stdout


@pytest.mark.parametrize("command", [["agent", "register"], ["server"], ["demo"], ["completion", "bash"]])
def test_not_for_commands_that_do_not_use_them(command: list[str]) -> None:
    result = invoke("--server", "https://x:8443", *command)
    assert result.exit_code == 2
    assert f"--server before `{command[0]}` is for the client commands" in result.stderr
