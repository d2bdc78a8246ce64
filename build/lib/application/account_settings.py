"""The person's own account: password, email, default contract, terms, history.

Seed 000 §2 and seed 001 §C: the email and the password can be changed at any
time from the profile, each behind the current password; the new email becomes
the login only once confirmed from it, and its claim changes hands with the old
one in the same atomic write.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from application.directory import Directory
from application.emails import check_confirmation, normalize_email
from application.errors import Problems, Refused
from application.event_store import retrying
from application.history import Timeline, describe
from application.password_proof import PasswordProof
from application.passwords import NEW_PASSWORD_FIELDS, Passwords
from application.ports import Clock
from application.sign_outs import SignOuts
from application.terms import current_terms_version
from application.throttle import Throttle
from application.use_case import UseCase, invalid_token
from domain.errors import AlreadyOwned, DomainError, NotLinked
from domain.identity import Identity, Link

EMAIL_CHANGE = "email-change"


def email_taken() -> Refused:
    return Refused("email_taken", "Cette adresse email est déjà utilisée par un compte personnel.")


class AccountSettings(UseCase):
    def __init__(
        self, directory: Directory, passwords: Passwords, sessions: SignOuts, clock: Clock, link_ttl: timedelta,
        throttle: Throttle, proof: PasswordProof, timeline: Timeline = lambda identity_id, events: events,
    ) -> None:
        super().__init__(directory, passwords, clock, throttle)
        self.sessions = sessions
        self.link_ttl = link_ttl
        self.proof = proof
        self.timeline = timeline  # merges in the person's sign-ins to applications

    @retrying()
    def change_password(
        self, identity_id: UUID, current: object, new: object, confirmation: object, keep_session: str | None,
        origin: str | None = None,
    ) -> int:
        """Behind the current password; every other session of the person ends,
        and every sign-in to an application. A wrong current password and an
        unacceptable new one are told together; a new password equal to the
        current one is refused (``same_password``): nothing would change."""
        identity = self.person(identity_id)
        context = [identity.email or ""]
        problems = Problems()
        self._prove_current(problems, "current_password", identity, current, origin)
        self.passwords.check_new(new, confirmation, context, problems, NEW_PASSWORD_FIELDS)
        problems.raise_any()
        if self.passwords.verify(identity.password_hash, new):
            raise Refused("same_password", "Choisissez un mot de passe différent de l'actuel.", field="new_password")
        identity.change_password(self.passwords.new_hash(new, confirmation, context))
        position = self.store.commit(identity)
        self.sessions.remove_all(identity_id, keep=keep_session, reason="password_changed")
        return position

    def _prove_current(
        self, problems: Problems, field: str, identity: Identity, password: object, origin: str | None
    ) -> None:
        """The current password, proved in the same pass as the rest of the
        form; an empty one is missing, not a wrong guess to count."""
        if not isinstance(password, str) or not password:
            problems.add(field, Refused("invalid_request", "Indiquez votre mot de passe actuel.", field=field))
            return
        problems.check(field, lambda: self.proof.prove(identity, password, origin))

    @retrying()
    def request_email_change(
        self, identity_id: UUID, new_email: object, password: object, origin: str | None = None,
        confirmation: object = None,
    ) -> int:
        """Send a confirmation link to the new address and a notice to the old
        one. A ``confirmation`` given (the address typed again) that differs,
        a wrong password and an unusable address are told together."""
        problems = Problems()
        if confirmation is not None:
            problems.check("new_email_confirmation", lambda: check_confirmation(new_email, confirmation))
        identity = self.person(identity_id)
        mail = self.throttle.mail(*self.throttle.email_changes(identity.id), origin=origin)
        self._prove_current(problems, "password", identity, password, origin)
        address = problems.check("new_email", lambda: self._new_address(identity, new_email))
        problems.raise_any()
        identity.request_email_change(str(address), self.keys.nonce(), self.clock.now() + self.link_ttl)
        return self.store.commit(identity, mail=mail)

    def _new_address(self, identity: Identity, new_email: object) -> str:
        address = normalize_email(new_email)
        if address == identity.email:
            raise Refused("invalid_email", "C'est déjà l'adresse de votre compte.")
        holder = self.directory.holder(self.directory.email_digest(address))
        if holder is not None and holder.id != identity.id:
            raise email_taken()
        return address

    def pending_email_change(self, identity_id: UUID) -> dict[str, str] | None:
        """The change of address waiting for its confirmation, while its link works."""
        link = self._pending_change(self.person(identity_id))
        return {"email": link.email, "expires_at": link.expires_at.isoformat()} if link else None

    def _pending_change(self, identity: Identity) -> Link | None:
        link = identity.email_change
        return link if link is not None and self.clock.now() < link.expires_at else None

    @retrying()
    def resend_email_change(self, identity_id: UUID, origin: str | None = None) -> int:
        """The pending change's link again, to the same new address (spending
        the same mail limits); the earlier link stops working."""
        identity = self.person(identity_id)
        link = self._pending_change(identity)
        if link is None:
            raise Refused("not_found", "Aucun changement d'adresse n'est en attente.")
        mail = self.throttle.mail(*self.throttle.email_changes(identity.id), origin=origin)
        identity.request_email_change(link.email, self.keys.nonce(), self.clock.now() + self.link_ttl)
        return self.store.commit(identity, mail=mail)

    @retrying()
    def cancel_email_change(self, identity_id: UUID) -> int:
        """Withdraw the pending change of address: its link dies, the address stays."""
        identity = self.person(identity_id)
        try:
            identity.cancel_email_change()
        except DomainError as error:
            raise Refused("not_found", "Aucun changement d'adresse n'est en attente.") from error
        return self.store.commit(identity)

    def check_email_change(self, token: object, origin: str | None = None) -> None:
        """The email-change link still works (nothing used)."""
        self.check_link(EMAIL_CHANGE, token, lambda i: i.email_change, origin)

    @retrying()
    def confirm_email_change(self, token: object, origin: str | None = None) -> dict[str, str]:
        """From the new address: it becomes the login, the old one is released."""
        identity, link = self.open_link(EMAIL_CHANGE, token, lambda i: i.email_change, origin)
        try:
            old = identity.change_email(link.nonce, self.clock.now())
            new_claim = self.directory.claim_for(self.directory.email_digest(link.email), identity.id)
        except AlreadyOwned as error:
            raise email_taken() from error
        except DomainError as error:
            raise invalid_token() from error
        old_claim = self.directory.claim(self.directory.email_digest(old))
        if old_claim is not None:
            old_claim.release(identity.id)
            self.store.commit(identity, new_claim, old_claim)
        else:
            self.store.commit(identity, new_claim)
        return {"email": link.email}

    @retrying()
    def choose_default_account(self, identity_id: UUID, account_id: object) -> int:
        identity = self.person(identity_id)
        try:
            identity.choose_default_account(UUID(str(account_id)))
        except (ValueError, NotLinked) as error:
            raise Refused("not_found", "Ce contrat n'est pas rattaché à votre compte.") from error
        return self.store.commit(identity)

    @retrying()
    def accept_terms(self, identity_id: UUID, version: object) -> int:
        """Record the acceptance of the current CGU and privacy policy."""
        identity = self.person(identity_id)
        if version != current_terms_version():
            raise Refused(
                "invalid_request",
                "Seule la version en vigueur peut être acceptée.",
                field="version",
                terms_version=current_terms_version(),
            )
        identity.accept_terms(str(version))
        return self.store.commit(identity)

    def terms_outdated(self, identity_id: UUID) -> bool:
        identity = self.directory.identity(identity_id)
        return identity is not None and identity.terms_version != current_terms_version()

    def history(self, identity_id: UUID) -> list[dict[str, Any]]:
        """The person's own events and sign-ins in order, in plain words, without secrets."""
        events = [describe(event, self.directory.account_label) for event in self.store.stream(identity_id)]
        return self.timeline(identity_id, events)
