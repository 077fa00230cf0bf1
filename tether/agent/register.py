"""One-time registration: trade an activation code for an instance id and leave a usable state directory behind.

The key pair is created here, on the machine, and only the public half leaves it: the server can later check the
agent's identity (challenge signatures) but can never impersonate it. State is written only after the server said
yes, so a failed attempt leaves no half-registered directory that `tether agent run` would trip over.
"""

from __future__ import annotations

import logging
import os
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from tether import __version__
from tether.agent import sysinfo
from tether.agent.config import CA_FILE, CONFIG_FILE, AgentConfig, AgentSettings, ensure_state_dir
from tether.agent.errors import AgentError
from tether.agent.users import inspect_default_user

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)

REGISTER_PATH = "/api/v1/RegisterInstance"


class RegistrationError(AgentError):
    """Registration failed. `code` is the server's error Code (or a local one such as `ServerUnreachable`).

    `str(e)` is `CODE: message`, unlike other agent errors: registration is run by a person at a terminal, whose
    `tether agent register` prints just this one line, and the code is what to search the docs for.
    """

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def normalize_server(server: str) -> str:
    """Check a server URL (`https://host[:port]`, `http://` only for tests) and drop any trailing slash."""
    parts = urlsplit(server.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RegistrationError(
            "InvalidParameter", f"server URL {server!r} must look like https://tether.example.com:8443"
        )
    if parts.query or parts.fragment:
        raise RegistrationError("InvalidParameter", f"server URL {server!r} must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def ssl_context(ca_cert: Path | None) -> ssl.SSLContext:
    """The TLS client context for talking to the server: trust `ca_cert`, or the system store when it is None."""
    from tether.auth.tls import client_ssl_context

    return client_ssl_context(ca_cert)


async def register(
    server: str,
    ca_cert: Path | None,
    activation_id: str,
    activation_code: str,
    state_dir: Path,
    *,
    settings: AgentSettings | None = None,
    force: bool = False,
    request_timeout: float = 30.0,
) -> str:
    """Register this machine with `server` and write `state_dir`; return the new instance id (`mi-...`).

    Raises `RegistrationError` with a message that says what to do: server unreachable, certificate not trusted
    (pass the server's CA), or the server's own Code (`InvalidActivation.Expired`, `InvalidActivationCode`, ...).
    Refuses to overwrite an existing registration unless `force`, because that would orphan the old instance.
    """
    from tether.auth.agentkey import generate_key, public_key_text

    server = normalize_server(server)
    state_dir, ca_bytes, ctx = _prepare(state_dir, ca_cert, force)
    key = generate_key()
    identity = inspect_default_user(settings or AgentSettings())
    body: dict[str, Any] = {
        "ActivationId": activation_id,
        "ActivationCode": activation_code,
        "PublicKey": public_key_text(key),
        "Hostname": sysinfo.hostname(),
        "OsType": sysinfo.os_type(),
        "OsName": sysinfo.os_name(),
        "AgentVersion": __version__,
        "DefaultUser": identity.default_user,
        "DefaultUserSudo": identity.default_user_sudo,
        "Notices": [notice[:300] for notice in identity.notices[:16]],  # the server's bounds
    }
    reply = await _post(server + REGISTER_PATH, body, ctx, request_timeout)
    instance_id = reply.get("InstanceId")
    if not isinstance(instance_id, str) or not instance_id.startswith("mi-"):
        raise RegistrationError("InvalidResponse", f"the server answered without a valid InstanceId: {reply!r}")

    config = AgentConfig.new(state_dir, server, instance_id, has_ca=ca_bytes is not None, settings=settings)
    _save_state(config, key, ca_bytes)
    log.info("registered as %s with %s", instance_id, server)
    return instance_id


def _prepare(state_dir: Path, ca_cert: Path | None, force: bool) -> tuple[Path, bytes | None, ssl.SSLContext]:
    """Local checks before the server is asked, so a mistake here does not use up one of the activation's uses."""
    state_dir = state_dir.expanduser().absolute()
    if (state_dir / CONFIG_FILE).exists() and not force:
        raise RegistrationError(
            "AlreadyRegistered",
            f"{state_dir} already holds a registration; use another --state-dir, or --force to replace it",
        )
    ca_path = Path(ca_cert).expanduser() if ca_cert is not None else None
    ca_bytes: bytes | None = None
    if ca_path is not None:
        try:
            ca_bytes = ca_path.read_bytes()
        except OSError as e:
            raise RegistrationError("InvalidParameter", f"cannot read the CA certificate {ca_path}: {e}") from None
    try:
        ctx = ssl_context(ca_path)
    except (OSError, ssl.SSLError, ValueError) as e:
        raise RegistrationError("InvalidParameter", f"{ca_path} is not a usable CA certificate: {e}") from None
    try:
        ensure_state_dir(state_dir)
    except OSError as e:
        raise RegistrationError("InvalidParameter", f"cannot create the state directory {state_dir}: {e}") from None
    return state_dir, ca_bytes, ctx


def _save_state(config: AgentConfig, key: Ed25519PrivateKey, ca_bytes: bytes | None) -> None:
    """Write the key (0600), the CA copy (or remove a stale one) and, last, agent.json, which marks success."""
    from tether.auth.agentkey import save_key

    save_key(config.key_file, key)
    os.chmod(config.key_file, 0o600)
    ca_path = config.state_dir / CA_FILE
    if ca_bytes is not None:
        tmp = config.state_dir / f".{CA_FILE}.tmp"
        tmp.write_bytes(ca_bytes)
        os.chmod(tmp, 0o644)
        os.replace(tmp, ca_path)
    elif ca_path.exists():
        ca_path.unlink()
    config.save()


async def _post(url: str, body: dict[str, Any], ctx: ssl.SSLContext, limit: float) -> dict[str, Any]:
    """POST the unsigned RegisterInstance call and turn every failure mode into a `RegistrationError`."""
    host = urlsplit(url).netloc
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=limit)) as http,
            http.post(url, json=body, ssl=ctx) as resp,
        ):
            try:
                data = await resp.json(content_type=None)
            except (ValueError, aiohttp.ContentTypeError):
                data = None
            if resp.status != 200 or not isinstance(data, dict):
                code = data.get("Code") if isinstance(data, dict) else None
                message = data.get("Message") if isinstance(data, dict) else None
                if code:
                    raise RegistrationError(str(code), f"the server refused the registration: {code}: {message}")
                raise RegistrationError(
                    "InvalidResponse", f"{host} answered HTTP {resp.status} without a tether error body"
                )
            return data
    except aiohttp.ClientConnectorCertificateError as e:
        raise RegistrationError(
            "TLS.Untrusted",
            f"the certificate of {host} is not trusted ({e.certificate_error}); pass the server's CA with --ca-cert",
        ) from None
    except aiohttp.ClientSSLError as e:
        raise RegistrationError("TLS.Failed", f"TLS handshake with {host} failed: {e}") from None
    except aiohttp.ClientConnectorError as e:
        raise RegistrationError(
            "ServerUnreachable", f"cannot reach {host}: {e.strerror or e}; check the URL and the network"
        ) from None
    except TimeoutError:
        raise RegistrationError("ServerUnreachable", f"{host} did not answer within {limit:g} s") from None
    except aiohttp.ClientError as e:
        raise RegistrationError("ServerUnreachable", f"request to {host} failed: {e}") from None

