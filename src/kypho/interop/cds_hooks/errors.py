"""The HTTP answers a hook call can fail with, each an OperationOutcome-style body."""

from __future__ import annotations

from typing import Any


class HookError(Exception):
    """A refused call: ``status`` (400, 401, 412), the field at fault and why."""

    status = 400
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def outcome(self) -> dict[str, Any]:
        """An OperationOutcome naming the field (``expression``) and the reason.

        >>> BadHookRequest("context.patientId", "expected a text, got 3").outcome()["issue"][0]
        ... # doctest: +NORMALIZE_WHITESPACE
        {'severity': 'error', 'code': 'invalid', 'diagnostics': 'context.patientId:
         expected a text, got 3', 'expression': ['context.patientId']}
        """
        issue = {"severity": "error", "code": self.code, "diagnostics": str(self),
                 "expression": [self.field]}  # fmt: skip
        return {"resourceType": "OperationOutcome", "issue": [issue]}


class BadHookRequest(HookError):
    """A malformed hook request or feedback: 400."""


class ClientRejected(HookError):
    """No valid client JWT: 401."""

    status = 401
    code = "security"


class PrefetchUnavailable(HookError):
    """The data the decision needs is neither prefetched nor fetchable: 412."""

    status = 412
    code = "not-found"
