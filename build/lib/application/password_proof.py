"""The one way a use case checks a personal password it was given.

Changing the password or the email, erasing the account and linking a
contract to an existing account all ask for an account's password; each try
counts on that account's password limit and on the client address, exactly
like a login (see ``throttle``), so a stolen session or another form is no
way around the limit on guesses. A use case that needs a password proved asks
here rather than calling ``Passwords.verify`` itself.
"""

from __future__ import annotations

from application.errors import Refused
from application.passwords import Passwords
from application.throttle import Throttle
from domain.identity import ACTIVE, Identity

WRONG_CURRENT = "Mot de passe actuel incorrect."


class PasswordProof:
    def __init__(self, passwords: Passwords, throttle: Throttle) -> None:
        self.passwords = passwords
        self.throttle = throttle

    def prove(
        self, identity: Identity | None, password: object, origin: str | None, email: object = None,
        wrong: str = WRONG_CURRENT,
    ) -> Identity:
        """``identity``, once ``password`` proved it is the person's; else
        ``invalid_credentials`` in the words ``wrong`` (``too_many_attempts``
        past the limit). When the account may not exist, ``email`` names the
        one counted: an unknown or inactive account costs the same work and
        the same count."""
        counted = identity.email if identity is not None and email is None else email
        attempt = self.throttle.attempt(*self.throttle.password(counted), *self.throttle.guesses_from(origin))
        password_hash = identity.password_hash if identity is not None and identity.status == ACTIVE else None
        if not self.passwords.verify(password_hash, password) or identity is None:
            raise Refused("invalid_credentials", wrong)
        attempt.passed()
        return identity
