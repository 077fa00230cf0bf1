"""The server's certificate from files the operator gives (`--tls-cert/--tls-key [--tls-ca]`), checked before
use, and swapped on SIGHUP without dropping a connection.

A real install sits behind a company CA or a public certificate that is renewed from outside (certbot, a
secrets agent); the renewal must not need a restart that ends every session. So the listening socket keeps one
*front* context whose SNI callback (OpenSSL calls it for every ClientHello, with or without a server name) hands
each new handshake the current context; established connections keep the one they started with. A reload builds
and checks a complete new context first and only then makes it current, so a half-written or mismatched file
leaves the old certificate serving, with the reason in the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.verification import PolicyBuilder, Store, Subject, VerificationError

log = logging.getLogger(__name__)

__all__ = ["CertificateFiles", "ReloadableTLS", "TLSFileError", "load_certificate_files"]

# A certificate chain or key file is a few kilobytes; refuse to read something absurd by mistake.
MAX_FILE_BYTES = 1024 * 1024


class TLSFileError(ValueError):
    """A certificate, key or CA file that cannot be used; the message names the file and what to do."""


@dataclass(frozen=True, slots=True)
class CertificateFiles:
    """The operator's files: the certificate chain (leaf first), its private key, and the CA clients trust."""

    cert: Path
    key: Path
    ca: Path | None = None


def _read(path: Path, what: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TLSFileError(f"cannot read {what} {path}: {exc.strerror}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise TLSFileError(f"{what} {path} is larger than 1 MiB — is it the right file?")
    return data


def _certificates(path: Path, what: str) -> list[x509.Certificate]:
    data = _read(path, what)
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        certs = []
    if not certs:
        raise TLSFileError(f"{what} {path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    return certs


def _private_key(path: Path) -> PrivateKeyTypes:
    data = _read(path, "--tls-key")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # encrypted
        raise TLSFileError(
            f"--tls-key {path} is encrypted with a passphrase — give the server an unencrypted key (mode 0600)"
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise TLSFileError(f"--tls-key {path} is not a PEM private key") from exc


def _public_der(key: object) -> bytes:
    public_bytes = getattr(key, "public_bytes")  # noqa: B009 - every public key type has it; no common base class
    data: bytes = public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return data


def _subject_for(leaf: x509.Certificate) -> Subject | None:
    """A name the certificate is for (its first SAN), which the verifier needs in order to check the chain."""
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    for dns in names.get_values_for_type(x509.DNSName):  # a wildcard is checked with a name it covers
        return x509.DNSName("x" + dns[1:] if dns.startswith("*.") else dns)
    for ip in names.get_values_for_type(x509.IPAddress):
        return x509.IPAddress(ip)
    return None


def _check_issued_by(files: CertificateFiles, chain: list[x509.Certificate], now: dt.datetime) -> None:
    assert files.ca is not None
    roots = _certificates(files.ca, "--tls-ca")
    subject = _subject_for(chain[0])
    if subject is None:
        raise TLSFileError(f"--tls-cert {files.cert} has no subject alternative name; clients will not accept it")
    verifier = PolicyBuilder().store(Store(roots)).time(now).build_server_verifier(subject)
    try:
        verifier.verify(chain[0], chain[1:])
    except VerificationError as exc:
        raise TLSFileError(
            f"--tls-cert {files.cert} does not verify against --tls-ca {files.ca} ({exc}) — is it the CA that "
            "issued the certificate, and does the file hold the intermediate certificates after the leaf?"
        ) from exc


def load_certificate_files(
    files: CertificateFiles, *, now: dt.datetime | None = None
) -> tuple[ssl.SSLContext, x509.Certificate]:
    """A server context serving `files`, and the leaf certificate; `TLSFileError` when they are not usable:
    unreadable, not PEM, key not matching, expired or not yet valid, or not issued by `files.ca`."""
    now = now or dt.datetime.now(dt.UTC)
    chain = _certificates(files.cert, "--tls-cert")
    leaf = chain[0]
    key = _private_key(files.key)
    if _public_der(key.public_key()) != _public_der(leaf.public_key()):
        raise TLSFileError(
            f"--tls-key {files.key} does not belong to the certificate in --tls-cert {files.cert} — give the key "
            "the certificate was issued for"
        )
    if leaf.not_valid_after_utc <= now:
        raise TLSFileError(
            f"--tls-cert {files.cert} expired on {leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC — renew it"
        )
    if leaf.not_valid_before_utc > now + dt.timedelta(minutes=5):
        raise TLSFileError(
            f"--tls-cert {files.cert} is not valid before {leaf.not_valid_before_utc:%Y-%m-%d %H:%M} UTC — check "
            "this machine's clock"
        )
    if files.ca is not None:
        _check_issued_by(files, chain, now)
    try:
        if files.key.stat().st_mode & 0o077:
            log.warning("--tls-key %s is readable by other users: chmod 600 it", files.key)
    except OSError:
        pass  # it was just read; load_cert_chain below reports a file that has gone since
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(files.cert, files.key)
    except (OSError, ssl.SSLError) as exc:  # e.g. the files changed between the check and now
        raise TLSFileError(f"cannot load --tls-cert {files.cert} with --tls-key {files.key}: {exc}") from exc
    return ctx, leaf


def _describe(leaf: x509.Certificate) -> str:
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        shown = ", ".join(str(getattr(n, "value", n)) for n in list(names)[:6])
    except x509.ExtensionNotFound:
        shown = leaf.subject.rfc4514_string()
    return f"{shown} (serial {leaf.serial_number:x}, expires {leaf.not_valid_after_utc:%Y-%m-%d})"


class ReloadableTLS:
    """The context the listening sockets use; `reload()` makes new handshakes use a freshly loaded certificate.

    `load` builds a complete, checked context (and returns the leaf for the log), raising `TLSFileError` when it
    cannot; it is called once here (a failure stops the start) and again on each reload.
    """

    def __init__(self, load: Callable[[], tuple[ssl.SSLContext, x509.Certificate]], source: str) -> None:
        self._load = load
        self._source = source
        self._current, leaf = load()
        self.leaf = leaf  # the certificate new handshakes present (the agent installer pins its key)
        self.reloads = 0
        # The front context only dispatches: it carries the first certificate too, so a handshake is never
        # without one, but the callback always switches to the current context.
        self.context, _ = load()
        self.context.sni_callback = self._pick
        log.info("TLS certificate from %s: %s", source, _describe(leaf))

    def _pick(self, connection: ssl.SSLObject, _server_name: str | None, _context: ssl.SSLContext) -> None:
        connection.context = self._current

    def reload(self) -> bool:
        """Load the files again; on any problem keep serving the current certificate and log why."""
        try:
            context, leaf = self._load()
        except TLSFileError as exc:
            log.error("TLS reload failed, still serving the previous certificate: %s", exc)
            return False
        except Exception as exc:  # never let a reload take the server down
            log.error("TLS reload failed, still serving the previous certificate: %s", exc)
            return False
        self._current = context
        self.leaf = leaf
        self.reloads += 1
        log.info("TLS certificate reloaded from %s: %s", self._source, _describe(leaf))
        return True
