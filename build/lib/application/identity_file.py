"""The staff's file on one person: the console's identity page (issue 15).

What a support desk needs when someone calls: the contracts, whether the
person can log in and if not why, in words (« email non vérifié depuis 3
jours »), the live sessions and their devices, the history as a timeline
saying who caused each event, and who among the staff looked before. Opening
the file is a staff read like any other (the support profile records it),
and an agency's staff see it through their own contracts only: the profile
comes from the scoped read model, and the timeline names and shows only the
agency's own contracts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.access_records import AccessRecords
from application.audit import fold
from application.directory import Directory
from application.french_time import french_duration, french_moment
from application.history import STATUS_WORDS, Timeline, describe, describe_contract, who
from application.my_sessions import MySessions
from application.ports import Clock
from application.staff import Staff
from application.support import Support
from application.throttle import LOCKED, Throttle
from domain.agency_account import AgencyAccount
from domain.identity import ACTIVATING, ACTIVE, ERASED, MERGED, Identity, Link
from domain.staff import StaffMember

OTHER_AGENCY = "d'une autre agence"
READ_WHAT = "fiche dans la console"


class IdentityFile:
    def __init__(
        self,
        directory: Directory,
        support: Support,
        access: AccessRecords,
        sessions: MySessions,
        clock: Clock,
        throttle: Throttle,
        timeline: Timeline = lambda identity_id, events: events,
    ) -> None:
        self.directory = directory
        self.throttle = throttle
        self.store = directory.store
        self.support = support
        self.access = access
        self.sessions = sessions
        self.clock = clock
        self.timeline = timeline  # the sign-ins to applications, merged in time order

    def open(self, member: StaffMember, identity_id: UUID) -> dict[str, Any]:
        """The file, if ``member`` may see this person (``not_found`` otherwise);
        the view is recorded, then shown among the reads."""
        profile = self.support.profile(member, identity_id, what=READ_WHAT)
        events = self.store.stream(identity_id)
        identity = fold(events)
        scope = Staff.scope(member)
        label = self._label(scope)
        now = self.clock.now()
        tries, blocked = self._failed_tries(identity)
        return {
            "profile": profile,
            "status": STATUS_WORDS.get(identity.status, identity.status),
            "login": login_words(identity, blocked),
            "can_log_in": identity.status == ACTIVE and not blocked,
            "pending": tries + pending_words(identity, events, now),
            "merged_into": str(identity.merged_into) if identity.merged_into else None,
            "two_step": identity.two_step_on,
            "contracts": [{**a, "label": label(a["id"])} for a in profile["accounts"]],
            "sessions": self.sessions.of_person(identity_id) if identity.status == ACTIVE else [],
            "timeline": self._timeline(identity, events, scope, label),
            "staff_reads": self.access.reads_of(identity_id)[::-1],
        }

    def _failed_tries(self, identity: Identity) -> tuple[list[str], bool]:
        """The wrong passwords and two-step codes counted on an active account,
        in words, and whether they keep the person out now."""
        if identity.status != ACTIVE:
            return [], False
        words, blocked = [], False
        for limits, what in (
            (self.throttle.password(identity.email), "de mot de passe"),
            (self.throttle.two_step_codes(identity.id), "de code de validation en deux étapes"),
        ):
            for limit in limits:
                hits, wait = self.throttle.standing(limit)
                blocked = blocked or wait > timedelta(0)
                if wait >= LOCKED:
                    words.append(
                        f"Bloqué après {hits} essais {what} erronés : seul un lien de réinitialisation le débloque."
                    )
                elif hits:
                    later = f" : prochain essai possible dans {french_duration(wait)}" if wait else ""
                    plural = "s" if hits > 1 else ""
                    words.append(f"{hits} essai{plural} {what} erroné{plural} d'affilée{later}.")
        return words, blocked

    def _label(self, scope: tuple[str, str] | None) -> Callable[[str], str]:
        """A contract named as this reader may see it."""

        def label(account_id: str) -> str:
            account = self.store.find(AgencyAccount, UUID(account_id))
            if account is None:
                return account_id
            if scope is not None and (account.client_code, account.company_code) != scope:
                return OTHER_AGENCY
            return f"{account.login_id} ({account.client_code}/{account.company_code})"

        return label

    def _timeline(
        self, identity: Identity, events: list[Any], scope: tuple[str, str] | None, label: Callable[[str], str]
    ) -> list[dict[str, Any]]:
        """Newest first, each event with who caused it: the person's own events,
        their visible contracts' (imports, ends), and for support and auditors
        their sign-ins to applications."""
        pairs = zip([None, *events], events, strict=False)  # each event and the one before it
        entries = [{**describe(event, label), "who": who(event, before)} for before, event in pairs]
        for account_id in {identity.activating_account, *identity.accounts}:
            account = self.store.find(AgencyAccount, account_id)
            if account is not None and (scope is None or (account.client_code, account.company_code) == scope):
                entries += [{**describe_contract(e, label), "who": who(e)} for e in self.store.stream(account_id)]
        if scope is None:
            entries = self.timeline(identity.id, entries)
        for entry in entries:
            entry["at_words"] = french_moment(entry["at"])
        return sorted(entries, key=lambda e: datetime.fromisoformat(e["at"]), reverse=True)


def login_words(identity: Identity, blocked: bool) -> str:
    """Whether the person can log in, and if not, the first reason why."""
    if identity.status == ACTIVE and blocked:
        return (
            f"Ne peut pas se connecter pour l'instant avec {identity.email} : trop d'essais erronés. "
            "Un lien de réinitialisation du mot de passe le débloque."
        )
    if identity.status == ACTIVE:
        return f"Peut se connecter avec {identity.email}" + (
            " et un code de validation en deux étapes." if identity.two_step_on else " et son mot de passe."
        )
    if identity.status == ACTIVATING:
        return "Ne peut pas encore se connecter : son activation n'est pas terminée."
    if identity.status == ERASED:
        return "Ne peut plus se connecter : le compte a été effacé."
    if identity.status == MERGED:
        return "Ne se connecte pas avec ce compte : l'activation a rejoint un compte personnel existant."
    return (
        "Ne peut pas se connecter : l'activation a été abandonnée, "
        "les identifiants provisoires permettent de recommencer."
    )


def pending_words(identity: Identity, events: list[Any], now: datetime) -> list[str]:
    """What the person (or support) still has to do, in words, with since when."""
    last = {type(e).__name__: e.timestamp for e in events}
    pending = []
    if identity.status == ACTIVATING:
        started = last.get("ActivationStarted") or now
        if identity.proposed_email is None:
            pending.append(
                f"Adresse email pas encore saisie (activation commencée il y a {french_duration(now - started)})."
            )
        elif identity.password_hash is None or identity.terms_version is None:
            pending.append(
                f"Mot de passe pas encore choisi ou CGU pas encore acceptées (adresse {identity.proposed_email} "
                f"saisie il y a {french_duration(now - (last.get('EmailProposed') or started))})."
            )
        elif identity.verification is not None:
            sent = last.get("EmailVerificationRequested") or now
            pending.append(
                f"Email non vérifié depuis {french_duration(now - _first_link(events))} : dernier lien envoyé à "
                f"{identity.verification.email} le {french_moment(sent)}, {_validity(identity.verification, now)}."
            )
        else:
            pending.append(f"Email {identity.proposed_email} non vérifié, et aucun lien de vérification en cours.")
    for link, asked, words in (
        (
            identity.email_change,
            "EmailChangeRequested",
            "Changement d'adresse vers {email} demandé le {at}, pas encore confirmé",
        ),
        (
            identity.password_reset,
            "PasswordResetRequested",
            "Lien de réinitialisation du mot de passe envoyé le {at}, pas encore utilisé",
        ),
    ):
        if link is not None:
            at = french_moment(last.get(asked) or now)
            pending.append(f"{words.format(email=link.email, at=at)} ({_validity(link, now)}).")
    if identity.two_step is not None and not identity.two_step_on:
        pending.append("Validation en deux étapes commencée mais pas encore confirmée par un premier code.")
    if identity.status == ERASED:
        pending.append(f"Compte effacé le {french_moment(last.get('Erased') or now)}.")
    return pending


def _validity(link: Link, now: datetime) -> str:
    if link.expires_at <= now:
        return f"le lien a expiré le {french_moment(link.expires_at)}"
    return f"valable jusqu'au {french_moment(link.expires_at)}"


def _first_link(events: list[Any]) -> datetime:
    """When the first verification link of the address now proposed was sent:
    since then, the person only had to click it."""
    first: datetime = events[-1].timestamp
    for event in reversed(events):
        if isinstance(event, Identity.EmailProposed):
            break
        if isinstance(event, Identity.EmailVerificationRequested):
            first = event.timestamp
    return first
