"""Fusion: several agency contracts under one personal login (seed 001 §1.3).

During an activation, an email that already has a personal account leads to
``link``: the person proves that account's password and the contract moves to
it. From inside a session, the person gives another contract's provisional
credentials. Either way the contract's claim changes hands in the same atomic
write as the ``AccountLinked`` event, so a contract never has two owners.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.activation import Activation
from application.contract_view import contract_view
from application.directory import Directory
from application.errors import Refused
from application.event_store import retrying
from application.password_proof import PasswordProof
from domain.errors import AlreadyLinked, AlreadyOwned
from domain.identity import ACTIVATING, ACTIVE, Identity


class Fusion:
    def __init__(self, directory: Directory, proof: PasswordProof, activation: Activation) -> None:
        self.directory = directory
        self.store = directory.store
        self.proof = proof
        self.activation = activation

    @retrying()
    def link_during_activation(self, activation: str, password: object, origin: str | None = None) -> dict[str, Any]:
        """The proposed email's account proves its password (counted like a
        login to that account); the contract joins it."""
        pending = self.activation.activating(activation)
        email = pending.proposed_email
        holder = self.directory.holder(self.directory.email_digest(email)) if email else None
        wrong = "Mot de passe du compte personnel incorrect."
        target = self.proof.prove(holder, password, origin, email=email, wrong=wrong)
        self._move(pending, target, pending.activating_account)
        return {"linked": True, "identity": str(target.id), "account": str(pending.activating_account)}

    @retrying()
    def link_from_session(
        self, identity_id: UUID, client_code: str, company_code: str, login_id: str, provisional_password: str,
        origin: str | None = None,
    ) -> dict[str, Any]:
        """Another contract's provisional credentials, given by a logged-in person."""
        person = self.directory.identity(identity_id)
        account = self.activation.check_credentials(client_code, company_code, login_id, provisional_password, origin)
        if person is None:
            raise RuntimeError("broken invariant: person is None")
        if account.id in person.accounts:
            raise Refused("already_linked", "Ce contrat est déjà rattaché à votre compte.")
        holder = self.directory.holder(self.directory.contract_digest(account.id))
        if holder is not None and holder.status == ACTIVE:
            raise Refused("already_activated", "Ce contrat est déjà rattaché à un autre compte personnel.")
        if holder is not None and holder.status == ACTIVATING:
            self._move(holder, person, account.id)  # an unfinished activation of it folds in
        else:
            self._claim(person, account.id)
        return contract_view(account)

    def _move(self, pending: Identity, target: Identity, account_id: UUID) -> None:
        claim = self.directory.claim(self.directory.contract_digest(account_id))
        if claim is None:
            raise RuntimeError("broken invariant: claim is None")
        try:
            target.link_account(account_id)
            claim.transfer(pending.id, target.id)
        except AlreadyLinked as error:
            raise Refused("already_linked", "Ce contrat est déjà rattaché à votre compte.") from error
        except AlreadyOwned as error:
            raise Refused("already_activated", "Ce contrat est déjà rattaché à un autre compte personnel.") from error
        pending.merge_into(target.id)
        self.store.commit(pending, target, claim)

    def _claim(self, person: Identity, account_id: UUID) -> None:
        try:
            claim = self.directory.claim_for(self.directory.contract_digest(account_id), person.id)
        except AlreadyOwned as error:
            raise Refused("already_activated", "Ce contrat est déjà rattaché à un autre compte personnel.") from error
        person.link_account(account_id)
        self.store.commit(person, claim)
