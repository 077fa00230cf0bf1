"""Signed calls to the tether API (`POST /api/v1/{Action}`), paging through listings, and the translation of
failures into advice.

The signature covers the exact body bytes, so the body is serialised once here and those bytes are both signed and
sent. Every call is bounded by a timeout so a black-holed server cannot hang the CLI, and every listing by a page
count and a check for repeated page tokens so a confused server cannot make it loop.
"""

from __future__ import annotations

import enum
import json
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tether.auth.signing import sign_request
from tether.auth.tls import client_ssl_context
from tether.client import tracing
from tether.client.credentials import Credentials, CredentialsProvider, StaticCredentials
from tether.client.errors import ApiError, ConfigError, ConnectionFailure

__all__ = [
    "CALL_TIMEOUT",
    "CONNECT_TIMEOUT",
    "PAGING",
    "ApiClient",
    "ApiError",
    "Listing",
    "Page",
    "Paging",
    "PagingStyle",
    "describe_connection_error",
    "page_items",
    "ssl_context_for",
]

# Bounded waits: connecting (TCP + TLS) and a whole call. The API answers quickly; 30 s is generous.
CONNECT_TIMEOUT = 10.0
CALL_TIMEOUT = 30.0
# An API response larger than this is not something the CLI should hold in memory.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024

# A listing stops after this many pages whatever the server says; far beyond any real listing (100 000 items).
MAX_PAGES = 1000

# Answers meaning "this key no longer works": with a provider that can fetch a new key (CredentialsURI), the
# call is made once more with a fresh one (a refused call did nothing, so repeating it is safe).
_STALE_KEY_CODES = frozenset(
    {"InvalidSecurityToken.Expired", "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive"}
)

_CA_HINT = "pass --ca-cert DATA_DIR/tls/ca.pem or set TETHER_CA_CERT"


# --------------------------------------------------------------------------------------------------- paging


class PagingStyle(enum.Enum):
    """The three ways the API pages a listing (docs/api.md), plus the listings it answers in one piece.

    The styles come from the cloud APIs each group of actions imitates, so they differ by action family, not by
    whim; the client absorbs the difference so that no command has to know it.
    """

    PAGE_NUMBER = enum.auto()  # PageNumber/PageSize in, TotalCount out: DescribeActivations
    MARKER = enum.auto()  # Marker/MaxItems in, Marker/IsTruncated out: the RAM List* actions
    NEXT_TOKEN = enum.auto()  # NextToken/MaxResults in, NextToken out: instances, sessions, audit, streams, tags...
    SINGLE = enum.auto()  # no paging parameters: the whole listing in one answer (ListAccessKeys, ListPoliciesFor*)


@dataclass(frozen=True)
class Paging:
    """How one action pages: its style, where its items sit in an answer, and how many to ask for per page.

    `items` is a key path because RAM-style answers wrap their lists (`{"Users": {"User": [...]}}`); a bare list at
    any level of the path is accepted too. `page_size` stays within the server's bound for the action.
    """

    style: PagingStyle
    items: tuple[str, ...]
    page_size: int = 100


@dataclass(frozen=True)
class Page:
    """One answer of a listing: the whole `response` (for fields beside the items, such as the open streams of
    DescribePortForwardStreams), its `items`, and whether the server said that more follow (`more`: on the last
    page yielded, True means a limit ended the listing before the server did)."""

    response: dict[str, Any]
    items: list[dict[str, Any]]
    more: bool


@dataclass(frozen=True)
class Listing:
    """Every item of a listing up to a limit, whether the server had more than were returned, and its first answer
    whole (`first`: for what comes beside the items only once, such as the open streams of
    DescribePortForwardStreams, or the RequestId of a listing answered in one piece)."""

    items: list[dict[str, Any]]
    more: bool
    first: dict[str, Any]


# The parameters each continuing style sends (token or marker, page size) and the answer's field it reads back.
_PARAMETERS: dict[PagingStyle, tuple[str, str]] = {
    PagingStyle.MARKER: ("Marker", "MaxItems"),
    PagingStyle.NEXT_TOKEN: ("NextToken", "MaxResults"),
}


def _page_request(
    spec: Paging, filters: dict[str, Any], number: int, continuation: str | None, wanted: int | None
) -> dict[str, Any]:
    """The body that asks for page `number` (counting from 1), the one `continuation` leads to, of at most
    `wanted` more items (None: as many as a page holds)."""
    if spec.style is PagingStyle.SINGLE:
        return filters
    if spec.style is PagingStyle.PAGE_NUMBER:
        # The offset is (PageNumber - 1) * PageSize, so the size stays the same on every page whatever is wanted.
        return {**filters, "PageNumber": number, "PageSize": spec.page_size}
    token_name, size_name = _PARAMETERS[spec.style]
    request = {**filters, size_name: spec.page_size if wanted is None else max(1, min(spec.page_size, wanted))}
    if continuation is not None:
        request[token_name] = continuation
    return request


def _continuation(spec: Paging, response: dict[str, Any], batch: int, count: int) -> tuple[bool, str | None]:
    """Whether more follow an answer that brought `batch` items (`count` so far), and the token or marker that
    fetches them (None for the styles that count pages instead)."""
    if spec.style is PagingStyle.SINGLE:
        return False, None
    if spec.style is PagingStyle.PAGE_NUMBER:
        total = response.get("TotalCount")
        return batch >= spec.page_size and not (isinstance(total, int) and count >= total), None
    if spec.style is PagingStyle.MARKER and not response.get("IsTruncated"):
        return False, None
    following = response.get(_PARAMETERS[spec.style][0])
    return (True, str(following)) if following else (False, None)


_RAM = PagingStyle.MARKER
_TOKEN = PagingStyle.NEXT_TOKEN

# The paged actions of the API (tether/server/api/*.py): what `ApiClient.paginate` knows without being told.
PAGING: dict[str, Paging] = {
    # DescribeInstances answers PageNumber too, but each page by number costs an OFFSET and a count(*), so listing
    # 10,000 instances that way is quadratic; by NextToken (keyset over an index) every page costs the same
    "DescribeInstances": Paging(_TOKEN, ("Instances",)),
    "DescribeActivations": Paging(PagingStyle.PAGE_NUMBER, ("Activations",)),
    "ListUsers": Paging(_RAM, ("Users", "User")),
    "ListUsersForGroup": Paging(_RAM, ("Users", "User")),
    "ListGroups": Paging(_RAM, ("Groups", "Group")),
    "ListRoles": Paging(_RAM, ("Roles", "Role")),
    "ListPolicies": Paging(_RAM, ("Policies", "Policy")),
    "ListAccessKeys": Paging(PagingStyle.SINGLE, ("AccessKeys", "AccessKey")),
    "ListPoliciesForUser": Paging(PagingStyle.SINGLE, ("Policies", "Policy")),
    "ListPoliciesForGroup": Paging(PagingStyle.SINGLE, ("Policies", "Policy")),
    "ListPoliciesForRole": Paging(PagingStyle.SINGLE, ("Policies", "Policy")),
    "DescribeTerminalSessions": Paging(_TOKEN, ("Sessions",)),
    "SearchSessionRecordings": Paging(_TOKEN, ("Sessions",)),
    "LookupEvents": Paging(_TOKEN, ("Events",)),
    "ListTagResources": Paging(_TOKEN, ("TagResources", "TagResource")),
    "DescribePortForwardStreams": Paging(_TOKEN, ("Streams",), page_size=500),
}


def page_items(response: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects at `path` in an answer; a list met before the path ends is taken as the items."""
    value: object = response
    for key in path:
        if not isinstance(value, dict):
            break
        value = value.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def ssl_context_for(ca_cert: str | Path | None) -> ssl.SSLContext:
    """The TLS context trusting `ca_cert` (or the system store), with a clear error if the file is unusable."""
    path = Path(ca_cert).expanduser() if ca_cert else None
    if path is not None and not path.is_file():
        raise ConfigError(f"CA certificate {path} not found — {_CA_HINT} with the server's ca.pem")
    try:
        return client_ssl_context(path)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"cannot load CA certificate {path}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    """A short, single-line reason for an OS or SSL error (no tracebacks, no repr noise)."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return str(exc.verify_message).rstrip(".")
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason).lower().replace("_", " ")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in `exc`'s cause/context chain (aiohttp wraps the OS error)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        # aiohttp's connector errors subclass the OS/SSL errors they wrap; the wrapped one carries the details.
        for inner in (getattr(current, "certificate_error", None), getattr(current, "os_error", None)):
            if isinstance(inner, kind):
                return inner
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def describe_connection_error(url: str, exc: BaseException, *, timeout: float = CONNECT_TIMEOUT) -> str:
    """Turn a low-level failure to reach `url` into one line that says what went wrong and what to try.

    Used for API calls and for the session's data channel alike, so both speak the same language.
    """
    where = f"cannot reach {url}"
    cert = _find(exc, ssl.SSLCertVerificationError)
    if cert is not None:
        assert isinstance(cert, ssl.SSLCertVerificationError)
        # 62/64: X509_V_ERR_HOSTNAME_MISMATCH / X509_V_ERR_IP_ADDRESS_MISMATCH: trusted, but issued for other names.
        if cert.verify_code in (62, 64) or "mismatch" in str(cert.verify_message).lower():
            return (
                f"{where}: certificate does not match the host name ({_reason(cert)}) — use the server URL from "
                "admin-credentials.json, or add this name to the server's certificate"
            )
        return f"{where}: certificate not trusted ({_reason(cert)}) — {_CA_HINT}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"{where}: certificate not trusted — {_CA_HINT}"
    ssl_error = _find(exc, ssl.SSLError)
    if ssl_error is not None or isinstance(exc, aiohttp.ClientSSLError):
        reason = _reason(ssl_error) if ssl_error is not None else "handshake failed"
        hint = (
            "is the server serving plain HTTP? then use an http:// URL"
            if "wrong version" in reason
            else ("check that the URL points at the tether server")
        )
        return f"{where}: TLS handshake failed ({reason}) — {hint}"
    if _find(exc, ConnectionRefusedError) is not None:
        return f"{where}: connection refused — is the server running?"
    if _find(exc, socket.gaierror) is not None or isinstance(exc, aiohttp.ClientConnectorDNSError):
        host = urlsplit(url).hostname or url
        return f"{where}: cannot resolve host {host} — check the server address"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return f"{where}: no answer within {timeout:g} s — check the address, the port and any firewall"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return f"{where}: the server closed the connection — is the URL's scheme (https/http) and port right?"
    unreachable = _find(exc, OSError)
    if unreachable is not None:
        return f"{where}: {_reason(unreachable)} — check the server address and your network"
    return f"{where}: {_reason(exc)}"


def _api_path(server: str, action: str) -> str:
    """The signed path: any path prefix of the server URL (a reverse proxy) plus /api/v1/{Action}."""
    prefix = urlsplit(server).path.rstrip("/")
    return f"{prefix}/api/v1/{action}"


def _check_server_url(server: str) -> str:
    parts = urlsplit(server)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(
            f"server URL {server!r} is not an http(s) URL — pass --server https://HOST:PORT or set TETHER_SERVER"
        )
    return server.rstrip("/")


class ApiClient:
    """One access key talking to one server. Reuse it for several calls; close it (or use `async with`).

    `call()` signs with `tether.auth.signing.sign_request` and raises `ApiError` for error documents and
    `ConnectionFailure` when nothing came back; both carry a one-line message meant for the user.
    """

    def __init__(
        self,
        server: str,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        ca_cert: str | Path | None = None,
        security_token: str | None = None,
        *,
        credentials: CredentialsProvider | None = None,
        timeout: float = CALL_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        """Give either a key (`access_key_id`, `access_key_secret`, maybe `security_token`) or `credentials`."""
        self.server = _check_server_url(server)
        if credentials is None:
            if not access_key_id or not access_key_secret:
                raise ConfigError("no access key given — pass an access key id and secret, or a credentials URI")
            credentials = StaticCredentials(Credentials(access_key_id, access_key_secret, security_token))
        elif access_key_id or access_key_secret:
            raise ConfigError("give an access key or a credentials provider, not both")
        self.credentials = credentials
        self.ca_cert = Path(ca_cert).expanduser() if ca_cert else None
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._ssl: ssl.SSLContext | None = None
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never show the secret
        return f"ApiClient(server={self.server!r}, credentials={self.credentials!r})"

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context for this server; shared with the session's data channel."""
        if self._ssl is None:
            self._ssl = ssl_context_for(self.ca_cert)
        return self._ssl

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._timeout, sock_connect=self._connect_timeout)
            connector = aiohttp.TCPConnector(ssl=self.ssl_context if self.server.startswith("https:") else False)
            self._session = aiohttp.ClientSession(
                timeout=timeout, connector=connector, trace_configs=tracing.trace_configs()
            )
        return self._session

    async def call(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call `action` with `body` and return the response object (including `RequestId`).

        When the server refuses a key that the provider can replace (rotated before its stated expiry), the key
        is fetched again and the call made once more.
        """
        try:
            return await self._call_once(action, body)
        except ApiError as exc:
            if exc.code not in _STALE_KEY_CODES or not self.credentials.refreshable:
                raise
            self.credentials.invalidate()
        return await self._call_once(action, body)

    async def _call_once(self, action: str, body: dict[str, Any] | None) -> dict[str, Any]:
        tracing.mark(f"api {action}: signing")
        url, payload, headers = await self._signed(action, body)
        try:
            async with self._http().post(url, data=payload, headers=headers, allow_redirects=False) as response:
                raw = await self._read_limited(response)
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise ConnectionFailure(describe_connection_error(self.server, exc, timeout=self._timeout)) from exc
        tracing.mark(f"api {action}: answered")
        return self._parse(raw, status)

    async def download(self, action: str, body: dict[str, Any], write: Callable[[bytes], object]) -> int:
        """Call an action that answers with a file (GetSessionRecording) and pass it to `write` chunk by chunk.

        Streamed, so a recording of any size never sits in memory; errors still arrive as JSON documents and raise
        `ApiError`. Returns the number of bytes written.
        """
        url, payload, headers = await self._signed(action, body)
        try:
            async with self._http().post(url, data=payload, headers=headers, allow_redirects=False) as response:
                if not 200 <= response.status < 300 or response.content_type == "application/json":
                    self._parse(await self._read_limited(response), response.status)
                    raise ApiError("InvalidResponse", f"{action} answered JSON, not a file", None, response.status)
                total = 0
                async for chunk in response.content.iter_chunked(1 << 16):
                    write(chunk)
                    total += len(chunk)
                return total
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise ConnectionFailure(describe_connection_error(self.server, exc, timeout=self._timeout)) from exc

    async def paginate(
        self,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        limit: int | None = None,
        paging: Paging | None = None,
        max_pages: int = MAX_PAGES,
    ) -> AsyncIterator[Page]:
        """Call a listing action page after page and yield each answer, whatever paging style the action uses.

        The style comes from `paging`, else from `PAGING` for the action (a `ConfigError` if it is in neither).
        `body` holds the filters; the paging parameters are added here and must not be in it. With `limit`, no
        more than `limit` items are asked for in all (the last page may still bring more: `collect` cuts them).

        A server that hands back a page token or marker it already gave, or still has more after `max_pages`
        pages, raises `ApiError("InvalidResponse")`: the items it would bring are repeats or never end, and a
        listing that silently loops or stops short is worse than a clear error.
        """
        spec = paging or PAGING.get(action)
        if spec is None:
            raise ConfigError(f"{action} is not a listing this client knows how to page — pass paging=Paging(...)")
        filters = dict(body or {})
        seen: set[str] = set()
        continuation: str | None = None
        count = 0
        for number in range(1, max_pages + 1):
            wanted = None if limit is None else limit - count
            response = await self.call(action, _page_request(spec, filters, number, continuation, wanted))
            items = page_items(response, spec.items)
            count += len(items)
            more, continuation = _continuation(spec, response, len(items), count)
            done = not more or (limit is not None and count >= limit)
            if not done and continuation is not None:
                if continuation in seen:
                    raise ApiError(
                        "InvalidResponse",
                        f"{action} gave the {_PARAMETERS[spec.style][0]} {continuation!r} a second time; the "
                        "listing stopped rather than loop — a server bug",
                        str(response["RequestId"]) if response.get("RequestId") else None,
                        200,
                    )
                seen.add(continuation)
            yield Page(response, items, more)
            if done:
                return
        raise ApiError(
            "InvalidResponse",
            f"{action} still had more after {max_pages} pages; the listing stopped — narrow it with filters",
            None,
            200,
        )

    async def collect(
        self,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        limit: int | None = None,
        paging: Paging | None = None,
        max_pages: int = MAX_PAGES,
    ) -> Listing:
        """Every item of a listing (at most `limit`), through `paginate`; `more` says the server had others."""
        items: list[dict[str, Any]] = []
        more = False
        first: dict[str, Any] | None = None
        async for page in self.paginate(action, body, limit=limit, paging=paging, max_pages=max_pages):
            first = page.response if first is None else first
            items.extend(page.items)
            more = page.more
        if limit is not None and len(items) > limit:
            items, more = items[:limit], True
        return Listing(items, more, first or {})

    async def _signed(self, action: str, body: dict[str, Any] | None) -> tuple[str, bytes, dict[str, str]]:
        """URL, exact body bytes and signed headers for one call."""
        if not action or not action.replace(".", "").isalnum():
            raise ConfigError(f"invalid action name {action!r} — actions look like DescribeInstances")
        payload = json.dumps(body or {}, separators=(",", ":"), ensure_ascii=False).encode()
        path = _api_path(self.server, action)
        key = await self.credentials.get()
        headers = sign_request(
            "POST", path, payload, key.access_key_id, key.access_key_secret, security_token=key.security_token
        )
        headers["Content-Type"] = "application/json"
        return f"{self.server}/api/v1/{action}", payload, headers

    async def _read_limited(self, response: aiohttp.ClientResponse) -> bytes:
        if response.content_length is not None and response.content_length > MAX_RESPONSE_BYTES:
            raise ApiError("ResponseTooLarge", f"{response.content_length} bytes", None, response.status)
        data = bytearray()
        async for chunk in response.content.iter_chunked(65536):
            data += chunk
            if len(data) > MAX_RESPONSE_BYTES:
                raise ApiError("ResponseTooLarge", f"over {MAX_RESPONSE_BYTES} bytes", None, response.status)
        return bytes(data)

    def _parse(self, raw: bytes, status: int) -> dict[str, Any]:
        try:
            document = json.loads(raw) if raw else {}
        except ValueError:
            document = None
        if not isinstance(document, dict):
            snippet = " ".join(raw[:120].decode(errors="replace").split())
            raise ApiError(
                "InvalidResponse",
                f"HTTP {status}, not a tether API answer ({snippet or 'empty body'}) — is {self.server} "
                "the tether server?",
                None,
                status,
            )
        if 200 <= status < 300:
            return document
        raise ApiError(
            str(document.get("Code") or f"Http{status}"),
            str(document.get("Message") or ""),
            str(document["RequestId"]) if document.get("RequestId") else None,
            status,
        )
