"""A wheel of the running tether, built from the installed package, for the agent installer to download.

The server hands new machines exactly the version it runs (GET /agent/tether-VERSION-py3-none-any.whl), so an
agent and its server never disagree about the protocol on day one, and no package index needs to carry tether.
The wheel is assembled from what is installed (the package's files plus its distribution metadata, which lists
the dependencies the target machine resolves from its own package index); nothing is compiled, since tether is
pure Python. The build is deterministic (fixed timestamps, sorted entries), so its SHA-256, which the install
script embeds and checks, is the same for every request of one server process.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import tether

__all__ = ["Wheel", "WheelError", "build_wheel", "wheel_name"]

MAX_WHEEL_BYTES = 32 * 1024 * 1024  # the package is a few MB; anything larger means the tree holds junk
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: the same bytes on every build
_SKIP_DIRS = frozenset({"__pycache__"})
_SKIP_SUFFIXES = (".pyc", ".pyo")
_WHEEL_FILE = "Wheel-Version: 1.0\nGenerator: tether\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
_DEFAULT_ENTRY_POINTS = "[console_scripts]\ntether = tether.cli:main\n"


class WheelError(Exception):
    """The running tether cannot be packed (it is not installed as a distribution)."""


@dataclass(frozen=True)
class Wheel:
    name: str
    data: bytes
    sha256: str  # hex


def wheel_name(version: str = tether.__version__) -> str:
    return f"tether-{version}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _metadata(version: str) -> tuple[str, str]:
    """METADATA (with the running version) and entry_points.txt of the installed distribution."""
    try:
        dist = importlib.metadata.distribution("tether")
    except importlib.metadata.PackageNotFoundError:
        raise WheelError("tether is not installed as a package (pip install it), so no wheel can be built") from None
    # a dist-info has METADATA; an egg-info (what setuptools leaves in a source checkout that is on sys.path,
    # found first when tether runs from that checkout) has the same fields in PKG-INFO
    metadata = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if not metadata:
        raise WheelError("the installed tether distribution has no METADATA")
    lines = [f"Version: {version}" if line.startswith("Version:") else line for line in metadata.split("\n")]
    return "\n".join(lines), dist.read_text("entry_points.txt") or _DEFAULT_ENTRY_POINTS


def _package_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_dir() or any(part in _SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if path.suffix in _SKIP_SUFFIXES:
            continue
        files.append(path)
    return files


def build_wheel(package_dir: Path | None = None, version: str = tether.__version__) -> Wheel:
    """Pack the package at `package_dir` (default: the imported tether) into a py3-none-any wheel."""
    root = package_dir or Path(tether.__file__).resolve().parent
    metadata, entry_points = _metadata(version)
    info = f"tether-{version}.dist-info"
    entries: list[tuple[str, bytes]] = []
    for path in _package_files(root):
        entries.append((f"tether/{path.relative_to(root).as_posix()}", path.read_bytes()))
    entries += [
        (f"{info}/METADATA", metadata.encode()),
        (f"{info}/WHEEL", _WHEEL_FILE.encode()),
        (f"{info}/entry_points.txt", entry_points.encode()),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries) + f"{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode()))
    buffer = io.BytesIO()
    total = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            total += len(data)
            if total > MAX_WHEEL_BYTES:
                raise WheelError(f"{root} holds more than {MAX_WHEEL_BYTES} bytes; it does not look like tether")
            item = zipfile.ZipInfo(name, _EPOCH)
            item.compress_type = zipfile.ZIP_DEFLATED
            item.external_attr = 0o644 << 16
            archive.writestr(item, data)
    data = buffer.getvalue()
    return Wheel(wheel_name(version), data, hashlib.sha256(data).hexdigest())
