"""The console invitation: the emailed link that lets a new member choose a
password, once.

The link is a keyed token of a nonce recorded in ``StaffMember.Invited``
(like a person's emailed links, see ``Keyring``): the store alone forges
none. Opening it never uses it (mail scanners open links); choosing the
password does, and opens the console session in which two-step sign-in is
set up next. A wrong token counts as a guess from its client address.
"""

from __future__ import annotations

from application.directory import Directory
from application.event_store import retrying
from application.passwords import Passwords
from application.ports import Clock
from application.staff import STAFF_INVITATION
from application.staff_sessions import ConsoleSessions
from application.throttle import Throttle
from application.use_case import invalid_token
from domain.errors import DomainError
from domain.staff import StaffMember


class StaffInvitations:
    def __init__(
        self, directory: Directory, passwords: Passwords, clock: Clock, throttle: Throttle, sessions: ConsoleSessions
    ) -> None:
        self.store = directory.store
        self.keys = directory.keys
        self.passwords = passwords
        self.clock = clock
        self.throttle = throttle
        self.sessions = sessions

    def open(self, token: object, origin: str | None = None) -> StaffMember:
        """The member a live invitation is for, or ``invalid_token``; it stays usable."""
        member, _ = self._invitation(token, origin)
        return member

    @retrying()
    def accept(self, token: object, password: object, confirmation: object, origin: str | None = None) -> str:
        """The password chosen (the people's policy): the invitation is used up
        and a console session opens, for setting up two-step sign-in."""
        member, nonce = self._invitation(token, origin)
        password_hash = self.passwords.new_hash(password, confirmation, [member.email or "", member.name])
        try:
            member.accept_invitation(nonce, self.clock.now(), password_hash)
        except DomainError as error:
            raise invalid_token() from error
        self.store.commit(member)
        return self.sessions.open(member)

    def _invitation(self, token: object, origin: str | None) -> tuple[StaffMember, str]:
        attempt = self.throttle.attempt(*self.throttle.guesses_from(origin))
        owner = self.keys.owner_of(token) if isinstance(token, str) else None
        member = self.store.find(StaffMember, owner) if owner else None
        nonce = member.invitation.nonce if member is not None and member.invitation is not None else None
        if member is None or nonce is None or not member.invitation_open(nonce, self.clock.now()):
            raise invalid_token()
        if not self.keys.check(STAFF_INVITATION, str(token), nonce):
            raise invalid_token()
        attempt.passed()
        return member, nonce
