"""Domain errors raised by services and turned into messages or 4xx responses by callers."""


class DomainError(Exception):
    """Base class: a request the domain refuses. ``str(error)`` is a user-facing message."""

    status_code = 400


class NotFound(DomainError):
    """The named object does not exist."""

    status_code = 404


class Conflict(DomainError):
    """The object already exists or is in a state that forbids the change."""

    status_code = 409


class InvalidInput(DomainError):
    """The input is malformed; ``problems`` lists every problem found."""

    status_code = 400

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class PermissionDenied(DomainError):
    """The actor may not do this."""

    status_code = 403
