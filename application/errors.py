"""Refusals a use case answers with: a contract error code and plain words.

The web layer maps each code to its HTTP status; the CLI prints the message.
"""

from __future__ import annotations

from typing import Any


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
