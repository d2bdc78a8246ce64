"""Staff two-step sign-in (TOTP, RFC 6238), with people's rules
(``application.two_step``): the same secrets, the same matching of a code
against the current time step and one either side, recovery codes shown once
and kept as keyed digests, every code tried counted on the member's two-step
limit and on the client address.

What differs: it is set up right after the password, before any console
page, and there is no way to turn it off. The secret is the event field
``totp_secret``, sealed with the member's key.
"""

from __future__ import annotations

import functools
from uuid import UUID

import pyotp

from application.directory import Directory
from application.errors import Refused
from application.event_store import retrying
from application.ports import Clock
from application.throttle import Throttle
from application.two_step import RECOVERY_CODES, first_code, new_recovery_code, normal_code, use_code
from domain.errors import DomainError
from domain.staff import StaffMember

ISSUER = "Sésame (console)"


class StaffTwoStep:
    def __init__(self, directory: Directory, clock: Clock, throttle: Throttle) -> None:
        self.store = directory.store
        self.keys = directory.keys
        self.clock = clock
        self.throttle = throttle

    def _member(self, staff_id: UUID) -> StaffMember:
        member = self.store.find(StaffMember, staff_id)
        if member is None or member.disabled:
            raise Refused("unauthenticated", "Votre session a pris fin : reconnectez-vous.")
        return member

    @retrying()
    def enrol(self, staff_id: UUID) -> dict[str, str]:
        """A new secret (replacing one still waiting for its first code)."""
        member = self._member(staff_id)
        secret = pyotp.random_base32()
        try:
            member.enrol_two_step(secret)
        except DomainError as error:
            raise Refused("step_out_of_order", "La validation en deux étapes est déjà en place.") from error
        self.store.commit(member)
        uri = pyotp.TOTP(secret).provisioning_uri(name=member.email or member.name, issuer_name=ISSUER)
        return {"secret": secret, "otpauth_uri": uri}

    @retrying()
    def confirm(self, staff_id: UUID, code: object, origin: str | None = None) -> list[str]:
        """The first code from the authenticator: two-step sign-in is on; the
        recovery codes are returned this once."""
        member = self._member(staff_id)
        step = first_code(self.throttle, member.id, member.two_step, code, self.clock.now(), origin)
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        member.confirm_two_step(step, [self._recovery_digest(member.id, c) for c in codes])
        self.store.commit(member)
        return codes

    def use(self, member: StaffMember, code: object, origin: str | None) -> None:
        """A sign-in's code (TOTP or recovery code), counted, matched and handed
        to the member; ``invalid_code`` when refused. The caller commits."""
        recovery = functools.partial(self._recovery_digest, member.id)
        now = self.clock.now()
        use_code(self.throttle, member.id, member.two_step, code, now, origin, recovery, member.use_two_step_code)

    def _recovery_digest(self, staff_id: UUID, code: str) -> str:
        return self.keys.digest("staff-recovery-code", str(staff_id), normal_code(code))
