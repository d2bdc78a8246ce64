"""Activation: provisional credentials → email → password and terms → verified.

Seed 001 §1.1: the person types the login id and 6-digit code their agency
printed, confirms or corrects the suggested email, chooses a password, accepts
the CGU and privacy policy, then proves the address by an emailed link. The
contract is claimed by the activating identity from the first step (so a
second browser resumes the same activation); the email only at the proof, so
nobody can squat an address they cannot read.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from application.directory import Directory
from application.emails import normalize_email
from application.errors import Problems, Refused
from application.event_store import retrying
from application.passwords import Passwords
from application.ports import Clock
from application.throttle import Throttle
from application.use_case import UseCase, invalid_token
from domain.agency_account import AgencyAccount
from domain.digest_ids import uuid_of
from domain.errors import AlreadyActivated, AlreadyOwned, DomainError
from domain.identity import ACTIVE, Identity

ACTIVATION, VERIFY_EMAIL = "activation", "verify-email"


def invalid_credentials() -> Refused:
    return Refused("invalid_credentials", "Identifiant ou mot de passe incorrect.")


class Activation(UseCase):
    def __init__(
        self,
        directory: Directory,
        passwords: Passwords,
        clock: Clock,
        terms_version: Callable[[], str],
        verification_ttl: timedelta,
        throttle: Throttle,
    ) -> None:
        super().__init__(directory, passwords, clock, throttle)
        self.terms_version = terms_version
        self.verification_ttl = verification_ttl

    def check_credentials(
        self, client_code: str, company_code: str, login_id: str, provisional_password: str, origin: str | None = None
    ) -> AgencyAccount:
        """The contract these provisional credentials open, or ``invalid_credentials``
        whether the login id exists or not (same work either way, the throttle's
        count included); ``too_many_attempts`` once the code was guessed too often."""
        digest, account = self.directory.find_account(client_code, company_code, login_id)
        placeholder = self.keys.digest("none")  # computed either way: the same work for an unknown login id
        known = account.provisional_digest if account else placeholder
        attempt = self.throttle.attempt(
            *self.throttle.code(uuid_of(digest), known), *self.throttle.guesses_from(origin)
        )
        expected = self.directory.provisional_digest(digest, provisional_password)
        if not hmac.compare_digest(known, expected) or account is None:
            raise invalid_credentials()
        attempt.passed()
        return account

    @retrying()
    def start(
        self, client_code: str, company_code: str, login_id: str, provisional_password: str, origin: str | None = None
    ) -> dict[str, Any]:
        """Check the agency's credentials and open (or resume) the activation."""
        account = self.check_credentials(client_code, company_code, login_id, provisional_password, origin)
        nonce = self.keys.nonce()
        contract = self.directory.contract_digest(account.id)
        identity = self.directory.holder(contract)
        if identity is not None and identity.status == ACTIVE:
            raise Refused("already_activated", "Ce compte est déjà activé : connectez-vous avec votre email.")
        if identity is not None:
            identity.resume_activation(nonce)
            self.store.commit(identity)
        else:
            identity = Identity(account.id, nonce)
            self.store.commit(identity, self.directory.claim_for(contract, identity.id))
        return {
            "activation": self.keys.mint(ACTIVATION, identity.id, nonce),
            "suggested_email": account.suggested_email or None,
            "holder_name": account.holder_name,
        }

    def activating(self, activation: str) -> Identity:
        """The identity an activation token opens, or ``activation_not_found``."""
        owner = self.keys.owner_of(activation)
        identity = self.directory.identity(owner)
        if identity is None or not self.keys.check(ACTIVATION, activation, identity.activation_nonce):
            raise Refused(
                "activation_not_found",
                "Cette activation n'existe plus : recommencez avec vos identifiants provisoires.",
            )
        return identity

    def waiting_for(self, activation: str) -> str:
        """The address an activation waits to see proven (``activation_not_found`` once it is gone)."""
        return self.activating(activation).proposed_email or ""

    def verified_address(self, activation: str) -> str | None:
        """The address an activation's own token ended verified with — perhaps in
        another browser, by the emailed link — so its waiting page can say so
        rather than start over; None for a token that never ended so."""
        identity = self.directory.identity(self.keys.owner_of(activation))
        if identity is None or identity.status != ACTIVE:
            return None
        return identity.email if self.keys.check(ACTIVATION, activation, identity.verified_activation_nonce) else None

    @retrying()
    def propose_email(self, activation: str, email: object, origin: str | None = None) -> dict[str, str]:
        """Choose the login email; ``link`` when it already has a personal account.
        That answer tells who has an account, so each address asked about is
        counted like a guess (per activation and per client address)."""
        identity = self.activating(activation)
        self.throttle.spend(*self.throttle.email_choices(identity.id), *self.throttle.guesses_from(origin))
        address = normalize_email(email)
        identity.propose_email(address)
        self.store.commit(identity)
        taken = self._taken(address)
        return {"next": "link" if taken else "password"}

    def _taken(self, email: str) -> bool:
        holder = self.directory.holder(self.directory.email_digest(email))
        return holder is not None and holder.status == ACTIVE

    @retrying()
    def choose_password(
        self, activation: str, password: str, confirmation: str, accept_terms: bool, origin: str | None = None
    ) -> dict[str, str]:
        """Set the personal password, accept the terms, send the verification
        link. Every problem is told at once (the terms first, as ever)."""
        identity = self.activating(activation)
        if identity.proposed_email is None:
            raise Refused("email_required", "Indiquez d'abord votre adresse email.")
        problems = Problems()
        if accept_terms is not True:
            refusal = Refused("terms_not_accepted", "Vous devez accepter les CGU et la politique de confidentialité.")
            problems.add("accept_terms", refusal)
        password_hash = self.passwords.new_hash(password, confirmation, [identity.proposed_email], problems)
        if self._taken(identity.proposed_email):
            raise Refused("email_taken", "Cette adresse email est déjà utilisée par un compte personnel.")
        identity.set_password(password_hash)
        identity.accept_terms(self.terms_version())
        self._send_verification(identity, origin)
        return {"next": "verify_email", "email": identity.proposed_email}

    def _send_verification(self, identity: Identity, origin: str | None) -> None:
        """The one way a verification link is sent: it spends the activation's
        and the client address's mail limits, whichever step asked for it."""
        try:
            identity.request_email_verification(self.keys.nonce(), self.clock.now() + self.verification_ttl)
        except DomainError as error:
            raise Refused("step_out_of_order", "Choisissez d'abord votre mot de passe.") from error
        self.store.commit(identity, mail=self.throttle.mail(*self.throttle.resends(identity.id), origin=origin))

    @retrying()
    def resend(self, activation: str, origin: str | None = None) -> None:
        """A new verification link; the earlier one stops working."""
        self._send_verification(self.activating(activation), origin)

    @retrying()
    def reset(self, activation: str) -> None:
        """Back to the first step: links die, the contract is free again, and
        so is its code if it was locked (this caller proved the code before)."""
        identity = self.activating(activation)
        self.abandon(identity)
        account = self.store.find(AgencyAccount, identity.activating_account)
        if account is not None:
            self.throttle.clear(*self.throttle.code(account.id, account.provisional_digest))

    def abandon(self, identity: Identity) -> None:
        """Reset an unfinished activation and release its contract."""
        identity.reset_activation()
        claim = self.directory.claim(self.directory.contract_digest(identity.activating_account))
        if claim is None:
            self.store.commit(identity)
            return
        claim.release(identity.id)
        self.store.commit(identity, claim)

    def check_verification(self, token: object, origin: str | None = None) -> None:
        """The verification link still works (nothing used); a dead one whose
        account is active says so: the person has only to sign in."""
        try:
            self.check_link(VERIFY_EMAIL, token, lambda i: i.verification, origin)
        except Refused as refusal:
            owner = self.directory.identity(self.keys.owner_of(token) if isinstance(token, str) else None)
            if refusal.code == "invalid_token" and owner is not None and owner.status == ACTIVE:
                raise Refused(
                    "invalid_token", "Cette adresse est déjà vérifiée : votre compte est activé.", reason="verified"
                ) from refusal
            raise

    @retrying()
    def verify_email(self, token: object, origin: str | None = None) -> dict[str, str]:
        """The emailed link: the address is proven, the account becomes active."""
        identity, verification = self.open_link(VERIFY_EMAIL, token, lambda i: i.verification, origin)
        try:
            identity.verify_email(verification.nonce, self.clock.now())
            claim = self.directory.claim_for(self.directory.email_digest(verification.email), identity.id)
        except AlreadyOwned as error:
            raise Refused("email_taken", "Cette adresse email est déjà utilisée par un compte personnel.") from error
        except (DomainError, AlreadyActivated) as error:
            raise invalid_token() from error
        self.store.commit(identity, claim)
        return {"email": verification.email}
