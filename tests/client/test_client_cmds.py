"""The client commands through click, against the fake server: output contracts, paging, errors, configure."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner, Result

from tether.auth.tls import ensure_server_tls
from tether.cli import cli
from tether.client.profile import load_profiles

from .client_fakes import KEY_ID, KEY_SECRET, FakeTether, write_credentials


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(cli, list(args), env=env, input=input, catch_exceptions=False)


def assert_one_line_error(result: Result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tether: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def configured(fake: FakeTether, tmp_path: Path, isolated_env: Path) -> Path:
    creds = write_credentials(tmp_path / "admin-credentials.json", fake)
    result = invoke("configure", "--from-file", str(creds))
    assert result.exit_code == 0, result.output
    return isolated_env


def test_configure_from_file(fake: FakeTether, tmp_path: Path, isolated_env: Path) -> None:
    creds = write_credentials(tmp_path / "admin-credentials.json", fake)
    result = invoke("configure", "--from-file", str(creds), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["Profile"] == "default" and summary["AccessKeyId"] == KEY_ID
    assert KEY_SECRET not in result.output
    profiles, current = load_profiles(isolated_env)
    assert current == "default"
    assert profiles["default"].server == fake.url
    assert profiles["default"].access_key_secret == KEY_SECRET
    assert profiles["default"].ca_cert == str(fake.tls.ca_cert)
    assert stat.S_IMODE(isolated_env.stat().st_mode) == 0o600
    assert stat.S_IMODE(isolated_env.parent.stat().st_mode) == 0o700


def test_configure_flags_add_a_second_profile(configured: Path) -> None:
    result = invoke(
        "configure",
        "--profile",
        "other",
        "--server",
        "https://other:8443",
        "--access-key-id",
        "id2",
        "--access-key-secret",
        "sec2",
    )
    assert result.exit_code == 0, result.output
    assert "sec2" not in result.output
    profiles, current = load_profiles(configured)
    assert current == "other"
    assert set(profiles) == {"default", "other"}
    assert profiles["other"].ca_cert is None


def test_configure_without_values_off_a_terminal(isolated_env: Path) -> None:
    result = invoke("configure", "--server", "https://x:1")
    assert_one_line_error(result, 1, "missing --access-key-id, --access-key-secret")


def test_instances_pages_through_everything(configured: Path, fake: FakeTether) -> None:
    result = invoke("instances", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["Instances"]) == 150
    bodies = [body for action, body, _ in fake.calls if action == "DescribeInstances"]
    after = "after:" + document["Instances"][99]["InstanceId"]  # keyset paging, as the real server does
    assert bodies == [{"MaxResults": 100}, {"MaxResults": 100, "NextToken": after}]

    table = invoke("instances").stdout.splitlines()
    header = ["InstanceId", "Name", "Hostname", "Status", "LoginUser", "Agent", "AgentVersion", "LastHeartbeat"]
    assert table[0].split() == header
    assert len(table) == 151
    assert table[1].split()[:4] == ["mi-00000000000000000", "-", "host0", "Online"]


def test_instances_with_many_pages_asks_for_each_once(configured: Path, fake: FakeTether) -> None:
    """More instances than a page holds several times over: one call per page, each by the previous answer's
    NextToken (keyset: no page by number, so no offset the server would have to skip), every instance once and in
    order, filters still applied by the command."""
    fake.instances = [
        {**fake.instances[0], "InstanceId": f"mi-{i:017d}", "Hostname": f"host{i}",
         "Status": "Online" if i % 2 else "Offline"}
        for i in range(1050)
    ]
    document = json.loads(invoke("instances", "--json").stdout)
    assert [i["InstanceId"] for i in document["Instances"]] == [f"mi-{i:017d}" for i in range(1050)]
    assert document["TotalCount"] == 1050
    bodies = [body for action, body, _ in fake.calls if action == "DescribeInstances"]
    assert len(bodies) == 11 and all("PageNumber" not in b and b["MaxResults"] == 100 for b in bodies)
    assert [b.get("NextToken") for b in bodies] == [None] + [f"after:mi-{i:017d}" for i in range(99, 1000, 100)]
    online = json.loads(invoke("instances", "--json", "--status", "online", "--name", "host10*").stdout)
    assert [i["Hostname"] for i in online["Instances"]] == ["host101", "host103", "host105", "host107", "host109"] + [
        f"host{i}" for i in range(1001, 1050, 2)
    ]


def test_precedence_in_commands(configured: Path, fake: FakeTether) -> None:
    # The flag beats the profile: a wrong secret on the command line is used and rejected.
    result = invoke("instances", "--access-key-secret", "wrong")
    assert_one_line_error(result, 1, "SignatureDoesNotMatch", "--access-key-secret")
    # The environment beats the profile too.
    result = invoke("instances", env={"TETHER_ACCESS_KEY_ID": "AKnobody"})
    assert_one_line_error(result, 1, "InvalidAccessKeyId.NotFound")


def test_not_configured(isolated_env: Path) -> None:
    result = invoke("instances")
    assert_one_line_error(result, 1, "--server or TETHER_SERVER", "tether configure")


def test_untrusted_server_from_command(configured: Path, fake: FakeTether, tmp_path: Path) -> None:
    result = invoke("instances", env={"TETHER_CA_CERT": ""})
    assert result.exit_code == 0  # an empty variable does not override the profile
    other_ca = ensure_server_tls(tmp_path / "other-tls", ["localhost"]).ca_cert
    result = invoke("instances", "--profile", "default", "--ca-cert", str(other_ca))
    assert_one_line_error(result, 1, "certificate not trusted", "--ca-cert DATA_DIR/tls/ca.pem")
    result = invoke("instances", "--ca-cert", str(tmp_path / "missing.pem"))
    assert_one_line_error(result, 1, "missing.pem not found")


def test_api_command(configured: Path, fake: FakeTether, tmp_path: Path) -> None:
    result = invoke("api", "DescribeInstances", "--body", '{"PageSize": 2}')
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["Instances"]) == 2
    body_file = tmp_path / "body.json"
    body_file.write_text('{"PageSize": 3}')
    result = invoke("api", "DescribeInstances", "--body", f"@{body_file}")
    assert len(json.loads(result.stdout)["Instances"]) == 3
    result = invoke("api", "DescribeInstances", "--body", "@-", input='{"PageSize": 1}')
    assert len(json.loads(result.stdout)["Instances"]) == 1
    assert_one_line_error(invoke("api", "DescribeInstances", "--body", "[1]"), 1, "must be a JSON object")
    assert_one_line_error(invoke("api", "Nope"), 1, "InvalidAction.NotFound")


def test_activation_commands(configured: Path, fake: FakeTether) -> None:
    result = invoke("activation", "create", "--count", "3", "--ttl-hours", "2", "--description", "lab")
    assert result.exit_code == 0, result.stderr
    assert "ActivationId:   act-0001" in result.stdout
    assert "ActivationCode: code-shown-once" in result.stdout
    assert fake.calls[-1][:2] == (
        "CreateActivation",
        {"Description": "lab", "InstanceCount": 3, "TimeToLiveInHours": 2},
    )
    created = json.loads(invoke("activation", "create", "--json").stdout)
    assert created["ActivationCode"] == "code-shown-once"

    listing = invoke("activation", "list").stdout.splitlines()
    assert listing[1].split()[:2] == ["act-0001", "d"]
    assert "2/10" in listing[1]
    assert json.loads(invoke("activation", "list", "--json").stdout)["TotalCount"] == 1

    result = invoke("activation", "delete", "act-0001")
    assert result.exit_code == 0 and result.stdout == ""
    assert fake.calls[-1][:2] == ("DeleteActivation", {"ActivationId": "act-0001"})


def test_sessions_and_session_end(configured: Path, fake: FakeTether) -> None:
    result = invoke("sessions", "--limit", "30", "--json", "--state", "Terminated")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["Sessions"]) == 30
    assert "more sessions exist" in result.stderr
    all_sessions = invoke("sessions")
    assert len(all_sessions.stdout.splitlines()) == 46  # header + 45, following NextToken
    result = invoke("session-end", "s-0001", "--json")
    assert json.loads(result.stdout)["RequestId"]
    assert fake.calls[-1][:2] == ("EndTerminalSession", {"SessionId": "s-0001"})


def test_session_offline_instance_exits_255(configured: Path) -> None:
    result = invoke("session", "-i", "mi-0ff")
    assert_one_line_error(result, 255, "InvalidInstance.Offline", "tether agent")


def test_session_command_end_to_end(configured: Path, fake: FakeTether) -> None:
    env = dict(os.environ)
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    child = pexpect.spawn(
        sys.executable,
        ["-m", "tether", "session", "-i", "mi-7e57", "--user", "bob"],
        env=env,
        timeout=15,
        dimensions=(30, 100),
    )
    conn = fake.wait_connected()
    child.send(b"echo hi\r")
    child.expect(b"echo hi\r")
    assert fake.calls[-1][:2] == ("StartTerminalSession", {"InstanceId": "mi-7e57", "Username": "bob"})
    assert conn.resizes[0] == (100, 30)
    fake.exit(conn, 42)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 42


def test_configure_interactive(isolated_env: Path, fake: FakeTether) -> None:
    env = dict(os.environ)
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))

    def run(answers: list[tuple[str, str]]) -> str:
        child = pexpect.spawn(sys.executable, ["-m", "tether", "configure"], env=env, timeout=10, encoding="utf-8")
        for prompt, answer in answers:
            child.expect(prompt)
            child.sendline(answer)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        return str(child.before)

    run(
        [
            ("Server URL: ", fake.url),
            ("Access key id: ", KEY_ID),
            ("Access key secret: ", KEY_SECRET),
            (r"CA certificate \(empty: system store\): ", str(fake.tls.ca_cert)),
        ]
    )
    profiles, current = load_profiles(isolated_env)
    assert current == "default"
    assert profiles["default"].access_key_secret == KEY_SECRET
    # Enter keeps every value; the secret is shown masked, never in clear.
    output = run(
        [
            (rf"Server URL \[{fake.url}\]: ", ""),
            (rf"Access key id \[{KEY_ID}\]: ", ""),
            (r"Access key secret \[\*\*\*\*only\]: ", ""),
            (r"CA certificate .*: ", ""),
        ]
    )
    assert KEY_SECRET not in output
    assert load_profiles(isolated_env)[0]["default"] == profiles["default"]
    assert invoke("instances", "--json").exit_code == 0
