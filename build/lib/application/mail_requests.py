"""The events that make the outbox mail a link anyone may ask for, and the
proof that a write causing one spent the mail limits first.

A verification, reset or email-change link goes to an address the caller
names or knows, without any secret proven: each is what a mail bomb is made
of. The event store commits one of these events only with the ``MailSpent``
that ``Throttle.mail`` returns, so a new use case or route that sends such a
link cannot forget the limits (per subject and per client address). Notices
(password changed, contract linked, ...) follow a secret the throttle already
counts, and are not requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eventsourcing.domain import Aggregate

from domain.identity import Identity

MAIL_REQUESTS = (Identity.EmailVerificationRequested, Identity.PasswordResetRequested, Identity.EmailChangeRequested)


@dataclass(frozen=True)
class MailSpent:
    """Issued by ``Throttle.mail`` once the limits of one mail request are spent."""


class MailNotSpent(AssertionError):
    """A programming error: a write requests a mail without spending the limits."""


def check_mail_spent(aggregates: Iterable[Aggregate], mail: MailSpent | None) -> None:
    requested = [type(e).__name__ for a in aggregates for e in a.pending_events if isinstance(e, MAIL_REQUESTS)]
    if requested and mail is None:
        raise MailNotSpent(f"{', '.join(requested)} committed without Throttle.mail: spend the mail limits first")
