"""What a use case spends is spent once, however often a lost race re-runs it.

``retrying`` (see ``event_store``) runs a use case again on fresh state when a
concurrent writer won. Reading again is right; spending again is not: a second
throttle hit would count one try as two against the person, and a second
argon2 hash or verification would double the server's work. The throttle and
the password hasher spend through ``once``, keyed by what is spent and what it
depends on, so a re-run reuses the first run's result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

R = TypeVar("R")

_SPENT: ContextVar[dict[Hashable, Any] | None] = ContextVar("spent_by_the_use_case", default=None)


@contextmanager
def spending_once() -> Iterator[None]:
    """Within: each ``once`` key is spent at most once (the outermost scope wins)."""
    outermost = _SPENT.set({}) if _SPENT.get() is None else None
    try:
        yield
    finally:
        if outermost is not None:
            _SPENT.reset(outermost)


def once(key: Hashable, spend: Callable[[], R]) -> R:
    """``spend()``, or within ``spending_once`` the result it gave the first
    time for this ``key`` (outside one, every call spends)."""
    spent = _SPENT.get()
    if spent is None:
        return spend()
    if key not in spent:
        spent[key] = spend()
    return cast(R, spent[key])
