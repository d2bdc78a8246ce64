"""Queries over the read models (the ReadModels port), and waiting for them."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.database import Database, compose, in_list
from application.contract_view import contract_row_view
from projections.agency_scope import AgencyScope
from projections.support_search import HIGHEST


class ReadModelQueries:
    def __init__(self, db: Database, projections: tuple[str, ...] = ("profile", "support_search")) -> None:
        self.db = db
        self.projections = projections
        self.wait_timeout = 5.0

    def wait_for(self, position: int) -> None:
        """Block until every read model has applied ``position`` (read your
        writes), or ``wait_timeout`` seconds have passed."""
        deadline = time.monotonic() + self.wait_timeout
        delay = 0.002
        while self._position() < position and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _position(self) -> int:
        """How far the slowest read model has read."""
        with self.db.read() as tx:
            rows = tx.execute("SELECT name, position FROM tracking").all()
        positions = {row["name"]: int(row["position"]) for row in rows}
        return min(positions.get(name, 0) for name in self.projections)

    def profile(self, identity_id: UUID) -> dict[str, Any] | None:
        with self.db.read() as tx:
            identity = tx.execute(
                "SELECT * FROM read_identities WHERE identity_id = :id AND status = 'active'", {"id": str(identity_id)}
            ).one()
            if identity is None:
                return None
            accounts = tx.execute(
                "SELECT a.account_id, a.client_code, a.company_code, a.login_id, a.holder_name, a.role "
                "FROM read_identity_accounts l JOIN read_accounts a ON a.account_id = l.account_id "
                "WHERE l.identity_id = :id ORDER BY l.linked_at, a.account_id",
                {"id": str(identity_id)},
            ).all()
        return {
            "id": identity["identity_id"],
            "email": identity["email"],
            "accounts": [contract_row_view(a) for a in accounts],
            "default_account": identity["default_account"],
            "terms_version": identity["terms_version"],
        }

    def search(
        self, words: list[str], agency: tuple[str, str] | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """Identities every word prefixes a visible term of, newest first."""
        scope = AgencyScope(agency)
        params: dict[str, Any] = {"limit": limit, "offset": offset, **scope.params}
        for i, word in enumerate(words):
            params[f"w{i}"], params[f"w{i}h"] = word, word + HIGHEST
        matching = " INTERSECT ".join(
            compose("SELECT identity_id FROM ({matches}) m{i}", matches=_matches(i, scope), i=str(i))
            for i in range(len(words))
        )
        with self.db.read() as tx:
            rows = tx.execute(
                compose(
                    "SELECT r.identity_id, r.status, r.email, r.proposed_email, r.updated_at FROM read_identities r "
                    "WHERE r.identity_id IN ({matching}) AND {visible} "
                    "ORDER BY r.updated_at DESC, r.identity_id LIMIT :limit OFFSET :offset",
                    matching=matching, visible=scope.identity("r.identity_id"),
                ),
                params,
            ).all()
            return [{**dict(row), "accounts": self._contracts(tx, row["identity_id"], scope)} for row in rows]

    def _contracts(self, tx: Any, identity_id: str, scope: AgencyScope) -> list[dict[str, Any]]:
        """The identity's visible contracts: linked, or the one being activated."""
        rows = tx.execute(
            compose(
                "SELECT a.account_id AS id, a.client_code, a.company_code, a.login_id, a.holder_name, a.role, "
                "CASE WHEN l.identity_id IS NULL THEN 'activating' ELSE 'linked' END AS link "
                "FROM read_accounts a "
                "LEFT JOIN read_identity_accounts l ON l.account_id = a.account_id AND l.identity_id = :id "
                "WHERE (l.identity_id IS NOT NULL OR a.account_id = "
                "(SELECT activating_account FROM read_identities WHERE identity_id = :id AND status = 'activating')) "
                "AND {visible} ORDER BY a.client_code, a.company_code, a.login_id",
                visible=scope.contract("a.account_id"),
            ),
            {"id": identity_id, **scope.params},
        ).all()
        return [dict(r) for r in rows]

    def support_profile(self, identity_id: UUID, agency: tuple[str, str] | None) -> dict[str, Any] | None:
        """Status, visible contracts and pending steps of one identity, if in scope."""
        scope = AgencyScope(agency)
        with self.db.read() as tx:
            row = tx.execute(
                compose(
                    "SELECT r.identity_id, r.status, r.email, r.proposed_email, r.terms_version, r.next_step, "
                    "r.pending_email, r.reset_pending_until, r.started_at, r.updated_at, "
                    "CASE WHEN {default_visible} THEN r.default_account END AS default_account "
                    "FROM read_identities r WHERE r.identity_id = :id AND {visible}",
                    default_visible=scope.contract("r.default_account"), visible=scope.identity("r.identity_id"),
                ),
                {"id": str(identity_id), **scope.params},
            ).one()
            if row is None:
                return None
            profile = dict(row)
            profile["accounts"] = self._contracts(tx, str(identity_id), scope)
        return profile

    def known_accounts(self, account_ids: list[UUID]) -> set[UUID]:
        ids, params = in_list("a", [str(a) for a in account_ids])
        with self.db.read() as tx:
            rows = tx.execute(
                compose("SELECT account_id FROM read_accounts WHERE account_id IN {ids}", ids=ids), params
            ).all()
        return {UUID(row["account_id"]) for row in rows}

    def ended_before(self, cutoff: datetime, limit: int) -> list[UUID]:
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT account_id FROM read_accounts WHERE ended_at IS NOT NULL AND ended_at <= :cutoff "
                "AND login_id <> '' ORDER BY ended_at LIMIT :limit",
                {"cutoff": cutoff.isoformat(), "limit": limit},
            ).all()
        return [UUID(row["account_id"]) for row in rows]

    def pending_identities(self, email: str) -> list[UUID]:
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT identity_id FROM read_identities WHERE proposed_email = :email AND status = 'activating'",
                {"email": email},
            ).all()
        return [UUID(row["identity_id"]) for row in rows]


ACCOUNT_KINDS = "('account', 'holder')"


def _matches(word: int, scope: AgencyScope) -> str:
    """Identities one query word reaches: its own terms, or its visible
    contracts' terms (linked, or being activated)."""
    match = f"t.term >= :w{word} AND t.term < :w{word}h"
    return compose(
        "SELECT t.owner_id AS identity_id FROM search_terms t WHERE t.kind = 'identity' AND {match} "
        "UNION SELECT l.identity_id FROM search_terms t JOIN read_identity_accounts l ON l.account_id = t.owner_id "
        "WHERE {contract} "
        "UNION SELECT i.identity_id FROM search_terms t JOIN read_identities i ON i.activating_account = t.owner_id "
        "WHERE i.status = 'activating' AND {contract}",
        match=match, contract=f"t.kind IN {ACCOUNT_KINDS} AND {match} AND {scope.contract('t.owner_id')}",
    )
