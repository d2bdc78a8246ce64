"""Signing in to the console: email, password and two-step code in one go.

One answer for every failure (an unknown address, a disabled member, a wrong
password, a wrong code), one argon2id verification on every path (a dummy
hash when no member may sign in), and the people's limits: each try counts on
the address's password limit and on the client address, and a code on the
member's two-step limit besides. The password's count is cleared only once
the code is right too, so a right password with a wrong code looks, to the
throttle as to the page, like any failure. A member who chose a password but
has not yet set up two-step sign-in gets a session that opens nothing but the
set-up (``web.console_gate``). A password hashed under weaker parameters
than the configured ones is re-hashed at a successful sign-in, as the people's.
"""

from __future__ import annotations

from application.emails import normalize_email
from application.errors import Refused
from application.event_store import retrying
from application.passwords import Passwords
from application.staff import Staff
from application.staff_sessions import ConsoleSessions
from application.staff_two_step import StaffTwoStep
from application.throttle import Throttle


def wrong_sign_in() -> Refused:
    return Refused("invalid_credentials", "Adresse email, mot de passe ou code incorrect.")


class ConsoleSignIn:
    def __init__(
        self, staff: Staff, passwords: Passwords, throttle: Throttle, two_step: StaffTwoStep, sessions: ConsoleSessions
    ) -> None:
        self.staff = staff
        self.passwords = passwords
        self.throttle = throttle
        self.two_step = two_step
        self.sessions = sessions

    @retrying()
    def sign_in(self, email: object, password: object, code: object, origin: str | None = None) -> str:
        """A console session's token, or ``invalid_credentials`` (``too_many_attempts``
        past a limit)."""
        try:
            address: str | None = normalize_email(email)
        except Refused:
            address = None
        attempt = self.throttle.attempt(*self.throttle.password(address), *self.throttle.guesses_from(origin))
        member = self.staff.by_email(address) if address else None
        usable = member if member is not None and not member.disabled and member.password_hash else None
        if not self.passwords.verify(usable.password_hash if usable else None, password) or usable is None:
            raise wrong_sign_in()
        if usable.two_step_on:
            try:
                self.two_step.use(usable, code, origin)
            except Refused as refusal:
                raise wrong_sign_in() if refusal.code == "invalid_code" else refusal from refusal
        if usable.password_hash and self.passwords.needs_rehash(usable.password_hash):
            usable.rehash_password(self.passwords.rehash(str(password)))
        if usable.pending_events:
            self.staff.store.commit(usable)
        attempt.passed()
        return self.sessions.open(usable)
