"""GDPR erasure by crypto-shredding (privacy policy §4, issue 7).

The person's identity gets an ``Erased`` event, their unique claims (email,
contracts, passkeys' credentials) are released in the same atomic write, then their data keys are
deleted: every personal field of their history reads as erased from then on.
Unfinished activations of theirs (merged into the account, or abandoned on
its contracts) hold emails they typed, so they are erased with it. The
agency contracts go back to the agency unowned: their data is the agency's. Every session of theirs ends
first, with every sign-in to an application: its tokens are revoked and its
client told by back-channel.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from application.directory import Directory
from application.errors import Refused
from application.event_store import retrying
from application.password_proof import PasswordProof
from application.personal_data import ERASED as ERASED_TEXT
from application.personal_data import PERSONAL_FIELDS, SubjectKeys
from application.ports import PersonalDataPurge, ReadModels
from application.sign_outs import SignOuts
from application.throttle import Throttle
from domain.erasure_notice import ErasureNotice
from domain.identity import ACTIVATING, ACTIVE, ERASED, Identity
from domain.unique_claim import UniqueClaim

EMAIL_FIELDS = {"email", "new_email", "old_email"} & PERSONAL_FIELDS
ERASURE_NOTICE = "account_erased_notice"  # the outbox's kind for the mail confirming an erasure


class SentNotices(Protocol):
    def finished(self, kind: str) -> list[tuple[str, UUID]]:
        """(mail id, subject) of the rows of ``kind`` sent or given up."""

    def forget(self, mail_id: str) -> None:
        """Delete one outbox row."""


class Erasure:
    def __init__(
        self,
        directory: Directory,
        proof: PasswordProof,
        keys: SubjectKeys,
        purge: PersonalDataPurge,
        read_models: ReadModels,
        throttle: Throttle,
        sign_outs: SignOuts,
        notices: SentNotices,
    ) -> None:
        self.notices = notices
        self.directory = directory
        self.sign_outs = sign_outs
        self.store = directory.store
        self.proof = proof
        self.keys = keys
        self.purge = purge
        self.read_models = read_models
        self.throttle = throttle

    def erase_mine(self, identity_id: UUID, password: object, origin: str | None = None) -> None:
        """``DELETE /me``: the person confirms with their password (a counted try)."""
        self.proof.prove(self.directory.identity(identity_id), password, origin)
        self.erase(identity_id, reason="person")

    def erase(self, identity_id: UUID, reason: str) -> None:
        identity = self.directory.identity(identity_id)
        if identity is None or identity.status == ERASED:
            raise Refused("not_found", "Aucune identité à effacer sous cet identifiant.")
        related = [
            other
            for other_id in self.purge.related_identities(identity.id, identity.accounts)
            if (other := self.directory.identity(other_id)) is not None and other.status not in (ERASED, ACTIVE)
        ]
        everyone = [identity, *related]
        emails = sorted({e for person in everyone for e in self._emails(person.id)})
        self.sign_outs.remove_all(identity.id, keep=None, reason="erased")
        position = self._record(identity, related, reason)
        for person in everyone:
            self.keys.shred(person.id)
        # Let the projections apply the erasure first, so none of them writes
        # a copy back from a key it still had in cache; the purge follows anyway.
        self.read_models.wait_for(position)
        self.purge.forget([p.id for p in everyone], emails)
        self._forget_counts(everyone, emails)

    def _forget_counts(self, people: list[Identity], emails: list[str]) -> None:
        """The throttle's counts name the person (keyed digests of their emails and ids)."""
        limits = [
            limit for email in emails for limit in self.throttle.password(email) + self.throttle.reset_requests(email)
        ]
        for person in people:
            limits += self.throttle.resends(person.id) + self.throttle.email_changes(person.id)
        self.throttle.clear(*limits)

    @retrying()
    def _record(self, identity: Identity, related: list[Identity], reason: str) -> int:
        """The erasure in one atomic write, with the mail confirming it to the
        account's address (an ``ErasureNotice``: its own key outlives the
        identity's until the mail is sent, see ``forget_sent_notices``)."""
        identity = self.directory.identity(identity.id) or identity
        notices = [ErasureNotice(identity.email, reason)] if identity.status == ACTIVE and identity.email else []
        claims = self._release_claims(identity)
        for person in related:
            claims += self._release_claims(person)
            person.erase(reason)
        identity.erase(reason)
        return self.store.commit(identity, *related, *claims, *notices)

    def forget_sent_notices(self) -> int:
        """Once the confirmation of an erasure has gone out (or was given up),
        its address goes too: the notice's key is shredded, its row deleted."""
        finished = self.notices.finished(ERASURE_NOTICE)
        for mail_id, notice_id in finished:
            self.keys.shred(notice_id)
            self.notices.forget(mail_id)
        return len(finished)

    def _release_claims(self, identity: Identity) -> list[UniqueClaim]:
        digests = [self.directory.contract_digest(a) for a in identity.accounts]
        if identity.status == ACTIVATING:
            digests.append(self.directory.contract_digest(identity.activating_account))
        if identity.email:
            digests.append(self.directory.email_digest(identity.email))
        digests += [self.directory.passkey_digest(p.credential_id) for p in identity.passkeys.values()]
        released = []
        for digest in digests:
            claim = self.directory.claim(digest)
            if claim is not None and claim.owner == identity.id:
                claim.release(identity.id)
                released.append(claim)
        return released

    def _emails(self, identity_id: UUID) -> set[str]:
        """Every address the person's history mentions, to find copies outside it."""
        return {
            value
            for event in self.store.events.get(identity_id)
            for field, value in vars(event).items()
            if field in EMAIL_FIELDS and isinstance(value, str) and value and value != ERASED_TEXT
        }
