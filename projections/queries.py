"""Queries over the read models (the ReadModels port), and waiting for them."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from adapters.database import Database


class ReadModelQueries:
    def __init__(self, db: Database, projection: str = "profile") -> None:
        self.db = db
        self.projection = projection

    def wait_for(self, position: int, timeout: float = 5.0) -> None:
        """Block until the profile view has applied ``position`` (read your writes)."""
        deadline = time.monotonic() + timeout
        delay = 0.002
        while self._position() < position and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _position(self) -> int:
        with self.db.read() as tx:
            row = tx.execute("SELECT position FROM tracking WHERE name = :name", {"name": self.projection}).one()
        return int(row["position"]) if row else 0

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
            "accounts": [
                {
                    "id": a["account_id"], "client_code": a["client_code"], "company_code": a["company_code"],
                    "login_id": a["login_id"], "holder_name": a["holder_name"], "role": a["role"],
                }
                for a in accounts
            ],
            "default_account": identity["default_account"],
            "terms_version": identity["terms_version"],
        }

    def pending_identities(self, email: str) -> list[UUID]:
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT identity_id FROM read_identities WHERE proposed_email = :email AND status = 'activating'",
                {"email": email},
            ).all()
        return [UUID(row["identity_id"]) for row in rows]
