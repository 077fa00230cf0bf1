"""The server's own certificate (`--tls-cert/--tls-key/--tls-ca`), its reload on SIGHUP, and `--tls-san` names in the
built-in certificate: all through a real server process, checked by clients that verify the certificate.

The certificates come from a "company" CA made here: a root and an intermediate, the server's chain holding the
leaf and the intermediate, the clients trusting only the root, as behind a real company CA.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from support.ports import LOOPBACK, listening
from support.stack import Stack
from support.wait import eventually_sync

from tether.auth.tls import client_ssl_context, ensure_server_tls

NOW = dt.datetime.now(dt.UTC)


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _issue(
    name: str,
    issuer: Issued | None,
    *,
    ca: bool,
    sans: list[x509.GeneralName] | None = None,
    not_after: dt.datetime | None = None,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=2))
        .not_valid_after(not_after or NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans or []), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    signer = issuer.key if issuer else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


LOOPBACK_SANS: list[x509.GeneralName] = [
    x509.DNSName("localhost"),
    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
]


class CompanyCA:
    """A root and an intermediate; `leaf()` writes a server chain (leaf + intermediate) and key into a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root = _issue("Example Corp Root CA", None, ca=True)
        self.intermediate = _issue("Example Corp Issuing CA", self.root, ca=True)
        self.root_pem = directory / "company-root.pem"
        self.root_pem.write_bytes(_pem(self.root.cert))

    def leaf(self, name: str, *, not_after: dt.datetime | None = None) -> tuple[Path, Path, x509.Certificate]:
        issued = _issue("tether.example.corp", self.intermediate, ca=False, sans=LOOPBACK_SANS, not_after=not_after)
        cert, key = self.directory / f"{name}.pem", self.directory / f"{name}-key.pem"
        cert.write_bytes(_pem(issued.cert) + _pem(self.intermediate.cert))
        key.write_bytes(_key_pem(issued.key))
        os.chmod(key, 0o600)
        return cert, key, issued.cert


def _replace(target: Path, source: Path) -> None:
    """Put `source`'s bytes at `target` atomically, as a renewal tool would."""
    tmp = target.with_name(target.name + ".new")
    tmp.write_bytes(source.read_bytes())
    os.replace(tmp, target)


def served_certificate(port: int, ca: Path, server_name: str = LOOPBACK) -> x509.Certificate:
    """The certificate the server presents, to a client that verifies it against `ca` for `server_name`."""
    ctx = client_ssl_context(ca)
    with (
        socket.create_connection((LOOPBACK, port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def _http_over(tls: ssl.SSLSocket) -> bytes:
    """One keep-alive request over an established connection; the whole response (headers and body)."""
    tls.sendall(b"GET /console/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += tls.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += tls.recv(65536)
    return head


@pytest.fixture
def company(tmp_path: Path) -> CompanyCA:
    return CompanyCA(tmp_path)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    stack = Stack(tmp_path / "deploy")
    stack.root.mkdir()
    try:
        yield stack
    finally:
        stack.close()


def test_own_certificate_is_served_and_verifies_against_the_company_ca(stack: Stack, company: CompanyCA) -> None:
    cert, key, leaf = company.leaf("server")
    stack.start_server("--tls-cert", str(cert), "--tls-key", str(key), "--tls-ca", str(company.root_pem))
    assert served_certificate(stack.port, company.root_pem).serial_number == leaf.serial_number
    assert served_certificate(stack.port, company.root_pem, "localhost").serial_number == leaf.serial_number
    # the CA clients get from admin-credentials.json is the company's; no built-in CA was made
    assert stack.creds["ca_cert"] == str(company.root_pem)
    assert not (stack.server_dir / "tls" / "ca.pem").exists()
    # the CLI's and the agent's --ca-cert take the company root (Stack passes creds["ca_cert"] to both)
    instance = stack.add_agent()
    listing = json.loads(stack.cli("instances", "--json").stdout)
    assert instance in [row["InstanceId"] for row in listing["Instances"]]
    # a client that trusts the built-in CA of some other tether does not trust this one
    other_ca = ensure_server_tls(stack.root / "other-ca", ["127.0.0.1"]).ca_cert
    with pytest.raises(ssl.SSLCertVerificationError):
        served_certificate(stack.port, other_ca)


def test_sighup_swaps_the_certificate_without_dropping_connections(stack: Stack, company: CompanyCA) -> None:
    cert, key, first = company.leaf("server")
    stack.start_server("--tls-cert", str(cert), "--tls-key", str(key), "--tls-ca", str(company.root_pem))
    ctx = client_ssl_context(company.root_pem)
    with (
        socket.create_connection((LOOPBACK, stack.port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname=LOOPBACK) as established,
    ):
        assert _http_over(established).startswith(b"HTTP/1.1 ")
        new_cert, new_key, second = company.leaf("renewed")
        _replace(key, new_key)
        _replace(cert, new_cert)
        assert stack.server is not None
        stack.server.send_signal(signal.SIGHUP)
        eventually_sync(
            lambda: served_certificate(stack.port, company.root_pem).serial_number == second.serial_number,
            what="new handshakes to get the renewed certificate",
            timeout=15,
        )
        # the connection made before the reload goes on working, on the certificate it started with
        assert _http_over(established).startswith(b"HTTP/1.1 ")
        der = established.getpeercert(binary_form=True)
        assert der is not None and x509.load_der_x509_certificate(der).serial_number == first.serial_number
    assert "TLS certificate reloaded" in stack.log("server")
    assert stack.server.poll() is None


def test_a_bad_new_file_keeps_the_old_certificate(stack: Stack, company: CompanyCA) -> None:
    cert, key, first = company.leaf("server")
    stack.start_server("--tls-cert", str(cert), "--tls-key", str(key), "--tls-ca", str(company.root_pem))
    assert stack.server is not None
    # a renewal that wrote the new certificate but not yet its key: the pair does not match
    new_cert, _new_key, _second = company.leaf("renewed")
    _replace(cert, new_cert)
    stack.server.send_signal(signal.SIGHUP)
    eventually_sync(
        lambda: "does not belong to the certificate" in stack.log("server"),
        what="the reload failure in the log",
        timeout=15,
    )
    assert "still serving the previous certificate" in stack.log("server")
    assert served_certificate(stack.port, company.root_pem).serial_number == first.serial_number
    # garbage in the certificate file: the same
    cert.write_text("not a certificate\n")
    stack.server.send_signal(signal.SIGHUP)
    eventually_sync(lambda: "holds no PEM certificate" in stack.log("server"), what="the second failure", timeout=15)
    assert served_certificate(stack.port, company.root_pem).serial_number == first.serial_number
    assert stack.server.poll() is None
    assert json.loads(stack.cli("instances", "--json").stdout)["Instances"] == []


def _start_fails(tmp_path: Path, *flags: str) -> str:
    """Run `tether server` with `flags` and return its error output; it must exit 1 without listening."""
    proc = subprocess.run(
        [sys.executable, "-m", "tether", "server", "--data-dir", str(tmp_path / "data"), "--listen",
         f"{LOOPBACK}:0", *flags],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("TETHER_")},
    )  # fmt: skip
    assert proc.returncode != 0, proc.stderr
    return proc.stderr


def test_unusable_files_stop_the_start_with_a_clear_error(tmp_path: Path, company: CompanyCA) -> None:
    cert, key, _ = company.leaf("server")
    _other_cert, other_key, _ = company.leaf("other")
    out = _start_fails(tmp_path, "--tls-cert", str(cert), "--tls-key", str(other_key))
    assert f"--tls-key {other_key} does not belong to the certificate in --tls-cert {cert}" in out
    expired, expired_key, _ = company.leaf("expired", not_after=NOW - dt.timedelta(days=1))
    out = _start_fails(tmp_path, "--tls-cert", str(expired), "--tls-key", str(expired_key))
    assert f"--tls-cert {expired} expired on" in out and "renew it" in out
    missing = tmp_path / "missing.pem"
    out = _start_fails(tmp_path, "--tls-cert", str(missing), "--tls-key", str(key))
    assert f"cannot read --tls-cert {missing}: No such file or directory" in out
    (tmp_path / "stranger").mkdir()
    stranger = CompanyCA(tmp_path / "stranger")
    out = _start_fails(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key), "--tls-ca", str(stranger.root_pem))
    assert f"does not verify against --tls-ca {stranger.root_pem}" in out
    out = _start_fails(tmp_path, "--tls-cert", str(cert))
    assert "--tls-cert and --tls-key go together" in out
    out = _start_fails(tmp_path, "--tls-san", "bad name!")
    assert "is not a DNS name or IP address" in out
    assert not (tmp_path / "data" / "tether.db").exists()  # nothing was created before the check


def _sighup_handled(pid: int) -> bool:
    """Whether process `pid` ignores or catches SIGHUP (bit 0 of SigIgn/SigCgt in /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rows = [line.split() for line in status.splitlines() if line.startswith(("SigIgn:", "SigCgt:"))]
    masks = {row[0].rstrip(":"): int(row[1], 16) for row in rows}
    return bool((masks["SigIgn"] | masks["SigCgt"]) & 1)


def test_sighup_during_start_does_not_kill_the_server(stack: Stack) -> None:
    stack.server_dir.mkdir(parents=True)
    proc = stack._spawn(
        ["server", "--data-dir", str(stack.server_dir), "--listen", f"{LOOPBACK}:{stack.port}"],
        stack.root / "server.log",
    )
    stack.server = proc
    eventually_sync(lambda: _sighup_handled(proc.pid), what="the server to handle SIGHUP", timeout=30, interval=0.01)
    sent = 0
    credentials = stack.server_dir / "admin-credentials.json"  # written when the start is complete
    while not credentials.exists():  # SIGHUPs all through the start (TLS, database, migrations, listeners)
        assert proc.poll() is None, stack.log("server")
        proc.send_signal(signal.SIGHUP)
        sent += 1
        with contextlib.suppress(subprocess.TimeoutExpired):  # paces the signals; an exit shows at the assert
            proc.wait(timeout=0.05)
    assert sent > 0
    eventually_sync(lambda: listening(stack.port), what="the server to listen", timeout=30)
    stack.creds = json.loads(credentials.read_text())
    assert json.loads(stack.cli("instances", "--json").stdout)["Instances"] == []
    assert proc.poll() is None
    eventually_sync(lambda: "TLS certificate reloaded" in stack.log("server"), what="the held-over reload", timeout=15)


def _sans(cert: x509.Certificate) -> set[str]:
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(n.value) for n in names}


def test_tls_san_names_are_in_the_builtin_certificate_and_verify(stack: Stack) -> None:
    stack.start_server("--tls-san", "relay.example.test", "--tls-san", "ecs-cn-hangzhou.aliyuncs.com",
                       "--tls-san", "10.20.30.40")  # fmt: skip
    ca = Path(stack.creds["ca_cert"])
    cert = served_certificate(stack.port, ca, "relay.example.test")
    assert {"relay.example.test", "ecs-cn-hangzhou.aliyuncs.com", "10.20.30.40", "127.0.0.1"} <= _sans(cert)
    served_certificate(stack.port, ca, "ecs-cn-hangzhou.aliyuncs.com")  # verifies for the name a client calls
    with pytest.raises(ssl.SSLCertVerificationError):
        served_certificate(stack.port, ca, "not-named.example.test")
    # the set changed: the certificate is reissued without the dropped name, by the same CA
    stack.stop_server()
    stack.start_server("--tls-san", "relay.example.test")
    again = served_certificate(stack.port, ca, "relay.example.test")
    assert again.serial_number != cert.serial_number
    assert "ecs-cn-hangzhou.aliyuncs.com" not in _sans(again)
    # unchanged: the same certificate is kept
    stack.stop_server()
    stack.start_server("--tls-san", "relay.example.test")
    assert served_certificate(stack.port, ca, "relay.example.test").serial_number == again.serial_number
