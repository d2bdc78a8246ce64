"""Retention (privacy policy §3): data is kept seven days after a contract ends.

The agency ends a contract (API or CLI). The worker's sweep then erases every
identity whose linked contracts have all been ended for seven days, and the
record of every such contract no live identity holds any more. A contract
ended while its holder keeps another open one stays until the last one ends,
so a person's account never shows a contract half erased.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.directory import Directory
from application.erasure import Erasure
from application.errors import Refused
from application.event_store import retrying
from application.personal_data import SubjectKeys
from application.ports import Clock, SessionStore
from domain.agency_account import AgencyAccount
from domain.identity import ACTIVE, ERASED, Identity

RETENTION = timedelta(days=7)


class EndedContracts(Protocol):
    def ended_before(self, cutoff: datetime, limit: int) -> list[UUID]:
        """Contracts ended at or before ``cutoff`` whose record is not yet erased."""


class Expiring(Protocol):
    def remove_expired(self, now: datetime) -> int:
        """Delete the rows past their deadline."""


class Retention:
    def __init__(
        self,
        directory: Directory,
        erasure: Erasure,
        keys: SubjectKeys,
        ended: EndedContracts,
        sessions: SessionStore,
        clock: Clock,
        expiring: Sequence[Expiring] = (),
    ) -> None:
        self.sessions = sessions
        self.expiring = expiring  # other short-lived rows: single sign-on codes and tokens
        self.directory = directory
        self.store = directory.store
        self.erasure = erasure
        self.keys = keys
        self.ended = ended
        self.clock = clock

    @retrying()
    def end_contract(self, client_code: str, company_code: str, login_id: str) -> datetime:
        """The agency ends a contract; ending it again keeps the first date."""
        account = self.directory.account(client_code, company_code, login_id)
        if account is None or account.erased:
            raise Refused("not_found", "Aucun contrat sous cet identifiant pour cette agence.")
        account.end(self.clock.now())
        self.store.commit(account)
        if account.ended_at is None:
            raise RuntimeError("broken invariant: account.ended_at is None")
        return account.ended_at

    def sweep(self, limit: int = 1000) -> dict[str, Any]:
        """Erase what retention no longer allows; safe to run twice or in parallel.
        Expired sessions and tokens go too: they tie an identity to times of use."""
        for table in (self.sessions, *self.expiring):
            table.remove_expired(self.clock.now())
        cutoff = self.clock.now() - RETENTION
        erased_identities, erased_contracts = set(), 0
        for account_id in self.ended.ended_before(cutoff, limit):
            holder = self.directory.holder(self.directory.contract_digest(account_id))
            if holder is not None and holder.status != ERASED:
                if holder.status == ACTIVE and not self._all_ended(holder, cutoff):
                    continue
                self.erasure.erase(holder.id, reason="retention")
                erased_identities.add(str(holder.id))
            if self._erase_contract(account_id):
                erased_contracts += 1
        self.erasure.forget_sent_notices()  # the addresses of erasure confirmations already sent
        return {"identities_erased": sorted(erased_identities), "contracts_erased": erased_contracts}

    def _all_ended(self, identity: Identity, cutoff: datetime) -> bool:
        accounts = [self.store.find(AgencyAccount, a) for a in identity.accounts]
        return all(a is not None and a.ended_at is not None and a.ended_at <= cutoff for a in accounts)

    @retrying()
    def _erase_contract(self, account_id: UUID) -> bool:
        account = self.store.find(AgencyAccount, account_id)
        if account is None or account.erased:
            return False
        account.erase()
        position = self.store.commit(account)
        self.keys.shred(account_id)
        self.erasure.read_models.wait_for(position)
        self.erasure.purge.forget_contract(account_id)
        return True
