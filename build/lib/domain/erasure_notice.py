"""ErasureNotice: the mail confirming that an account was deleted, and its address.

Erasure shreds the identity's key, and with it every address its history
holds, so the confirmation cannot be addressed from the identity once the
erasure is done. The notice is an aggregate of its own, written in the same
atomic write as the identity's ``Erased`` event: its address is a personal
field sealed under the notice's own subject key, which outlives the
identity's just long enough for the outbox to send the mail. Once the mail
is sent (or given up), retention shreds the notice's key and deletes its
outbox row: nothing of the address is left.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event


class ErasureNotice(Aggregate):
    class Requested(Aggregate.Created):
        """Tell ``email`` that its account was deleted (``reason``: who asked)."""

        email: str
        reason: str

    @event(Requested)
    def __init__(self, email: str, reason: str) -> None:
        self.email = email
        self.reason = reason
