"""The person's sign-ins to applications: « Applications connectées » and their history.

Each sign-in is a ``ClientSignIn`` stream of its own (frequent sign-ins never
grow the identity's stream); the sign-ins read model says which streams are
the person's. The history the person, the export and the auditors read is
the identity's events and these streams' events, merged in time order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.event_store import EventStore
from application.history import describe, who
from application.ports import ReadModels
from domain.client_sign_in import ClientSignIn

REASONS = {
    "logout": "déconnexion du portail",
    "end_session": "déconnexion demandée par l'application",
    "password_changed": "mot de passe modifié",
    "password_reset": "mot de passe réinitialisé",
    "erased": "compte supprimé",
    "person": "depuis « Applications connectées »",
    "security_page": "session fermée depuis « Sécurité »",
    "support": "sessions fermées par le support",
    "refresh_replay": "jeton de rafraîchissement réutilisé : connexion révoquée par sécurité",
}


class SignInRows(Protocol):
    def of_person(self, identity_id: UUID) -> list[dict[str, Any]]:
        """Every sign-in of a person (read model rows), newest first."""


class ConnectedApps:
    def __init__(
        self, store: EventStore, rows: SignInRows, read_models: ReadModels, account_label: Callable[[str], str]
    ) -> None:
        self.store = store
        self.rows = rows
        self.read_models = read_models
        self.account_label = account_label

    def _rows(self, identity_id: UUID) -> list[dict[str, Any]]:
        self.read_models.wait_for(self.store.position())
        return self.rows.of_person(identity_id)

    def listed(self, identity_id: UUID) -> list[dict[str, Any]]:
        """The applications the person is signed into now, newest first."""
        return [
            {
                "id": row["sign_in_id"], "client_name": row["client_name"], "signed_in_at": row["signed_in_at"],
                "contract": self.account_label(row["contract_id"]) if row["contract_id"] else None,
            }
            for row in self._rows(identity_id)
            if row["signed_out_at"] is None
        ]

    def by_session(self, identity_id: UUID) -> dict[str, list[str]]:
        """The applications signed in through each portal session (by ``sid``)."""
        names: dict[str, list[str]] = {}
        for row in self._rows(identity_id):
            if row["signed_out_at"] is None:
                names.setdefault(row["sid"], []).append(row["client_name"])
        return names

    def timeline(self, identity_id: UUID, identity_events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The identity's described events and its sign-ins', in time order."""
        described = [*identity_events]
        for row in self._rows(identity_id):
            described += self._described(UUID(row["sign_in_id"]))
        return sorted(described, key=lambda e: datetime.fromisoformat(e["at"]))

    def _described(self, sign_in_id: UUID) -> list[dict[str, Any]]:
        described, name = [], ""
        for event in self.store.stream(sign_in_id):
            entry = describe(event)
            entry["data"]["sign_in_id"] = str(sign_in_id)
            entry["who"] = who(event)
            if isinstance(event, ClientSignIn.SignedIn):
                name = event.client_name
                contract = f" pour le bien : {self.account_label(event.contract_id)}" if event.contract_id else ""
                entry["description"] = f"Connexion à l'application {name}{contract}"
            elif isinstance(event, ClientSignIn.SignedOut):
                reason = REASONS.get(event.reason, event.reason)
                entry["description"] = f"Déconnexion de l'application {name} ({reason})"
            described.append(entry)
        return described
