"""Property-based: any sequence of commands keeps the domain's invariants.

Hypothesis drives the aggregates the way the use cases do (one command, then
an atomic commit of every aggregate it touched, or nothing when the domain
refuses), over a handful of contracts and emails so that collisions are the
rule. After every step:

* one owner per contract: no two active identities hold one contract, and the
  one that does holds its claim;
* one identity per email: no two active identities share a login email, and
  the one that has it holds its claim;
* no step skipped: an identity's history has EmailProposed before PasswordSet,
  and PasswordSet, TermsAccepted and EmailVerificationRequested before
  EmailVerified; nothing of the activation happens after it ended.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.errors import DomainError
from domain.identity import ACTIVATING, ACTIVE, Identity
from domain.unique_claim import UniqueClaim

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CONTRACTS = [UUID(int=n) for n in range(1, 4)]
EMAILS = ["a@exemple.fr", "b@exemple.fr", "c@exemple.fr"]
ACTIVATION_STEPS = {"ActivationResumed", "EmailProposed", "PasswordSet", "EmailVerificationRequested", "EmailVerified"}
contracts = st.sampled_from(CONTRACTS)
emails = st.sampled_from(EMAILS)
picks = st.integers(min_value=0, max_value=20)


class World:
    """What the event store holds: identities and claims, by id."""

    def __init__(self) -> None:
        self.identities: dict[UUID, Identity] = {}
        self.claims: dict[str, UniqueClaim] = {}
        self.histories: dict[UUID, list[str]] = {}

    def claim_for(self, key: str, owner: UUID) -> UniqueClaim:
        claim = self.claims.get(key)
        if claim is None:
            return UniqueClaim(key, owner)
        claim.claim(owner)
        return claim

    def holder(self, key: str) -> Identity | None:
        claim = self.claims.get(key)
        return self.identities.get(claim.owner) if claim and claim.owner else None

    def commit(self, *aggregates: Identity | UniqueClaim) -> None:
        for aggregate in aggregates:
            events = aggregate.collect_events()
            if isinstance(aggregate, Identity):
                self.identities[aggregate.id] = aggregate
                self.histories.setdefault(aggregate.id, []).extend(type(e).__name__ for e in events)
            else:
                self.claims[aggregate.digest] = aggregate


def contract_key(account: UUID) -> str:
    """A claim is named by a digest of its natural key, as the application's keyring does."""
    return hashlib.sha256(f"contract:{account}".encode()).hexdigest()


def email_key(email: str) -> str:
    return hashlib.sha256(f"email:{email}".encode()).hexdigest()


class Commands(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = World()

    def pick(self, n: int, status: str | None = None) -> Identity | None:
        found = [i for i in self.world.identities.values() if status is None or i.status == status]
        return found[n % len(found)] if found else None

    def attempt(self, command: Callable[[], object]) -> None:
        """Run a command on a copy of the world; keep it only if the domain allowed it
        (a refused command commits nothing, as the event store would)."""
        before = copy.deepcopy(self.world)
        try:
            command()
        except DomainError:
            self.world = before

    # -- activation --------------------------------------------------------------

    @rule(account=contracts)
    def start(self, account: UUID) -> None:
        def run() -> None:
            holder = self.world.holder(contract_key(account))
            if holder is not None and holder.status == ACTIVE:
                return  # already_activated
            if holder is not None:
                holder.resume_activation(uuid4().hex)
                self.world.commit(holder)
                return
            identity = Identity(account, uuid4().hex)
            self.world.commit(identity, self.world.claim_for(contract_key(account), identity.id))

        self.attempt(run)

    @rule(n=picks, email=emails)
    def propose_email(self, n: int, email: str) -> None:
        if identity := self.pick(n):

            def run() -> None:
                identity.propose_email(email)
                self.world.commit(identity)

            self.attempt(run)

    @rule(n=picks)
    def set_password_and_terms(self, n: int) -> None:
        if identity := self.pick(n):

            def run() -> None:
                identity.set_password("$argon2id$hash")
                identity.accept_terms("v1")
                self.world.commit(identity)

            self.attempt(run)

    @rule(n=picks)
    def set_password_only(self, n: int) -> None:
        if identity := self.pick(n):

            def run() -> None:
                identity.set_password("$argon2id$hash")
                self.world.commit(identity)

            self.attempt(run)

    @rule(n=picks)
    def request_verification(self, n: int) -> None:
        if identity := self.pick(n):

            def run() -> None:
                identity.request_email_verification(uuid4().hex, NOW + timedelta(hours=1))
                self.world.commit(identity)

            self.attempt(run)

    @rule(n=picks, right_link=st.booleans())
    def verify_email(self, n: int, right_link: bool) -> None:
        identity = self.pick(n)
        if identity is None:
            return

        def run() -> None:
            link = identity.verification
            identity.verify_email(link.nonce if link and right_link else "forged", NOW)
            self.world.commit(identity, self.world.claim_for(email_key(identity.email or ""), identity.id))

        self.attempt(run)

    @rule(n=picks)
    def reset_activation(self, n: int) -> None:
        identity = self.pick(n, ACTIVATING)
        if identity is None:
            return

        def run() -> None:
            identity.reset_activation()
            claim = self.world.claims[contract_key(identity.activating_account)]
            claim.release(identity.id)
            self.world.commit(identity, claim)

        self.attempt(run)

    # -- fusion and the active account --------------------------------------------

    @rule(n=picks, m=picks)
    def merge_into_existing_account(self, n: int, m: int) -> None:
        pending, target = self.pick(n, ACTIVATING), self.pick(m, ACTIVE)
        if pending is None or target is None:
            return

        def run() -> None:
            claim = self.world.claims[contract_key(pending.activating_account)]
            target.link_account(pending.activating_account)
            claim.transfer(pending.id, target.id)
            pending.merge_into(target.id)
            self.world.commit(pending, target, claim)

        self.attempt(run)

    @rule(m=picks, account=contracts)
    def link_from_session(self, m: int, account: UUID) -> None:
        person = self.pick(m, ACTIVE)
        if person is None:
            return

        def run() -> None:
            claim = self.world.claim_for(contract_key(account), person.id)
            person.link_account(account)
            self.world.commit(person, claim)

        self.attempt(run)

    @rule(n=picks, email=emails)
    def change_email(self, n: int, email: str) -> None:
        person = self.pick(n, ACTIVE)
        if person is None:
            return

        def run() -> None:
            nonce = uuid4().hex
            person.request_email_change(email, nonce, NOW + timedelta(hours=1))
            old = person.change_email(nonce, NOW)
            new_claim = self.world.claim_for(email_key(email), person.id)
            old_claim = self.world.claims[email_key(old)]
            if old != email:
                old_claim.release(person.id)
            self.world.commit(person, new_claim, old_claim)

        self.attempt(run)

    @rule(n=picks)
    def erase(self, n: int) -> None:
        person = self.pick(n)
        if person is None:
            return

        def run() -> None:
            keys = [contract_key(a) for a in person.accounts] + [email_key(person.email or "")]
            if person.status == ACTIVATING:
                keys.append(contract_key(person.activating_account))
            claims = [c for k in keys if (c := self.world.claims.get(k)) and c.owner == person.id]
            for claim in claims:
                claim.release(person.id)
            person.erase("person")
            self.world.commit(person, *claims)

        self.attempt(run)

    # -- invariants ------------------------------------------------------------------

    def active(self) -> list[Identity]:
        return [i for i in self.world.identities.values() if i.status == ACTIVE]

    @invariant()
    def one_owner_per_contract(self) -> None:
        for account in CONTRACTS:
            owners = [i for i in self.active() if account in i.accounts]
            assert len(owners) <= 1, f"contract {account} owned by {len(owners)} identities"
            if owners:
                assert self.world.claims[contract_key(account)].owner == owners[0].id

    @invariant()
    def one_identity_per_email(self) -> None:
        for email in EMAILS:
            holders = [i for i in self.active() if i.email == email]
            assert len(holders) <= 1, f"{email} is the login of {len(holders)} identities"
            if holders:
                assert self.world.claims[email_key(email)].owner == holders[0].id

    @invariant()
    def no_step_skipped(self) -> None:
        for history in self.world.histories.values():
            if "PasswordSet" in history:
                assert history.index("EmailProposed") < history.index("PasswordSet")
            if "EmailVerified" in history:
                verified = history.index("EmailVerified")
                before = history[:verified]
                assert {"PasswordSet", "TermsAccepted", "EmailVerificationRequested"} <= set(before)
                assert not ACTIVATION_STEPS & set(history[verified + 1 :])
            for end in ("ActivationReset", "MergedInto"):
                if end in history:
                    assert not ACTIVATION_STEPS & set(history[history.index(end) + 1 :])


Commands.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestDomainInvariants = Commands.TestCase
