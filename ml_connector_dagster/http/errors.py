"""Errors a caller can catch precisely. Messages name the system and the request, never a secret."""

from collections.abc import Callable


class ConnectorHttpError(Exception):
    def __init__(self, system: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{system}: {message}")
        self.system = system
        self.status = status


class AuthenticationError(ConnectorHttpError):
    """Credentials were refused, or a fresh token was still refused."""


class TransientError(ConnectorHttpError):
    """Throttling, a server error or a network failure that outlasted every retry."""


class RequestRejected(ConnectorHttpError):
    """The system understood the request and refused it (4xx, or an application error code)."""

    def __init__(self, system: str, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(system, message, status)
        self.code = code


class WriteOutcomeUnknown(ConnectorHttpError):
    """A write may or may not have been applied (network failure or 5xx after sending it).

    Never retried blindly: the caller checks the target for the record first.
    """


class CheckFailed(ConnectorHttpError):
    """The system answered, but not the way this connection is configured to need (a `ping` finding)."""


def found_after_unknown(unknown: WriteOutcomeUnknown, find: Callable[[], str | None]) -> str:
    """After a create whose outcome is unknown: the id the target holds for the record, looked up instead of
    writing again. Raises `unknown` when the record is not there, or when the lookup fails too: the intent
    stays open and the next run resolves it."""
    try:
        found = find()
    except ConnectorHttpError:
        raise unknown from None
    if found is None:
        raise unknown
    return found
