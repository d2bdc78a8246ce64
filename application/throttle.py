"""Throttling: how many guesses of a secret, and how many mails, a key may ask for.

OWASP ASVS 5.0 V6.3.1 and NIST SP 800-63B §5.2.2 ask for a limit on failed
attempts per account; a 6-digit provisional code has a million values, so it
gets the strictest one. Every key (a contract's code, an account's password,
a client address, a mail subject) counts its hits in a table every server
process shares. A few hits are free, each one past them waits twice as long
as the one before (up to a ceiling), and some rules lock for good:

* a provisional code: 3 free tries, then 1 min, 2 min, ... up to 1 h between
  tries, and locked after the 10th failure. The lock names the code's digest,
  so it is lifted when the agency imports the contract with a new code, or
  when the person who already opened the activation resets it (they proved
  the code before the lock). Nothing that can be asked without a secret (a
  password-reset request) lifts it.
* a password: 5 free tries, then 30 s doubling up to 1 h, locked after 100
  consecutive failures (NIST's ceiling). A right password clears the count;
  so does a password reset, whose link is never throttled by this count.
* a two-step code (TOTP or recovery code) of an account: 5 free tries, then
  30 s doubling up to 1 h, locked after 100 consecutive failures, like a
  password but counted apart: a right password clears the password count, and
  must not clear the count of codes of whoever already knows it. A right code
  clears it, and a password reset lifts the lock (the emailed link proves the
  address).
* a client address: 20 failed guesses of any secret, and 20 mail-sending
  requests, then a growing wait; forgotten after an hour of quiet.
* every mail request spends its subject's limit and its address's (``mail``;
  the event store refuses a mail request without it): reset requests 3 per
  account named, verification links 3 per activation (the first included),
  email-change requests 3 per account, then a wait.
* the email step of an activation tells whether an account has the address:
  5 addresses per activation, then a wait, and each one counts as a guess
  from its client address.

A try is counted before the secret is checked, in the same transaction that
reads the count, so concurrent guesses can never overrun the limit; a right
secret then takes its try back. Keys are keyed digests: the table holds no
email and no address in clear.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.emails import normalize_email
from application.errors import Refused
from application.french_time import french_wait
from application.keyring import Keyring
from application.mail_requests import MailSpent
from application.once import once
from application.ports import Clock, Writes

LOCKED = timedelta(days=3650)
LOCKED_RETRY_AFTER = 86400  # what a locked key answers in Retry-After: "not today"
LATER = "Réessayez plus tard."


@dataclass(frozen=True)
class Rule:
    """Hits a key gets free, then the growing wait before each further one."""

    name: str
    free: int
    first_delay: timedelta
    max_delay: timedelta
    lock_after: int | None = None
    forget_after: timedelta | None = None  # quiet time after which the count starts over
    take_back_on_success: bool = False  # an address gives back its try; an account forgets all
    advice: str = LATER  # what to do once locked

    def hits(self, hits: int, last_at: datetime, now: datetime) -> int:
        """The count still in force: a quiet spell long enough wipes it."""
        if self.forget_after is not None and now - last_at >= self.forget_after:
            return 0
        return hits

    def wait(self, hits: int, last_at: datetime, now: datetime) -> timedelta:
        """How long before one more hit is allowed: zero now, LOCKED never."""
        if self.lock_after is not None and hits >= self.lock_after:
            return LOCKED
        if hits < self.free:
            return timedelta(0)
        doubling: int = 2 ** (hits - self.free)  # hits >= free here: a whole number
        delay = min(self.first_delay * doubling, self.max_delay)
        return max(last_at + delay - now, timedelta(0))

    def scaled(self, factor: float) -> Rule:
        """The same counts with shorter waits (0: counts and locks only, for tests)."""
        return replace(self, first_delay=self.first_delay * factor, max_delay=self.max_delay * factor)


CODE = Rule(
    "provisional-code", 3, timedelta(minutes=1), timedelta(hours=1), lock_after=10,
    advice="Trop d'essais pour ce contrat : demandez à votre agence de nouveaux identifiants provisoires.",
)
PASSWORD = Rule(
    "password", 5, timedelta(seconds=30), timedelta(hours=1), lock_after=100,
    advice="Trop d'essais pour ce compte : réessayez plus tard, ou réinitialisez votre mot de passe.",
)
TWO_STEP_CODE = Rule(
    "two-step-code", 5, timedelta(seconds=30), timedelta(hours=1), lock_after=100,
    advice="Trop de codes erronés pour ce compte : réessayez plus tard, ou réinitialisez votre mot de passe.",
)
GUESSES_FROM = Rule("guesses-from", 20, timedelta(minutes=1), timedelta(minutes=15),
                    forget_after=timedelta(hours=1), take_back_on_success=True)
MAIL_FROM = Rule("mail-from", 20, timedelta(minutes=1), timedelta(hours=1), forget_after=timedelta(hours=1))
RESET = Rule("reset", 3, timedelta(minutes=5), timedelta(hours=1), forget_after=timedelta(days=1))
RESEND = Rule("resend", 3, timedelta(minutes=1), timedelta(hours=1), forget_after=timedelta(days=1))
EMAIL_CHOICE = Rule("email-choice", 5, timedelta(minutes=1), timedelta(hours=1), forget_after=timedelta(days=1))
EMAIL_CHANGE = Rule("email-change", 3, timedelta(minutes=5), timedelta(hours=1), forget_after=timedelta(days=1))
RULES = (CODE, PASSWORD, TWO_STEP_CODE, GUESSES_FROM, MAIL_FROM, RESET, RESEND, EMAIL_CHOICE, EMAIL_CHANGE)


@dataclass(frozen=True)
class Limit:
    key: str  # a keyed digest of the rule's name and what it counts
    rule: Rule


class ThrottleStore(Protocol):
    """The shared counts (a table beside the events, in every process)."""

    def hit(self, limits: Sequence[Limit], now: datetime) -> list[timedelta]:
        """In one transaction: the wait each limit imposes; when all are zero,
        one more hit on every limit."""

    def forget(self, keys: Sequence[str]) -> None: ...

    def take_back(self, keys: Sequence[str]) -> None:
        """One hit fewer on each key (a try that turned out right)."""

    def passing(self, take_back: Sequence[str], forget: Sequence[str]) -> Writes:
        """The statements of ``take_back`` and ``forget``, for a caller to run in
        the transaction of its own write (a login's session)."""

    def count(self, key: str) -> tuple[int, datetime] | None:
        """A key's hits and last hit, if it has a row; nothing counted."""


class Attempt:
    """One reserved try at a secret; ``passed`` when the secret was right
    (``passed_with`` when its give-back should join the caller's write)."""

    def __init__(self, throttle: Throttle, limits: Sequence[Limit]) -> None:
        self._throttle = throttle
        self._limits = limits

    def passed(self) -> None:
        once(("passed", *(limit.key for limit in self._limits)), self._give_back)

    def passed_with(self) -> Writes:
        """``passed``'s give-back as statements, not run: the caller runs them in
        its own write transaction, so a give-back is stored with the session
        it opens or not at all (a lost race re-runs both)."""
        return self._throttle.store.passing(*self._given_back())

    def _give_back(self) -> None:
        take_back, forget = self._given_back()
        self._throttle.store.take_back(take_back)
        self._throttle.store.forget(forget)

    def _given_back(self) -> tuple[list[str], list[str]]:
        """The keys that give their try back, and those that forget their count."""
        keys = [(limit.key, limit.rule.take_back_on_success) for limit in self._limits]
        return [key for key, back in keys if back], [key for key, back in keys if not back]


class Throttle:
    def __init__(self, store: ThrottleStore, keys: Keyring, clock: Clock, delay_scale: float = 1.0) -> None:
        self.store = store
        self.keys = keys
        self.clock = clock
        self.rules = {rule.name: rule.scaled(delay_scale) for rule in RULES}

    def _limit(self, rule: Rule, *parts: str) -> Limit:
        return Limit(self.keys.digest("throttle", rule.name, *parts), self.rules[rule.name])

    # -- what is counted, in the person's words -----------------------------------

    def code(self, account_id: UUID, provisional_digest: str) -> list[Limit]:
        """Tries at one contract's current provisional code (known or not)."""
        return [self._limit(CODE, str(account_id), provisional_digest)]

    def password(self, email: object) -> list[Limit]:
        """Tries at the password of the account an email names (known or not)."""
        return self.password_of(_normal(email))

    def password_of(self, address: str | None) -> list[Limit]:
        """``password`` of an email already in its canonical form (None: no
        email), which a login has at hand: no second validation."""
        return [self._limit(PASSWORD, address)] if address else []

    def two_step_codes(self, identity_id: UUID) -> list[Limit]:
        """Tries at an account's two-step codes (TOTP and recovery codes alike)."""
        return [self._limit(TWO_STEP_CODE, str(identity_id))]

    def guesses_from(self, origin: str | None) -> list[Limit]:
        """Failed secrets of any account from one client address."""
        return [self._limit(GUESSES_FROM, origin)] if origin else []

    def mail_from(self, origin: str | None) -> list[Limit]:
        """Mail-sending requests from one client address."""
        return [self._limit(MAIL_FROM, origin)] if origin else []

    def reset_requests(self, *subject: str) -> list[Limit]:
        """Reset requests naming one account: an email, or a login id and codes."""
        return [self._limit(RESET, *subject)]

    def resends(self, identity_id: UUID) -> list[Limit]:
        """Verification links sent to an activation's address (the first one included)."""
        return [self._limit(RESEND, str(identity_id))]

    def email_choices(self, identity_id: UUID) -> list[Limit]:
        """Addresses an activation asks about: each answer tells whether an account has it."""
        return [self._limit(EMAIL_CHOICE, str(identity_id))]

    def email_changes(self, identity_id: UUID) -> list[Limit]:
        return [self._limit(EMAIL_CHANGE, str(identity_id))]

    # -- counting ---------------------------------------------------------------

    def attempt(self, *limits: Limit) -> Attempt:
        """Reserve one try on every limit, or refuse with ``too_many_attempts``."""
        self.spend(*limits)
        return Attempt(self, limits)

    def spend(self, *limits: Limit) -> None:
        """Count one request on every limit, or refuse with ``too_many_attempts``."""
        if not limits:
            return
        waits = once(("hit", *(limit.key for limit in limits)), lambda: self.store.hit(limits, self.clock.now()))
        wait, limit = max(zip(waits, limits, strict=True), key=lambda pair: pair[0])
        if wait > timedelta(0):
            raise too_many_attempts(wait, limit.rule)

    def mail(self, *subject: Limit, origin: str | None) -> MailSpent:
        """Count one mail request on its subject's limits and its client
        address, or refuse with ``too_many_attempts``: what the event store asks
        of every write that requests a mail."""
        self.spend(*subject, *self.mail_from(origin))
        return MailSpent()

    def standing(self, limit: Limit) -> tuple[int, timedelta]:
        """A limit's count in force and the wait before its next try, without
        counting one: why a person cannot sign in, as support sees it."""
        found = self.store.count(limit.key)
        if found is None:
            return 0, timedelta(0)
        now = self.clock.now()
        hits = limit.rule.hits(found[0], found[1], now)
        return hits, limit.rule.wait(hits, found[1], now)

    def clear(self, *limits: Limit) -> None:
        self.store.forget([limit.key for limit in limits])


def delay_scale(env: Mapping[str, str]) -> float:
    """``THROTTLE_DELAY_SCALE`` (default 1): multiplies every wait, never the
    counts or the locks; 0 lets tests reach a lock without waiting."""
    value = float(env.get("THROTTLE_DELAY_SCALE") or 1)
    if value < 0:
        raise ValueError("THROTTLE_DELAY_SCALE may not be negative")
    return value


def too_many_attempts(wait: timedelta, rule: Rule) -> Refused:
    """429 with how long to wait (``Retry-After``); a lock says what lifts it."""
    if wait >= LOCKED:
        return Refused("too_many_attempts", f"Trop de tentatives. {rule.advice}", retry_after=LOCKED_RETRY_AFTER)
    seconds = max(1, math.ceil(wait.total_seconds()))
    message = f"Trop de tentatives. Réessayez dans {french_wait(seconds)}."
    return Refused("too_many_attempts", message, retry_after=seconds)


def _normal(email: object) -> str:
    """An email's canonical form, so that case variants share one count ("" if
    it is no email: no account has it, only the client address counts)."""
    try:
        return normalize_email(email)
    except Refused:
        return ""


@contextmanager
def evenly_timed(floor: float, sleep: Callable[[float], None] = time.sleep) -> Iterator[None]:
    """Answer no sooner than ``floor`` seconds, whatever was found: a request
    that must not tell whether an account exists takes one time either way."""
    started = time.monotonic()
    try:
        yield
    finally:
        sleep(max(0.0, floor - (time.monotonic() - started)))
