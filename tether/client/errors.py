"""Errors the client raises, each carrying a one-line message that tells the user what to do next.

The CLI prints `tether: <str(error)>` and exits; so every message here is written for a person, fits on one line and
never contains a secret.
"""

from __future__ import annotations


class ClientError(Exception):
    """A failure the user can act on; `str(error)` is the whole message shown after `tether: `."""


class ConfigError(ClientError):
    """Settings are missing or unreadable (flags, environment, profile file)."""


class CredentialsError(ClientError):
    """The credentials URI failed: unreachable, an HTTP error, or an answer that is not usable credentials."""


class ConnectionFailure(ClientError):
    """The server could not be reached or the TLS handshake failed; nothing was sent."""


# What to tell the user for API error codes whose fix is not obvious from the server's message alone.
_HINTS: dict[str, str] = {
    "MissingAuthorization": "run `tether configure` or set TETHER_ACCESS_KEY_ID and TETHER_ACCESS_KEY_SECRET",
    "InvalidAuthorization": "run `tether configure` or set TETHER_ACCESS_KEY_ID and TETHER_ACCESS_KEY_SECRET",
    "InvalidAccessKeyId.NotFound": (
        "the access key id is unknown to this server; check --access-key-id / TETHER_ACCESS_KEY_ID / "
        "`tether configure` and that --server points at the right server"
    ),
    "InvalidAccessKeyId.Inactive": "the access key is disabled; ask an administrator to enable it or use another",
    "SignatureDoesNotMatch": (
        "the access key secret is wrong; check --access-key-secret / TETHER_ACCESS_KEY_SECRET / `tether configure`"
    ),
    "InvalidTimeStamp.Expired": "this machine's clock differs from the server's by more than 15 minutes; fix the clock",
    "SignatureNonceUsed": "the request was replayed or the clock is wrong; try again",
    "Forbidden": "your access key's policy does not allow this; ask an administrator",
    "Forbidden.RAM": "no policy attached to you allows this; ask an administrator to grant it",
    "InvalidSecurityToken.Expired": "the temporary credentials expired; run `tether assume-role` again",
    "InvalidSecurityToken.Missing": "temporary (STS.) keys need their security token: set TETHER_SECURITY_TOKEN",
    "SessionManager.Disabled": "an administrator must enable session management (`tether settings session-manager "
    "--enable`)",
    "InvalidAction.NotFound": "check the action name (see docs/api.md); the server may be an older version",
    "InvalidInstance.NotFound": "check the instance id with `tether instances`",
    "InvalidInstance.Offline": "the instance's agent is not connected; check that `tether agent` runs on it",
    "InvalidSession.NotFound": "check the session id with `tether sessions`",
    "InvalidActivation.NotFound": "check the activation id with `tether activation list`",
    "InternalError": "a server bug; the server log has details under this request id",
}


class ApiError(ClientError):
    """The server answered an API call with an error document `{"Code", "Message", "RequestId"}`.

    The fields stay available for scripts (`tether api` prints them as JSON); `str()` is the one-line translation
    with a hint on what to do.
    """

    def __init__(self, code: str, message: str, request_id: str | None, status: int) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line: code, the server's message, a hint when we have one, and the request id for the logs."""
        message = " ".join(self.message.split())  # a server message must not break the one-line rule
        text = f"{self.code}: {message}" if message else self.code
        hint = _HINTS.get(self.code)
        if hint:
            text += f" — {hint}"
        if self.request_id:
            text += f" (request {self.request_id})"
        return text

    def to_dict(self) -> dict[str, object]:
        """The error as the server sent it, for `--json` output."""
        return {"Code": self.code, "Message": self.message, "RequestId": self.request_id, "HttpStatus": self.status}
