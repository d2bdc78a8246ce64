"""Two-step sign-in (TOTP, RFC 6238): enrolment, the code at sign-in, turning it off.

The secret is pyotp's default (160 random bits in base32, SHA-1, 6 digits,
30 s); it enters the history sealed with the person's key (``totp_secret`` is
a personal field), so erasure shreds it. A code is matched here against the
current time step and one step either side (a phone's clock drifts); the
aggregate then accepts that step only once (``domain.two_step``). Recovery
codes are shown once and kept as keyed digests bound to the person. Every
code tried, right or wrong, counts on the account's two-step limit and on the
client address (``throttle``): the same care as for passwords, in its own count.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import pyotp

from application.directory import Directory
from application.errors import Refused
from application.event_store import retrying
from application.password_proof import PasswordProof
from application.passwords import Passwords
from application.ports import Clock
from application.sessions import TWO_STEP_CHALLENGE, LoggedIn, Sessions
from application.throttle import Throttle
from application.use_case import UseCase
from domain.errors import DomainError, InvalidToken, StepOutOfOrder
from domain.identity import Identity
from domain.two_step import TwoStep

ISSUER = "Sésame"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread on paper
DRIFT = 1  # time steps accepted either side of the current one


def invalid_code() -> Refused:
    return Refused("invalid_code", "Ce code n'est pas valable : il est erroné, a déjà servi ou a expiré.")


def expired_challenge() -> Refused:
    """A challenge unknown, used, superseded or past its five minutes: the
    contract's one refusal of this step, with what to do."""
    return Refused(
        "invalid_code",
        "Cette étape de connexion a expiré : reconnectez-vous avec votre mot de passe.",
        field="challenge",
    )


def new_recovery_code() -> str:
    """10 characters (about 50 random bits) in two groups, easy to copy by hand."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normal_code(code: object) -> str:
    """A code as typed, without spaces, dashes or case ("" if it is no text)."""
    if not isinstance(code, str) or len(code) > 64:
        return ""
    return "".join(c for c in code if c not in " -\u00a0\t").lower()


def matched_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose TOTP code ``code`` is, among the current one and
    ``DRIFT`` either side; None when it is none of them."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def first_code(
    throttle: Throttle, owner: UUID, pending: TwoStep | None, code: object, now: datetime, origin: str | None
) -> int:
    """The time step of the first code of a secret waiting for it, the try
    counted on the owner's two-step limit and the client address; else
    ``invalid_code``. For people and staff alike."""
    attempt = throttle.attempt(*throttle.two_step_codes(owner), *throttle.guesses_from(origin))
    step = matched_step(pending.secret, normal_code(code), now) if pending is not None and not pending.on else None
    if step is None:
        raise invalid_code()
    attempt.passed()
    return step


def use_code(
    throttle: Throttle, owner: UUID, two_step: TwoStep | None, code: object, now: datetime, origin: str | None,
    recovery_digest: Callable[[str], str], use: Callable[[int | str], None],
) -> None:
    """Count a try at ``code``, match it (a TOTP time step of the secret in
    force, or a recovery code's digest) and hand it to ``use``, which lets
    the aggregate decide; ``invalid_code`` when refused. For people and staff alike."""
    attempt = throttle.attempt(*throttle.two_step_codes(owner), *throttle.guesses_from(origin))
    typed = normal_code(code)
    secret = two_step.secret if two_step is not None and two_step.on else None
    step = matched_step(secret, typed, now) if secret else None
    try:
        use(step if step is not None else recovery_digest(typed))
    except InvalidToken:
        raise
    except DomainError as error:
        raise invalid_code() from error
    attempt.passed()


class TwoStepSignIn(UseCase):
    def __init__(
        self,
        directory: Directory,
        passwords: Passwords,
        clock: Clock,
        throttle: Throttle,
        proof: PasswordProof,
        sessions: Sessions,
    ) -> None:
        super().__init__(directory, passwords, clock, throttle)
        self.proof = proof
        self.sessions = sessions

    def is_on(self, identity_id: UUID) -> bool:
        return self.person(identity_id).two_step_on

    @retrying()
    def enrol(self, identity_id: UUID, password: object, origin: str | None = None) -> dict[str, str]:
        """Behind the password: a new secret, in force once a first code confirms it."""
        identity = self.proof.prove(self.person(identity_id), password, origin)
        secret = pyotp.random_base32()
        try:
            identity.enrol_two_step(secret)
        except StepOutOfOrder as error:
            raise Refused(
                "step_out_of_order", "La validation en deux étapes est déjà activée : désactivez-la d'abord."
            ) from error
        self.store.commit(identity)
        uri = pyotp.TOTP(secret).provisioning_uri(name=identity.email, issuer_name=ISSUER)
        return {"secret": secret, "otpauth_uri": uri}

    @retrying()
    def confirm(self, identity_id: UUID, code: object, origin: str | None = None) -> list[str]:
        """The first code from the authenticator: two-step sign-in is on; the
        recovery codes are returned this once and kept only as keyed digests."""
        identity = self.person(identity_id)
        step = first_code(self.throttle, identity.id, identity.two_step, code, self.clock.now(), origin)
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        identity.confirm_two_step(step, [self._recovery_digest(identity.id, c) for c in codes])
        self.store.commit(identity)
        return codes

    @retrying()
    def disable(self, identity_id: UUID, password: object, code: object, origin: str | None = None) -> None:
        """Off, behind the password (the one throttled proof) and a code."""
        identity = self.proof.prove(self.person(identity_id), password, origin)
        self._use(identity, code, origin, identity.turn_off_two_step)
        self.store.commit(identity)

    @retrying()
    def complete(
        self, challenge: object, code: object, origin: str | None = None, idle_timeout: bool = False
    ) -> LoggedIn:
        """The second step of a sign-in: the challenge the password earned and
        a code; then a session exactly as a sign-in without two-step opens one."""
        try:
            identity, link = self.open_link(TWO_STEP_CHALLENGE, challenge, lambda i: i.two_step_challenge, origin)
            now = self.clock.now()
            self._use(identity, code, origin, lambda c: identity.pass_two_step(link.nonce, now, c))
        except (Refused, InvalidToken) as error:
            if isinstance(error, Refused) and error.code != "invalid_token":
                raise
            raise expired_challenge() from error
        self.store.commit(identity)
        return self.sessions.open_for(identity, idle_timeout)

    def _use(self, identity: Identity, code: object, origin: str | None, use: Callable[[int | str], None]) -> None:
        recovery = functools.partial(self._recovery_digest, identity.id)
        use_code(self.throttle, identity.id, identity.two_step, code, self.clock.now(), origin, recovery, use)

    def _recovery_digest(self, identity_id: UUID, code: str) -> str:
        return self.keys.digest("recovery-code", str(identity_id), normal_code(code))
