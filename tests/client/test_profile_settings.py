"""Settings resolution (flags > env > profile file) and the profile file itself (round trip, modes 0600/0700)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tether.client.errors import ConfigError
from tether.client.profile import Profile, load_profiles, resolve_settings, save_profile


def _file_profiles(path: Path) -> None:
    save_profile(
        Profile("default", server="https://file:1", access_key_id="file-id", access_key_secret="file-sec"), path=path
    )
    save_profile(
        Profile(
            "staging",
            server="https://staging:2",
            access_key_id="stg-id",
            access_key_secret="stg-sec",
            ca_cert="/etc/stg-ca.pem",
        ),
        make_current=False,
        path=path,
    )


def test_file_then_env_then_flags(isolated_env: Path) -> None:
    _file_profiles(isolated_env)
    env = {"TETHER_CONFIG_FILE": str(isolated_env)}
    s = resolve_settings(env=env)
    assert (s.server, s.access_key_id, s.access_key_secret, s.profile) == (
        "https://file:1",
        "file-id",
        "file-sec",
        "default",
    )

    env |= {"TETHER_SERVER": "https://env:3", "TETHER_ACCESS_KEY_ID": "env-id"}
    s = resolve_settings(env=env)
    assert (s.server, s.access_key_id, s.access_key_secret) == ("https://env:3", "env-id", "file-sec")
    assert s.sources["server"] == "env TETHER_SERVER"
    assert s.sources["access_key_secret"] == "profile default"

    s = resolve_settings(server="https://flag:4", access_key_secret="flag-sec", env=env)
    assert (s.server, s.access_key_id, s.access_key_secret) == ("https://flag:4", "env-id", "flag-sec")
    assert s.sources["server"] == "flag"


def test_profile_choice_flag_env_current(isolated_env: Path) -> None:
    _file_profiles(isolated_env)
    env = {"TETHER_CONFIG_FILE": str(isolated_env), "TETHER_PROFILE": "staging"}
    s = resolve_settings(env=env)
    assert (s.server, s.ca_cert, s.profile) == ("https://staging:2", "/etc/stg-ca.pem", "staging")
    s = resolve_settings(profile="default", env=env)
    assert s.server == "https://file:1"
    with pytest.raises(ConfigError, match=r"profile 'nope' not found .*tether configure --profile nope"):
        resolve_settings(profile="nope", env=env)


def test_ca_cert_from_env(isolated_env: Path) -> None:
    _file_profiles(isolated_env)
    s = resolve_settings(env={"TETHER_CONFIG_FILE": str(isolated_env), "TETHER_CA_CERT": "/tmp/ca.pem"})
    assert s.ca_cert == "/tmp/ca.pem"


def test_missing_settings_name_every_way_to_supply_them(isolated_env: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_settings(env={"TETHER_CONFIG_FILE": str(isolated_env)}, access_key_id="x")
    message = str(info.value)
    assert "\n" not in message
    assert "--server or TETHER_SERVER" in message
    assert "--access-key-secret or TETHER_ACCESS_KEY_SECRET" in message
    assert "tether configure" in message
    assert "--access-key-id" not in message


def test_round_trip_and_modes(isolated_env: Path) -> None:
    _file_profiles(isolated_env)
    profiles, current = load_profiles(isolated_env)
    assert current == "default"
    assert set(profiles) == {"default", "staging"}
    assert profiles["staging"] == Profile(
        "staging",
        mode="AK",
        server="https://staging:2",
        access_key_id="stg-id",
        access_key_secret="stg-sec",
        ca_cert="/etc/stg-ca.pem",
    )
    # Replacing one profile keeps the other; make_current switches.
    save_profile(
        Profile("staging", server="https://new:5", access_key_id="i", access_key_secret="s"), path=isolated_env
    )
    profiles, current = load_profiles(isolated_env)
    assert current == "staging"
    assert profiles["staging"].server == "https://new:5"
    assert profiles["staging"].ca_cert is None
    assert profiles["default"].server == "https://file:1"
    assert stat.S_IMODE(isolated_env.stat().st_mode) == 0o600
    assert stat.S_IMODE(isolated_env.parent.stat().st_mode) == 0o700
    assert not [p for p in isolated_env.parent.iterdir() if p.name.endswith(".tmp")]


def test_repr_hides_secrets() -> None:
    profile = Profile("p", access_key_secret="topsecret", security_token="tok")
    assert "topsecret" not in repr(profile)
    assert "tok" not in repr(profile).replace("token", "")


def test_bad_file_is_a_clear_error(isolated_env: Path) -> None:
    isolated_env.parent.mkdir(parents=True)
    isolated_env.write_text("current = [unclosed\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        resolve_settings(env={"TETHER_CONFIG_FILE": str(isolated_env)})
    isolated_env.write_text('[profiles.x]\nmode = "Weird"\n')
    with pytest.raises(ConfigError, match="mode must be one of AK, StsToken"):
        load_profiles(isolated_env)


def test_sts_profile_needs_token(isolated_env: Path) -> None:
    save_profile(
        Profile(
            "sts",
            mode="StsToken",
            server="https://s:1",
            access_key_id="STS.x",
            access_key_secret="y",
            security_token="tok",
        ),
        path=isolated_env,
    )
    s = resolve_settings(env={"TETHER_CONFIG_FILE": str(isolated_env)})
    assert s.security_token == "tok"
    s = resolve_settings(env={"TETHER_CONFIG_FILE": str(isolated_env), "TETHER_SECURITY_TOKEN": "env-tok"})
    assert s.security_token == "env-tok"
