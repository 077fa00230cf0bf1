"""The agent's Ed25519 identity: created at registration, proves the agent on every control-channel connect.

A key (not a bearer secret) means a captured connection or a leaked database row cannot impersonate the agent:
the server keeps only the public half, and each connect signs a fresh server nonce.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHALLENGE_CONTEXT = b"tether-agent-challenge-v1\n"


def generate_key() -> Ed25519PrivateKey:
    """A new private key."""
    return Ed25519PrivateKey.generate()


def save_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write the key as PEM, readable by its owner only, atomically."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_key(path: Path) -> Ed25519PrivateKey:
    """Read a key written by `save_key`."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Base64 of the raw 32-byte public key: how it travels and is stored."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """Inverse of `public_key_text`; raises ValueError for anything that is not a 32-byte key."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("public key is not valid base64") from None
    if len(raw) != 32:
        raise ValueError("public key must be 32 bytes of Ed25519")
    return Ed25519PublicKey.from_public_bytes(raw)


def _message(nonce: bytes, instance_id: str) -> bytes:
    return CHALLENGE_CONTEXT + nonce + b"\n" + instance_id.encode("utf-8")


def sign_challenge(key: Ed25519PrivateKey, nonce: bytes, instance_id: str) -> str:
    """Base64 signature over the context string, the nonce and the instance id."""
    return base64.b64encode(key.sign(_message(nonce, instance_id))).decode("ascii")


def verify_challenge(public_key: str, nonce: bytes, instance_id: str, signature: str) -> bool:
    """Whether `signature` is the agent's answer to `nonce`; False for any malformed input."""
    try:
        key = parse_public_key(public_key)
        key.verify(base64.b64decode(signature, validate=True), _message(nonce, instance_id))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short, stable name for the key, like OpenSSH's SHA256 fingerprints."""
    import hashlib

    raw = base64.b64decode(public_key_text(key))
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode("ascii").rstrip("=")
