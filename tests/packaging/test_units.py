"""packaging/*.service: both units pass `systemd-analyze verify`, and their exact ExecStart lines, run from a venv
install of this repository, start a server that serves /healthz and an agent that comes online through it.

No systemd runs here (the machine's PID 1 is not systemd), so the units are not enabled; instead the test does what
systemd would do with them: it installs the package into a venv the way docs/operations.md says (a real `pip install`
of a copy of the repository, so packaging mistakes such as missing package data show), takes each ExecStart line as
written, swaps only the install prefix for the venv, the state directories for temporary ones and the listen address
for a free loopback port, applies the unit's UMask and Environment, runs it and stops it with the unit's KillSignal,
expecting a clean exit within TimeoutStopSec.

The venv uses the system's site-packages for the dependencies (already installed for the tests; a full install
downloads them, which is slow and needs the network) and installs tether itself with `--no-deps`.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from support.ports import free_port
from support.wait import GiveUp, eventually_sync

from tether.agent.config import AgentSettings
from tether.server.app import HANDLER_SHUTDOWN_TIMEOUT
from tether.server.config import ServerConfig
from tether.server.relay.core import CLOSE_WAIT

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
PREFIX = "/opt/tether"  # the documented install prefix: a venv
UNITS = ("tether-server.service", "tether-agent.service")

Unit = dict[str, dict[str, list[str]]]


def parse_unit(text: str) -> Unit:
    """Sections -> key -> every value (systemd allows a key more than once); comments and continuations handled."""
    unit: Unit = {}
    section: dict[str, list[str]] | None = None
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            section = unit.setdefault(line[1:-1], {})
            continue
        assert section is not None, f"a setting before any section: {line!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not a setting: {line!r}"
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


def load(name: str) -> Unit:
    return parse_unit((PACKAGING / name).read_text())


def one(unit: Unit, key: str, section: str = "Service") -> str:
    values = unit[section][key]
    assert len(values) == 1, (key, values)
    return values[0]


def seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "min": 60, "m": 60}
    for suffix, factor in units.items():
        if value.endswith(suffix) and value[: -len(suffix)].isdigit():
            return int(value[: -len(suffix)]) * factor
    return float(value)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with this repository pip-installed into it (not editable: what ships is what runs)."""
    base = tmp_path_factory.mktemp("install")
    source = base / "src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(ROOT / "tether", source / "tether", ignore=shutil.ignore_patterns("__pycache__"))
    env = _clean_env(base)
    target = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(target)], check=True, env=env)
    install = subprocess.run(
        [str(target / "bin" / "pip"), "install", "--quiet", "--no-deps", "--disable-pip-version-check", str(source)],
        capture_output=True, text=True, env=env, timeout=240,
    )
    assert install.returncode == 0, install.stderr
    where = subprocess.run(
        [str(target / "bin" / "python"), "-c", "import tether; print(tether.__file__)"],
        capture_output=True, text=True, env=env, check=True, cwd="/",
    ).stdout
    assert where.startswith(str(target)), f"the venv runs tether from {where}, not from its own install"
    return target


def _clean_env(home: Path) -> dict[str, str]:
    """What a service gets: no PYTHONPATH pointing at the checkout, no TETHER_* settings of the test run (and the
    processes run in / as systemd's units do, so the checkout is not on their path either)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        reason = "systemd-analyze is not installed (apt-get install systemd); .ci/run installs it"
        if os.environ.get("TETHER_REQUIRE_SYSTEMD") == "1":
            pytest.fail(f"{reason} (TETHER_REQUIRE_SYSTEMD=1)")
        pytest.skip(reason)
    return found


def test_both_units_run_tether_from_the_documented_prefix() -> None:
    for name in UNITS:
        argv = shlex.split(one(load(name), "ExecStart"))
        assert argv[0] == f"{PREFIX}/bin/tether", (name, argv)


@pytest.mark.parametrize("name", UNITS)
def test_units_pass_systemd_analyze_verify(name: str, venv: Path, tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    text = (PACKAGING / name).read_text()
    installed = tmp_path / name
    installed.write_text(text.replace(PREFIX, str(venv)))  # the same unit, pointing at this venv
    result = subprocess.run([analyze, "verify", str(installed)], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, ""), result
    as_shipped = subprocess.run(
        [analyze, "verify", str(PACKAGING / name)], capture_output=True, text=True, timeout=60
    )
    if not Path(PREFIX, "bin", "tether").exists():  # the one complaint allowed: nothing is installed there here
        complaints = [line for line in (as_shipped.stdout + as_shipped.stderr).splitlines() if line.strip()]
        assert complaints == [f"{name}: Command {PREFIX}/bin/tether is not executable: No such file or directory"]


SERVER_EXPOSURE = 20  # systemd-analyze security's exposure level, in tenths (2.0 of 10: "OK"; the unit has 1.5)


def test_the_server_unit_keeps_its_exposure_low(venv: Path, tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    installed = tmp_path / "tether-server.service"
    installed.write_text((PACKAGING / "tether-server.service").read_text().replace(PREFIX, str(venv)))
    result = subprocess.run(
        [analyze, "security", "--offline=yes", f"--threshold={SERVER_EXPOSURE}", "--no-pager", str(installed)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_the_server_unit_is_sandboxed_and_outlasts_the_drain() -> None:
    service = load("tether-server.service")["Service"]
    assert service["User"] == ["tether"] and service["StateDirectory"] == ["tether"]
    for key, expected in {
        "ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes",
        "KillSignal": "SIGTERM", "UMask": "0077", "StateDirectoryMode": "0700",
    }.items():
        assert service[key] == [expected], key
    assert service["CapabilityBoundingSet"] == [""]
    drain = ServerConfig(data_dir=Path("/nonexistent")).drain_timeout + CLOSE_WAIT + HANDLER_SHUTDOWN_TIMEOUT
    assert seconds(one(load("tether-server.service"), "TimeoutStopSec")) > drain
    argv = shlex.split(service["ExecStart"][0])
    assert argv[argv.index("--data-dir") + 1] == "/var/lib/tether"  # the StateDirectory


def test_the_agent_unit_stays_root_and_unsandboxed() -> None:
    service = load("tether-agent.service")["Service"]
    assert service.get("User", ["root"]) == ["root"]  # it starts shells as other users and creates the login user
    for key in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "ProtectHome", "CapabilityBoundingSet"):
        assert key not in service, f"{key} would reach the shells the agent starts (sudo, /tmp, home directories)"
    assert seconds(service["TimeoutStopSec"][0]) > AgentSettings().shutdown_timeout + AgentSettings().hangup_grace
    assert service["RestartPreventExitStatus"] == ["78"]


def _exec_start(name: str, venv: Path, replace: dict[str, str]) -> tuple[list[str], dict[str, str], int]:
    """The unit's ExecStart as argv (prefix -> venv, option values replaced), its environment and its umask."""
    unit = load(name)
    argv = shlex.split(one(unit, "ExecStart"))
    argv[0] = argv[0].replace(PREFIX, str(venv))
    for option, value in replace.items():
        argv[argv.index(option) + 1] = value
    env = _clean_env(venv.parent)
    for assignment in unit["Service"].get("Environment", []):
        key, _, value = assignment.partition("=")
        env[key] = value
    return argv, env, int(unit["Service"].get("UMask", ["0022"])[0], 8)


def _spawn(argv: list[str], env: dict[str, str], umask: int, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            argv, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True, cwd="/",
            preexec_fn=lambda: os.umask(umask),  # what UMask= does
        )


def _stop(proc: subprocess.Popen[bytes], name: str, log: Path) -> None:
    unit = load(name)
    proc.send_signal(getattr(signal, one(unit, "KillSignal")))
    try:
        code = proc.wait(timeout=seconds(one(unit, "TimeoutStopSec")))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{name} did not stop within TimeoutStopSec: {log.read_text()[-2000:]}") from None
    assert code == 0, f"{name} exited {code}: {log.read_text()[-2000:]}"


def _healthz(url: str, ca: Path) -> bool:
    context = ssl.create_default_context(cafile=str(ca))
    with urllib.request.urlopen(url + "/healthz", context=context, timeout=5) as resp:
        return resp.status == 200 and json.loads(resp.read()) == {"status": "ok"}


def test_the_exec_start_lines_serve_from_a_venv_install(venv: Path, tmp_path: Path) -> None:
    port = free_port()
    state = tmp_path / "lib-tether"
    argv, env, umask = _exec_start(
        "tether-server.service", venv, {"--data-dir": str(state), "--listen": f"127.0.0.1:{port}"}
    )
    server_log = tmp_path / "server.log"
    server = _spawn(argv, env, umask, server_log)
    agent: subprocess.Popen[bytes] | None = None
    try:
        credentials = state / "admin-credentials.json"

        def serving() -> bool:
            if server.poll() is not None:
                raise GiveUp(f"the server exited {server.returncode}: {server_log.read_text()[-2000:]}")
            return credentials.exists() and _healthz(f"https://127.0.0.1:{port}", state / "tls" / "ca.pem")

        eventually_sync(serving, what="the server unit's ExecStart to serve /healthz", timeout=60)
        assert credentials.stat().st_mode & 0o777 == 0o600
        assert (state / "secret.key").stat().st_mode & 0o077 == 0  # UMask=0077 and the server's own modes

        creds = json.loads(credentials.read_text())
        cli_env = {
            **_clean_env(tmp_path),
            "TETHER_CONFIG_FILE": str(tmp_path / "cli.toml"),
            "TETHER_SERVER": creds["server"],
            "TETHER_ACCESS_KEY_ID": creds["access_key_id"],
            "TETHER_ACCESS_KEY_SECRET": creds["access_key_secret"],
            "TETHER_CA_CERT": creds["ca_cert"],
        }
        tether = str(venv / "bin" / "tether")

        def cli(*args: str) -> dict[str, object]:
            done = subprocess.run([tether, *args], capture_output=True, text=True, env=cli_env, timeout=60, cwd="/")
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)  # type: ignore[no-any-return]

        activation = cli("activation", "create", "--json")
        agent_state = tmp_path / "lib-tether-agent"
        registered = cli(
            "agent", "register", "--server", creds["server"], "--ca-cert", creds["ca_cert"],
            "--activation-id", str(activation["ActivationId"]), "--activation-code", str(activation["ActivationCode"]),
            "--state-dir", str(agent_state), "--json",
        )
        instance_id = str(registered["InstanceId"])

        argv, env, umask = _exec_start("tether-agent.service", venv, {"--state-dir": str(agent_state)})
        agent_log = tmp_path / "agent.log"
        agent = _spawn(argv, env, umask, agent_log)

        def online() -> bool:
            if agent.poll() is not None:
                raise GiveUp(f"the agent exited {agent.returncode}: {agent_log.read_text()[-2000:]}")
            reply = cli("api", "DescribeInstances", "--body", json.dumps({"InstanceIds": [instance_id]}))
            return reply["Instances"][0]["Status"] == "Online"  # type: ignore[index, call-overload, no-any-return]

        eventually_sync(online, what="the agent unit's ExecStart to come online", timeout=60, interval=0.3)
        _stop(agent, "tether-agent.service", agent_log)
        agent = None
        _stop(server, "tether-server.service", server_log)
    finally:
        for proc in (agent, server):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def test_the_agent_exec_start_refuses_an_unregistered_state_dir_with_the_no_restart_status(
    venv: Path, tmp_path: Path
) -> None:
    argv, env, _ = _exec_start("tether-agent.service", venv, {"--state-dir": str(tmp_path / "empty")})
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, cwd="/")
    assert str(done.returncode) == one(load("tether-agent.service"), "RestartPreventExitStatus")
    assert "register" in done.stderr


def test_installer_unit_is_the_packaged_agent_unit() -> None:
    """The unit the agent install script writes (tether/server/install_script.py) is packaging/tether-agent.service
    with the prefix and state directory as placeholders: the same directives, so the two cannot drift apart."""
    from tether.server.install_script import AGENT_UNIT

    packaged = (PACKAGING / "tether-agent.service").read_text()
    rendered = AGENT_UNIT.replace("@PREFIX@", PREFIX).replace("@STATE_DIR@", "/var/lib/tether-agent")
    assert parse_unit(rendered) == parse_unit(packaged)
