"""The sign-ins read model: which person signed into which client, in which
portal session (``sid``), and whether that sign-in has ended.

Each sign-in is a ``ClientSignIn`` stream of its own, not part of the
identity's; this table maps a person and a portal session to their sign-ins,
for the cascade that ends them, « Applications connectées » and the person's
history. It holds ids, the client's name and times: nothing personal.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from adapters.database import Database, Tx, compose
from domain.client_sign_in import ClientSignIn
from projections.follower import Projection


class SignInsProjection(Projection):
    name = "sign_ins"
    migrations = "sign_ins"
    tables = ("read_sign_ins",)

    @singledispatchmethod
    def apply(self, event: Any, position: int, tx: Tx) -> None:
        """Other events do not concern sign-ins."""

    @apply.register
    def _(self, event: ClientSignIn.SignedIn, position: int, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO read_sign_ins "
            "(sign_in_id, identity_id, sid, client_id, client_name, contract_id, signed_in_at) "
            "VALUES (:id, :identity, :sid, :client, :name, :contract, :at) ON CONFLICT (sign_in_id) DO NOTHING",
            {
                "id": str(event.originator_id),
                "identity": str(event.identity_id),
                "sid": event.sid,
                "client": event.client_id,
                "name": event.client_name,
                "contract": str(event.contract_id) if event.contract_id else None,
                "at": event.timestamp.isoformat(),
            },
        )

    @apply.register
    def _(self, event: ClientSignIn.SignedOut, position: int, tx: Tx) -> None:
        tx.execute(
            "UPDATE read_sign_ins SET signed_out_at = :at, reason = :reason WHERE sign_in_id = :id",
            {"id": str(event.originator_id), "at": event.timestamp.isoformat(), "reason": event.reason},
        )


class SignInQueries:
    """Reads of the sign-ins read model (the ``SignInRecords`` port)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def live(self, identity_id: UUID | None = None, sid: str | None = None) -> list[UUID]:
        """The sign-ins not yet ended of a person, or of a portal session."""
        column, value = ("sid", sid) if sid is not None else ("identity_id", str(identity_id))
        with self.db.read() as tx:
            rows = tx.execute(
                compose(
                    "SELECT sign_in_id FROM read_sign_ins WHERE {column} = :value AND signed_out_at IS NULL",
                    column=column,
                ),
                {"value": value},
            ).all()
        return [UUID(row["sign_in_id"]) for row in rows]

    def of_person(self, identity_id: UUID) -> list[dict[str, Any]]:
        """Every sign-in of a person, newest first."""
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT * FROM read_sign_ins WHERE identity_id = :id ORDER BY signed_in_at DESC, sign_in_id",
                {"id": str(identity_id)},
            ).all()
        return [dict(row) for row in rows]
