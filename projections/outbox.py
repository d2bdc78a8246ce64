"""The outbox as a projection: committed events decide which mails go out.

A mail row is written with the tracking position in one transaction, its id
derived from the event (aggregate id and version), so a crash between commit
and send loses no mail and a replay writes none twice. The mail carries no
link in clear: the sender derives it from the event's nonce with SECRET_KEY.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any

from adapters.database import Tx
from domain.identity import Identity


class OutboxProjection:
    name = "outbox"
    tables = ()  # never cleared: a rebuild must not send every mail again

    def __init__(self, on_commit: Callable[[], None] = lambda: None) -> None:
        self.on_commit = on_commit

    def committed(self) -> None:
        self.on_commit()

    @singledispatchmethod
    def apply(self, event: Any, position: int, tx: Tx) -> None:
        """Events that send no mail."""

    @apply.register
    def _(self, event: Identity.EmailVerificationRequested, position: int, tx: Tx) -> None:
        self._queue(event, tx, "verify_email", event.email, nonce=event.nonce, expires_at=event.expires_at.isoformat())

    def _queue(self, event: Any, tx: Tx, kind: str, recipient: str, **payload: Any) -> None:
        at = event.timestamp.isoformat()
        tx.execute(
            "INSERT INTO outbox (mail_id, identity_id, kind, recipient, payload, status, created_at, next_attempt_at) "
            "VALUES (:id, :identity, :kind, :to, :payload, 'pending', :at, :at) ON CONFLICT (mail_id) DO NOTHING",
            {
                "id": f"{event.originator_id}.{event.originator_version}", "identity": str(event.originator_id),
                "kind": kind, "to": recipient, "payload": json.dumps(payload), "at": at,
            },
        )
