"""No request blocks the event loop on the database or the event store: every
store call from a handler or a middleware runs in the thread pool (a call on
the loop would stall every other request while it waits)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import Portal


def watched(method: Callable[..., Any], on_loop: list[str], name: str) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return method(*args, **kwargs)
        on_loop.append(name)
        return method(*args, **kwargs)

    return guarded


def test_store_calls_run_off_the_event_loop(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    on_loop: list[str] = []
    c = portal.container
    for target, names in ((c.db, ("transaction", "read")), (c.store, ("find", "stream", "commit", "state_at"))):
        for name in names:
            monkeypatch.setattr(target, name, watched(getattr(target, name), on_loop, name))
    client = portal.client
    client.get("/healthz")
    client.get("/login?client=AGENCE&societe=SOCIETE")  # an agency's look: the store, on a cache miss
    client.get("/")
    client.post("/api/v1/sessions", json={"email": "personne@example.org", "password": "x" * 12})
    client.post("/api/v1/password-resets", json={}, headers={"Idempotency-Key": "une-cle"})  # remembered answers
    client.get("/api/v1/me", headers={"Authorization": "Bearer inconnu"})
    assert on_loop == []
