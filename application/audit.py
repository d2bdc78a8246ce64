"""Auditors replay an identity's history and see its state at any past moment.

The state as of a moment is the fold of the identity's events up to it: the
same code that builds the live aggregate, so the past can't be told
differently from the present; it starts from the newest snapshot before the
moment, so its cost does not grow with the history. Secrets never leave: the view shows whether a
password was set, not its hash; whether a link was pending, not its nonce.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.access_records import AccessRecords, Reader
from application.errors import Refused
from application.event_store import EventStore
from application.french_time import french_moment
from application.history import STATUS_WORDS, Timeline, describe, passkey_view
from application.ports import Clock
from domain.identity import Identity


class Audit:
    def __init__(
        self, store: EventStore, access: AccessRecords, account_label: Callable[[str], str],
        clock: Clock, timeline: Timeline = lambda identity_id, events: events,
    ) -> None:
        self.store = store
        self.clock = clock
        self.access = access
        self.account_label = account_label
        self.timeline = timeline  # the identity's events and its sign-ins' streams

    def _events(self, identity_id: UUID) -> list[Aggregate.Event]:
        events = self.store.stream(identity_id)
        if not events or not isinstance(events[0], Identity.ActivationStarted):
            raise Refused("not_found", "Aucune identité sous cet identifiant.")
        return events

    def events(self, member: Reader, identity_id: UUID) -> list[dict[str, Any]]:
        events = self._events(identity_id)
        self.access.record(member, identity_id, "historique d'audit")
        return self.timeline(identity_id, [describe(e, self.account_label) for e in events])

    def state_at(self, member: Reader, identity_id: UUID, at: datetime) -> dict[str, Any]:
        """The fold up to ``at``, from the newest snapshot before it (application/snapshots.py)."""
        first = next(iter(self.store.events.get(identity_id, limit=1)), None)
        if not isinstance(first, Identity.ActivationStarted):
            raise Refused("not_found", "Aucune identité sous cet identifiant.")
        identity = self.store.state_at(identity_id, at)
        if identity is None:
            raise Refused("not_found", "Cette identité n'existait pas encore à ce moment.")
        self.access.record(member, identity_id, "état à une date")
        return state_view(identity, at)

    def since(self, member: Reader, identity_id: UUID, at: datetime) -> dict[str, Any]:
        """The state at ``at`` (read and recorded as ``state_at``), the state
        ``now``, what differs between them in words, and the events since."""
        then = self.state_at(member, identity_id, at)
        events = self._events(identity_id)
        current = state_view(fold(events), self.clock.now())
        return {
            "then": then,
            "now": current,
            "then_words": state_words(then, self.account_label),
            "changed": changes(then, current, self.account_label),
            "events_since": [describe(e, self.account_label) for e in events if e.timestamp > at],
        }


def fold(events: list[Any]) -> Identity:
    """The identity its events build (all of them, or those up to a moment)."""
    identity: Any = None
    for event in events:
        identity = event.mutate(identity)
    if not isinstance(identity, Identity):
        raise Refused("not_found", "Aucune identité sous cet identifiant.")
    return identity


# The fields of ``state_view`` an auditor compares, in words.
STATE_LABELS = {
    "status": "Statut",
    "email": "Adresse email de connexion",
    "proposed_email": "Adresse email proposée à l'activation",
    "password_set": "Mot de passe choisi",
    "terms_version": "Version des CGU acceptée",
    "two_step": "Validation en deux étapes",
    "accounts": "Contrats rattachés",
    "default_account": "Contrat par défaut",
    "pending.email_verification": "Lien de vérification d'email en cours",
    "pending.password_reset": "Lien de réinitialisation en cours",
    "pending.email_change": "Changement d'adresse en cours",
    "pending.two_step_challenge": "Code de validation en deux étapes attendu",
}
VALUE_WORDS: dict[Any, str] = {
    True: "oui", False: "non", None: "—", "on": "activée", "off": "désactivée", "pending": "commencée", **STATUS_WORDS,
}


def state_words(state: dict[str, Any], account_label: Callable[[str], str]) -> list[dict[str, str]]:
    """Each compared field of a state, its label and value in words."""
    return [
        {"label": label, "value": _words(_value(state, name), name, account_label)}
        for name, label in STATE_LABELS.items()
    ]


def changes(then: dict[str, Any], now: dict[str, Any], account_label: Callable[[str], str]) -> list[dict[str, str]]:
    """Each compared field that differs: its label, its value then and now, in words."""
    return [
        {
            "label": label,
            "then": _words(_value(then, name), name, account_label),
            "now": _words(_value(now, name), name, account_label),
        }
        for name, label in STATE_LABELS.items()
        if _value(then, name) != _value(now, name)
    ]


def _value(state: dict[str, Any], name: str) -> Any:
    section, _, key = name.partition(".")
    return state[section][key] if key else state[section]


def _words(found: Any, name: str, account_label: Callable[[str], str]) -> str:
    if name in ("accounts", "default_account") and found:
        return ", ".join(account_label(a) for a in (found if isinstance(found, list) else [found]))
    if isinstance(found, dict):
        return f"{next(iter(found.values()))} (jusqu'au {french_moment(found['expires_at'])})"
    if isinstance(found, list):
        return ", ".join(found) or "aucun"
    return VALUE_WORDS.get(found, str(found)) if isinstance(found, (bool, str, type(None))) else str(found)


def state_view(identity: Identity, at: datetime) -> dict[str, Any]:
    def link(value: Any, address: str) -> dict[str, Any] | None:
        return {address: value.email, "expires_at": value.expires_at.isoformat()} if value else None

    return {
        "id": str(identity.id),
        "as_of": at.isoformat(),
        "version": identity.version,
        "last_event_at": identity.modified_on.isoformat(),
        "status": identity.status,
        "email": identity.email,
        "proposed_email": identity.proposed_email,
        "password_set": identity.password_hash is not None,
        "terms_version": identity.terms_version,
        "two_step": "on" if identity.two_step_on else "pending" if identity.two_step else "off",
        "passkeys": [passkey_view(p) for p in identity.passkeys.values()],
        "accounts": [str(a) for a in identity.accounts],
        "default_account": str(identity.default_account) if identity.default_account else None,
        "pending": {
            "email_verification": link(identity.verification, "email"),
            "password_reset": link(identity.password_reset, "email"),
            "email_change": link(identity.email_change, "new_email"),
            "two_step_challenge": link(identity.two_step_challenge, "email"),
        },
    }


def parse_moment(value: str | None) -> datetime:
    """An ISO-8601 moment; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError as error:
        raise Refused(
            "invalid_request", "« at » doit être une date ISO-8601, par exemple 2026-11-24T10:00:00Z.", field="at"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
