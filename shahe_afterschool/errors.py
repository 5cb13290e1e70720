"""The one error type for domain rules.

Services raise `DomainError` (or `ConflictError` when the request clashes with the current state).
The API's exception handler turns them into 400 / 409 with `{"detail": message}` and pages turn
them into a form error or a message; both show the message in the user's language because the
message is a lazy translation.
"""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ConflictError(DomainError):
    status_code = 409
