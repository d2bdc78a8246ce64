"""Clearing a person from the side tables, then compacting SQLite's WAL.

Read models are cleared by their projections on the ``Erased`` event (so a
rebuild gives the same result); this clears them too, at once, in case the
projection process is behind or down, and clears what is not a projection:
sessions, queued mail, remembered API answers, throttles.
"""

from __future__ import annotations

import itertools
from uuid import UUID

from adapters.database import Database, compose, in_list
from adapters.session_table import SIDE_TABLES
from projections.support_search import forget_contract, forget_person

BY_IDENTITY = ("sessions", "outbox", "oidc_tokens")  # tokens: revoked first, by the sign-out cascade


class PersonalDataPurgeTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def related_identities(self, identity_id: UUID, account_ids: list[UUID]) -> list[UUID]:
        on_contracts, params = in_list("a", [str(a) for a in account_ids])
        with self.db.read() as tx:
            rows = tx.execute(
                compose(
                    "SELECT identity_id FROM read_identities "
                    "WHERE identity_id <> :id AND status IN ('reset', 'merged') "
                    "AND (merged_into = :id OR activating_account IN {on_contracts})",
                    on_contracts=on_contracts,
                ),
                {"id": str(identity_id), **params},
            ).all()
        return [UUID(r["identity_id"]) for r in rows]

    def forget_contract(self, account_id: UUID) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE read_accounts SET login_id = '', holder_name = '', suggested_email = '' WHERE account_id = :id",
                {"id": str(account_id)},
            )
            tx.execute("DELETE FROM read_account_names WHERE account_id = :id", {"id": str(account_id)})
            forget_contract(tx, str(account_id))
        self.db.compact()

    def forget(self, identity_ids: list[UUID], emails: list[str]) -> None:
        ids = [str(i) for i in identity_ids]
        with self.db.transaction() as tx:
            for table, identity in itertools.product(SIDE_TABLES, ids):
                tx.execute(
                    compose(
                        "DELETE FROM {table} WHERE token_digest IN "
                        "(SELECT token_digest FROM sessions WHERE identity_id = :id)",
                        table=table,
                    ),
                    {"id": identity},
                )
            for table in BY_IDENTITY:
                for identity in ids:
                    tx.execute(compose("DELETE FROM {table} WHERE identity_id = :id", table=table), {"id": identity})
            for identity in ids:
                tx.execute(
                    "UPDATE read_identities SET status = 'erased', email = NULL, proposed_email = NULL, "
                    "pending_email = NULL WHERE identity_id = :id",
                    {"id": identity},
                )
                forget_person(tx, identity)
            for email in emails:
                tx.execute("DELETE FROM idempotency WHERE body LIKE :pattern", {"pattern": f"%{email}%"})
        self.db.compact()
