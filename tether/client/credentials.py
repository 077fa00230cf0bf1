"""Where an API call's access key comes from: a fixed key (AK), temporary credentials (StsToken), or a URI that
hands out temporary credentials and rotates them (CredentialsURI).

`ApiClient` asks one `CredentialsProvider` before each call, so it never knows which kind it holds. The URI
provider caches what it got in memory (and, when given a cache file, on disk with mode 0600, so one short CLI
command after another does not fetch each time) until shortly before the credentials expire, then fetches again.
Everything about the fetch is bounded (time, size) and every failure is one line that names the URI and says
what went wrong, because the user's next step differs for each (start the credential service, fix its answer...).

The URI answers a GET with a JSON object::

    {"Code": "Success", "AccessKeyId": "...", "AccessKeySecret": "...", "SecurityToken": "...",
     "Expiration": "2026-12-02T18:30:00Z"}
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import os
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

from tether.auth.tls import client_ssl_context
from tether.client.errors import ConfigError, CredentialsError

__all__ = [
    "Credentials",
    "CredentialsProvider",
    "StaticCredentials",
    "UriCredentials",
    "check_credentials_uri",
    "refresh_margin",
]

# A credentials answer is a few hundred bytes; anything past this is not one.
MAX_RESPONSE_BYTES = 64 * 1024
FETCH_TIMEOUT = 10.0
# Refresh this long before expiry at most (clock skew, a slow call) ...
MAX_REFRESH_MARGIN = 180.0
# ... and at most this share of the credentials' lifetime, so short-lived ones are not refreshed on every call.
REFRESH_SHARE = 0.1


@dataclass(frozen=True)
class Credentials:
    """One access key (with its security token when temporary) and when it stops working (None: never)."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    expiration: dt.datetime | None = None


class CredentialsProvider(Protocol):
    """What `ApiClient` signs with: `get()` before each call, `invalidate()` when the server refused the key."""

    @property
    def refreshable(self) -> bool:
        """Whether `invalidate()` then `get()` can bring a different key (worth retrying a refused call)."""
        ...

    async def get(self) -> Credentials: ...

    def invalidate(self) -> None: ...


class StaticCredentials:
    """A key given once (a profile in mode AK or StsToken, flags, the environment)."""

    refreshable = False

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return f"StaticCredentials({self._credentials.access_key_id!r})"

    async def get(self) -> Credentials:
        return self._credentials

    def invalidate(self) -> None:
        """Nothing to refresh: the key is what it is."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_credentials_uri(uri: str) -> str:
    """`uri` if it is an https URL, or an http URL on a loopback address (a local credential service); else a
    `ConfigError` saying why: temporary secrets must not cross a network in the clear."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise ConfigError(
            f"credentials URI {uri.split('?')[0]!r} is not an http(s) URL — give e.g. http://127.0.0.1:9000/creds"
        )
    if parts.username or parts.password:
        raise ConfigError(f"credentials URI {parts.scheme}://{host}/... must not carry a user name or password")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ConfigError(
            f"credentials URI http://{parts.netloc}{parts.path} uses plain http to {host}: only loopback addresses "
            "may use http — use https"
        )
    return uri


def refresh_margin(lifetime: float) -> float:
    """How long before expiry to fetch again, for credentials that lived `lifetime` seconds when fetched."""
    return max(0.0, min(MAX_REFRESH_MARGIN, lifetime * REFRESH_SHARE))


def _parse_expiration(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC)


@dataclass(frozen=True)
class _Cached:
    credentials: Credentials
    refresh_at: float  # wall-clock seconds (time.time()) after which to fetch again


class UriCredentials:
    """Temporary credentials fetched from `uri`, cached until shortly before they expire.

    `ca_cert` is the CA an https URI is verified against (the profile's, else the system store). `cache_file`,
    if given, keeps the last answer on disk (0600) for the next process. `clock` returns wall-clock seconds
    (tests pass their own).
    """

    refreshable = True

    def __init__(
        self,
        uri: str,
        *,
        ca_cert: str | Path | None = None,
        cache_file: Path | None = None,
        timeout: float = FETCH_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.uri = check_credentials_uri(uri)
        # what messages and logs show: a query string may carry a token, so it is left out
        self.shown = urlsplit(uri)._replace(query="", fragment="").geturl() + ("?..." if urlsplit(uri).query else "")
        self._ca_cert = ca_cert
        self._cache_file = cache_file
        self._timeout = timeout
        self._clock = clock
        self._cached: _Cached | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many times the URI was asked (tests, diagnostics)

    def __repr__(self) -> str:
        return f"UriCredentials({self.shown!r})"

    def invalidate(self) -> None:
        """Forget the cached key (the server refused it: rotated early, revoked); the next `get()` fetches."""
        self._cached = None
        if self._cache_file is not None:
            self._cache_file.unlink(missing_ok=True)

    async def get(self) -> Credentials:
        async with self._lock:
            now = self._clock()
            if self._cached is None:
                self._cached = self._load_cache()
            if self._cached is not None and now < self._cached.refresh_at:
                return self._cached.credentials
            self._cached = await self._fetch()
            self._save_cache(self._cached)
            return self._cached.credentials

    # -- fetching ---------------------------------------------------------------------------------------------

    def _ssl(self) -> ssl.SSLContext | bool:
        if not self.uri.startswith("https:"):
            return False
        path = Path(self._ca_cert).expanduser() if self._ca_cert else None
        try:
            return client_ssl_context(path)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load CA certificate {path} for the credentials URI: {exc}") from exc

    def _fail(self, what: str) -> CredentialsError:
        return CredentialsError(f"credentials URI {self.shown}: {what}")

    async def _fetch(self) -> _Cached:
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        connector = aiohttp.TCPConnector(ssl=self._ssl())
        self.fetches += 1
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout, connector=connector) as http,
                http.get(self.uri, allow_redirects=False, headers={"Accept": "application/json"}) as response,
            ):
                status = response.status
                if response.content_length is not None and response.content_length > MAX_RESPONSE_BYTES:
                    size = response.content_length
                    raise self._fail(f"answer is {size} bytes, over {MAX_RESPONSE_BYTES} bytes — not credentials")
                raw = await response.content.read(MAX_RESPONSE_BYTES + 1)
        except CredentialsError:
            raise
        except TimeoutError as exc:
            raise self._fail(f"no answer within {self._timeout:g} s — is the credential service running?") from exc
        except (aiohttp.ClientError, OSError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise self._fail(f"unreachable ({reason}) — is the credential service running?") from exc
        if len(raw) > MAX_RESPONSE_BYTES:
            raise self._fail(f"answer is over {MAX_RESPONSE_BYTES} bytes — not credentials")
        if status != 200:
            snippet = " ".join(raw[:120].decode(errors="replace").split())
            raise self._fail(f"HTTP {status}" + (f" ({snippet})" if snippet else ""))
        try:
            document = json.loads(raw)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            snippet = " ".join(raw[:80].decode(errors="replace").split())
            raise self._fail(f"answer is not a JSON object ({snippet or 'empty body'})")
        return self._parse(document)

    def _parse(self, document: dict[str, Any]) -> _Cached:
        code = document.get("Code")
        if code != "Success":
            message = document.get("Message")
            detail = f": {message}" if isinstance(message, str) and message else ""
            raise self._fail(f"Code is {code!r}, not 'Success'{detail}")
        missing = [
            key
            for key in ("AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration")
            if not isinstance(document.get(key), str) or not document[key]
        ]
        if missing:
            raise self._fail(f"answer lacks {', '.join(missing)}")
        expiration = _parse_expiration(document["Expiration"])
        if expiration is None:
            raise self._fail(
                f"Expiration {document['Expiration']!r} is not an ISO 8601 UTC time like 2026-12-02T18:30:00Z"
            )
        now = self._clock()
        lifetime = expiration.timestamp() - now
        if lifetime <= 0:
            raise self._fail(
                f"the credentials it gave expired at {expiration.isoformat()} — check the service and this "
                "machine's clock"
            )
        credentials = Credentials(
            str(document["AccessKeyId"]),
            str(document["AccessKeySecret"]),
            str(document["SecurityToken"]),
            expiration,
        )
        return _Cached(credentials, expiration.timestamp() - refresh_margin(lifetime))

    # -- the disk cache -----------------------------------------------------------------------------------------

    def _load_cache(self) -> _Cached | None:
        """The cached answer for this URI, or None (absent, unreadable, for another URI or past refresh)."""
        if self._cache_file is None:
            return None
        try:
            with self._cache_file.open("rb") as handle:
                document = json.loads(handle.read(MAX_RESPONSE_BYTES))
            if not isinstance(document, dict) or document.get("Uri") != self.uri:
                return None
            expiration = _parse_expiration(document.get("Expiration"))
            refresh_at = float(document["RefreshAt"])
            if expiration is None:
                return None
            return _Cached(
                Credentials(
                    str(document["AccessKeyId"]),
                    str(document["AccessKeySecret"]),
                    str(document["SecurityToken"]),
                    expiration,
                ),
                min(refresh_at, expiration.timestamp()),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _save_cache(self, cached: _Cached) -> None:
        """Best effort: a cache that cannot be written only costs a fetch next time."""
        if self._cache_file is None:
            return
        creds = cached.credentials
        document = {
            "Uri": self.uri,
            "AccessKeyId": creds.access_key_id,
            "AccessKeySecret": creds.access_key_secret,
            "SecurityToken": creds.security_token,
            "Expiration": creds.expiration.isoformat() if creds.expiration else None,
            "RefreshAt": cached.refresh_at,
        }
        directory = self._cache_file.parent
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".creds-", suffix=".tmp", dir=directory)  # mode 0600
            try:
                with os.fdopen(fd, "w") as handle:
                    json.dump(document, handle)
                os.replace(tmp, self._cache_file)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return
