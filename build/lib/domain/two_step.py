"""Two-step sign-in's rules, as the Identity aggregate keeps them.

The aggregate never sees a code: the application checks a code against the
secret (RFC 6238, pyotp) and hands over the time step it matched, or the keyed
digest of a recovery code. What is decided here is what may be used: a time
step only when later than the last one accepted, so a code seen over a
shoulder or replayed from a log is refused; each recovery code once ever.
"""

from __future__ import annotations

from domain.errors import InvalidCode


class TwoStep:
    """A secret waiting for its first code (``on`` false), or in force."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.on = False
        self.last_step = -1
        self.recovery: set[str] = set()

    def check_step(self, time_step: int) -> None:
        """A time step may be used once, and never one earlier than the last."""
        if time_step <= self.last_step:
            raise InvalidCode("code already used")

    def check_recovery(self, digest: str) -> None:
        if not self.on or digest not in self.recovery:
            raise InvalidCode("unknown or spent recovery code")
