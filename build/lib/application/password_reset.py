"""Forgotten password (seed 001 §C.1.1): by email, or by provisional login id
with the agency's client and company codes.

The answer is the same whether or not an account matches, so the form tells
nobody who has an account. A link works once, for an hour, and confirming it
ends every session without logging anyone in. A contract whose activation was
never finished gets nothing: the person resumes it with the provisional
credentials (and can correct a mistyped email there, or reset it with its own
token); a login id and agency codes, which others may know, reset nothing.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from application.directory import Directory
from application.emails import normalize_email
from application.errors import Refused
from application.event_store import retrying
from application.mail_requests import MailSpent
from application.passwords import NEW_PASSWORD_FIELDS, Passwords
from application.ports import Clock
from application.sign_outs import SignOuts
from application.throttle import Throttle, evenly_timed
from application.use_case import UseCase, invalid_token
from domain.agency_codes import canonical_code
from domain.errors import DomainError
from domain.identity import ACTIVE, Identity

PASSWORD_RESET = "password-reset"  # noqa: S105 - the purpose of an emailed link, not a secret
RESET_TTL = timedelta(hours=1)
ANSWER_FLOOR = 0.25  # seconds: longer than finding an account and writing its event


class PasswordReset(UseCase):
    def __init__(
        self, directory: Directory, passwords: Passwords, sessions: SignOuts, clock: Clock, throttle: Throttle,
    ) -> None:
        super().__init__(directory, passwords, clock, throttle)
        self.sessions = sessions

    def request(
        self, email: object = None, login_id: object = None, client_code: object = None, company_code: object = None,
        origin: str | None = None,
    ) -> None:
        """Send a reset link if an active account matches; say nothing either
        way, and take the same time either way (the lookup and the write hide
        under a floor). The request is counted as a mail whether or not one goes."""
        subject = self._subject(email, login_id, client_code, company_code)
        mail = self.throttle.mail(*self.throttle.reset_requests(*subject), origin=origin)
        with evenly_timed(ANSWER_FLOOR):
            self._request(email, login_id, client_code, company_code, mail)

    @retrying()
    def _request(
        self, email: object, login_id: object, client_code: object, company_code: object, mail: MailSpent
    ) -> None:
        """An unfinished activation is left alone: only its provisional code or
        its own token may reset it, and this request proves neither."""
        identity = self._find(email, login_id, client_code, company_code)
        if identity is not None and identity.status == ACTIVE:
            identity.request_password_reset(self.keys.nonce(), self.clock.now() + RESET_TTL)
            self.store.commit(identity, mail=mail)

    @staticmethod
    def _subject(email: object, login_id: object, client_code: object, company_code: object) -> list[str]:
        """What names the account, as the throttle counts it (an email or the
        codes in their canonical form); ``invalid_email`` for what is no address (that leaks
        nothing), ``invalid_request`` when the request names nothing."""
        if email is not None:
            return [normalize_email(email)]
        if not all(isinstance(v, str) and v for v in (login_id, client_code, company_code)):
            raise Refused(
                "invalid_request",
                "Indiquez votre adresse email, ou votre identifiant provisoire avec les codes client et société.",
            )
        return [canonical_code(str(v)) for v in (login_id, client_code, company_code)]

    def _find(self, email: object, login_id: object, client_code: object, company_code: object) -> Identity | None:
        if email is not None:
            return self.directory.holder(self.directory.email_digest(normalize_email(email)))
        account = self.directory.account(str(client_code), str(company_code), str(login_id))
        return self.directory.holder(self.directory.contract_digest(account.id)) if account else None

    def check(self, token: object, origin: str | None = None) -> None:
        """The reset link still works (nothing used)."""
        self.check_link(PASSWORD_RESET, token, lambda i: i.password_reset, origin)

    @retrying()
    def confirm(self, token: object, new_password: object, confirmation: object, origin: str | None = None) -> UUID:
        """A new password from the emailed link; every session ends."""
        identity, link = self.open_link(PASSWORD_RESET, token, lambda i: i.password_reset, origin)
        context = [identity.email or ""]
        password_hash = self.passwords.new_hash(new_password, confirmation, context, names=NEW_PASSWORD_FIELDS)
        try:
            identity.reset_password(link.nonce, password_hash, self.clock.now())
        except DomainError as error:
            raise invalid_token() from error
        self.store.commit(identity)
        self.sessions.remove_all(identity.id, keep=None, reason="password_reset")
        # the owner is back in
        self.throttle.clear(*self.throttle.password(identity.email), *self.throttle.two_step_codes(identity.id))
        return identity.id
