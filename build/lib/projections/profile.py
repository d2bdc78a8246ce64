"""The profile read model: identities, agency contracts and the links between.

``/me`` and the login's "not yet verified" answer read it; support search
(issue 5) reads the same tables.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from adapters.database import Tx, compose
from domain.agency_account import AgencyAccount
from domain.identity import Identity
from projections.follower import Projection


class ProfileProjection(Projection):
    name = "profile"
    migrations = "profile"
    tables = ("read_identities", "read_accounts", "read_identity_accounts")

    @singledispatchmethod
    def apply(self, event: Any, position: int, tx: Tx) -> None:
        """Events this view does not show are skipped."""

    @apply.register
    def _(self, event: Identity.ActivationStarted, position: int, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO read_identities (identity_id, status, activating_account, next_step, started_at, updated_at) "
            "VALUES (:id, 'activating', :account, 'email', :at, :at) ON CONFLICT (identity_id) DO NOTHING",
            {"id": str(event.originator_id), "account": str(event.account_id), "at": event.timestamp.isoformat()},
        )

    def _set(self, event: Any, tx: Tx, **columns: Any) -> None:
        _update(
            tx, "read_identities", "identity_id", str(event.originator_id), updated_at=event.timestamp.isoformat(),
            **columns,
        )

    def forget(self, tx: Tx, identity_id: str) -> None:
        _update(
            tx, "read_identities", "identity_id", identity_id, status="erased", email=None, proposed_email=None,
            default_account=None, next_step=None, pending_email=None, reset_pending_until=None,
        )
        tx.execute("DELETE FROM read_identity_accounts WHERE identity_id = :id", {"id": identity_id})

    def forget_contract(self, tx: Tx, account_id: str) -> None:
        _update(
            tx, "read_accounts", "account_id", account_id, login_id="", holder_name="", suggested_email="",
            agency_name="", property="",
        )

    @apply.register
    def _(self, event: Identity.EmailProposed, position: int, tx: Tx) -> None:
        self._set(event, tx, proposed_email=event.email, next_step="password")

    @apply.register
    def _(self, event: Identity.EmailVerificationRequested, position: int, tx: Tx) -> None:
        self._set(event, tx, next_step="verify_email")

    @apply.register
    def _(self, event: Identity.EmailChangeRequested, position: int, tx: Tx) -> None:
        self._set(event, tx, pending_email=event.new_email)

    @apply.register
    def _(self, event: Identity.PasswordResetRequested, position: int, tx: Tx) -> None:
        self._set(event, tx, reset_pending_until=event.expires_at.isoformat())

    @apply.register
    def _(self, event: Identity.PasswordReset, position: int, tx: Tx) -> None:
        self._set(event, tx, reset_pending_until=None)

    @apply.register
    def _(self, event: Identity.TermsAccepted, position: int, tx: Tx) -> None:
        self._set(event, tx, terms_version=event.version)

    @apply.register
    def _(self, event: Identity.EmailVerified, position: int, tx: Tx) -> None:
        self._set(event, tx, status="active", email=event.email, proposed_email=None, next_step=None)

    @apply.register
    def _(self, event: Identity.ActivationReset, position: int, tx: Tx) -> None:
        self._set(event, tx, status="reset", proposed_email=None, next_step=None)

    @apply.register
    def _(self, event: Identity.MergedInto, position: int, tx: Tx) -> None:
        self._set(event, tx, status="merged", proposed_email=None, next_step=None, merged_into=str(event.identity_id))

    @apply.register
    def _(self, event: Identity.DefaultAccountChosen, position: int, tx: Tx) -> None:
        self._set(event, tx, default_account=str(event.account_id))

    @apply.register
    def _(self, event: Identity.EmailChanged, position: int, tx: Tx) -> None:
        self._set(event, tx, email=event.new_email, pending_email=None)

    @apply.register
    def _(self, event: Identity.Erased, position: int, tx: Tx) -> None:
        self.forget(tx, str(event.originator_id))
        self._set(event, tx)

    @apply.register
    def _(self, event: Identity.AccountLinked, position: int, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO read_identity_accounts (identity_id, account_id, linked_at) VALUES (:id, :account, :at) "
            "ON CONFLICT (identity_id, account_id) DO NOTHING",
            {"id": str(event.originator_id), "account": str(event.account_id), "at": event.timestamp.isoformat()},
        )
        tx.execute(
            "UPDATE read_identities SET default_account = COALESCE(default_account, :account) WHERE identity_id = :id",
            {"id": str(event.originator_id), "account": str(event.account_id)},
        )

    @apply.register
    def _(self, event: AgencyAccount.Imported, position: int, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO read_accounts (account_id, client_code, company_code, login_id, holder_name, role, "
            "suggested_email, agency_name, property) "
            "VALUES (:id, :client, :company, :login, :holder, :role, :email, :agency, :property) "
            "ON CONFLICT (account_id) DO NOTHING",
            {
                "id": str(event.originator_id),
                "client": event.client_code,
                "company": event.company_code,
                "login": event.login_id,
                "holder": event.holder_name,
                "role": event.role,
                "email": event.suggested_email,
                "agency": event.agency_name,
                "property": event.property,
            },
        )

    @apply.register
    def _(self, event: AgencyAccount.Updated, position: int, tx: Tx) -> None:
        self._set_account(
            event, tx, holder_name=event.holder_name, role=event.role, suggested_email=event.suggested_email,
            agency_name=event.agency_name, property=event.property,
        )

    def _set_account(self, event: Any, tx: Tx, **columns: Any) -> None:
        _update(tx, "read_accounts", "account_id", str(event.originator_id), **columns)

    @apply.register
    def _(self, event: AgencyAccount.Ended, position: int, tx: Tx) -> None:
        self._set_account(event, tx, ended_at=event.at.isoformat())

    @apply.register
    def _(self, event: AgencyAccount.Reopened, position: int, tx: Tx) -> None:
        self._set_account(event, tx, ended_at=None)

    @apply.register
    def _(self, event: AgencyAccount.Erased, position: int, tx: Tx) -> None:
        self.forget_contract(tx, str(event.originator_id))


def _update(tx: Tx, table: str, key: str, row_id: str, **columns: Any) -> None:
    """Set columns of the row whose ``key`` is ``row_id``."""
    assignments = ", ".join(f"{column} = :{column}" for column in columns)
    tx.execute(
        compose("UPDATE {table} SET {assignments} WHERE {key} = :id", table=table, assignments=assignments, key=key),
        {"id": row_id, **columns},
    )
