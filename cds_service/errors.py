"""One error hierarchy, one error body (a FHIR OperationOutcome), mapped to HTTP in one place.

Raise a ``CdsError`` subclass anywhere in ``cds_service``; ``install_error_handlers`` (app.py)
turns it — and Werkzeug's own HTTP errors, and any unexpected exception — into the JSON body
``operation_outcome(...)`` with the matching status. Messages must never contain patient data,
JWTs or access tokens.
"""

from __future__ import annotations

from typing import Any


class CdsError(Exception):
    status: int = 500
    code: str = "exception"  # FHIR issue-type code
    severity: str = "error"

    def __init__(self, message: str, *, expression: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression or []

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(
            self.message, code=self.code, severity=self.severity, expression=self.expression
        )


class BadRequest(CdsError):
    status, code = 400, "invalid"


class InvalidFhirData(BadRequest):
    """A resource the rules need is not valid FHIR R4: names the prefetch key and the path."""

    code = "structure"


class Unauthorized(CdsError):
    status, code = 401, "login"


class NotFound(CdsError):
    status, code = 404, "not-found"


class MethodNotAllowed(CdsError):
    status, code = 405, "not-supported"


class PreconditionFailed(CdsError):
    """Required FHIR data could not be obtained (CDS Hooks 2.0: HTTP 412)."""

    status, code = 412, "incomplete"


class PayloadTooLarge(CdsError):
    status, code = 413, "too-costly"


class UnsupportedMediaType(CdsError):
    status, code = 415, "not-supported"


class InternalError(CdsError):
    status, code, severity = 500, "exception", "fatal"


class AuditUnavailable(CdsError):
    """The invocation could not be recorded, so its cards are withheld (no advice without an audit
    record). Transient: the EHR may call again."""

    status, code, severity = 503, "transient", "error"


def operation_outcome(
    message: str, *, code: str = "exception", severity: str = "error", expression: list[str] | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": message}
    if expression:
        issue["expression"] = expression
    return {"resourceType": "OperationOutcome", "issue": [issue]}
