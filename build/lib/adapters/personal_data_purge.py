"""Clearing a person from the side tables, then compacting SQLite's WAL.

Read models are cleared by their projections on the ``Erased`` event (so a
rebuild gives the same result); the purge asks each projection to forget at
once too (``Projection.forget``), in case it is behind or its process down,
and clears what no projection owns: sessions, tokens, remembered API answers.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from uuid import UUID

from adapters.database import Database, compose, in_list
from adapters.session_table import SIDE_TABLES
from projections.follower import Projection

BY_IDENTITY = ("sessions", "oidc_tokens")  # tokens: revoked first, by the sign-out cascade


class PersonalDataPurgeTable:
    def __init__(self, db: Database, projections: Iterable[Projection]) -> None:
        self.db = db
        self.projections = list(projections)

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
            for projection in self.projections:
                projection.forget_contract(tx, str(account_id))
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
            for table, identity in itertools.product(BY_IDENTITY, ids):
                tx.execute(compose("DELETE FROM {table} WHERE identity_id = :id", table=table), {"id": identity})
            for projection, identity in itertools.product(self.projections, ids):
                projection.forget(tx, identity)
            for email in emails:
                tx.execute(
                    "DELETE FROM idempotency WHERE body LIKE :pattern ESCAPE '\\'", {"pattern": mentioning(email)}
                )
        self.db.compact()


def mentioning(text: str) -> str:
    """A ``LIKE`` pattern matching a remembered answer that holds ``text``, as
    ``web/idempotency.py`` stores it: the response's JSON text, its bytes read
    as latin-1, inside JSON again. ``%`` and ``_`` match only themselves: an
    address such as ``jean_dupont@...`` must not match ``jean.dupont@...``."""
    in_response = json.dumps(text, ensure_ascii=False)[1:-1]
    stored = json.dumps(in_response.encode().decode("latin-1"))[1:-1]
    return "%" + stored.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
