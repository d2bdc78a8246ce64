"""Refusals a use case answers with: a contract error code and plain words.

The web layer maps each code to its HTTP status; the CLI prints the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Refused(Exception):
    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class Conflict(Refused):
    """The event store refused a write because another one won the race."""

    def __init__(self, message: str = "Une autre opération vient de modifier ce compte, réessayez.") -> None:
        super().__init__("conflict", message)


class Problems:
    """Every refusal of one request, found in one pass (GOV.UK: validate every
    field at once). The first is the answer's ``error``, as the contract has
    one code per answer; every one is in its ``fields`` detail, each with the
    field it concerns, so a form shows them all at once. A refusal that says
    to wait (``retry_after``, a throttle) leads: nothing else the person fixes
    helps before then."""

    def __init__(self) -> None:
        self.found: list[tuple[str, Refused]] = []

    def add(self, field: str, refusal: Refused) -> None:
        self.found.append((field, refusal))

    def check(self, field: str, check: Callable[[], T]) -> T | None:
        """``check()``'s result, or None with its refusal noted against ``field``."""
        try:
            return check()
        except Refused as refusal:
            self.add(field, refusal)
            return None

    def raise_any(self) -> None:
        if not self.found:
            return
        waits = [r for _, r in self.found if "retry_after" in r.details]
        first = waits[0] if waits else self.found[0][1]
        fields = [{"field": field, "error": r.code, "message": r.message} for field, r in self.found]
        details = {k: v for r in reversed([r for _, r in self.found]) for k, v in r.details.items()}
        raise Refused(first.code, first.message, **{**details, "fields": fields})
