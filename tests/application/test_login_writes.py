"""A login's cost around its hash: one write after it, the identity read from
recent states that never lag the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from adapters.bootstrap import Container
from adapters.database import Tx
from application.errors import Refused
from tests.application.test_retention import PASSWORD, activated, imported

ORIGIN = "203.0.113.9"


def write_transactions(app: Container, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each write transaction the side tables open from now on, by its first statement."""
    opened: list[str] = []
    real: Any = app.db.transaction

    @contextmanager
    def counted() -> Iterator[Tx]:
        with real() as tx:
            first: Any = tx.execute

            def execute(sql: str, params: Any = None) -> Tx:
                if len(opened) == count:
                    opened.append(sql.split()[0] + " " + sql.split()[2])
                result: Tx = first(sql, params)
                return result

            count = len(opened)
            setattr(tx, "execute", execute)  # noqa: B010 - a spy on this one transaction
            yield tx

    def transaction(*begin: str) -> AbstractContextManager[Tx]:
        return real(*begin) if begin else counted()  # a read (``read()``) counts no write

    monkeypatch.setattr(app.db, "transaction", transaction)
    return opened


def test_a_successful_login_writes_once_after_its_hash(app: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """The throttle's hit before the hash (so concurrent guesses cannot overrun
    it), then the give-back and the session in one transaction."""
    activated(app, imported(app, 41), "une-ecriture@exemple.fr")
    app.sessions.log_in("une-ecriture@exemple.fr", PASSWORD, ORIGIN)  # the first device: an event too
    opened = write_transactions(app, monkeypatch)
    logged_in = app.sessions.log_in("une-ecriture@exemple.fr", PASSWORD, ORIGIN)
    assert opened == ["DELETE throttle", "INSERT sessions"]  # the hit (and its sweep); the session and give-back
    assert app.sessions.current(logged_in.token) is not None
    throttle = app.sessions.throttle
    password, address = (throttle.standing(limit)[0] for limit in (
        *throttle.password("une-ecriture@exemple.fr"), *throttle.guesses_from(ORIGIN),
    ))
    assert (password, address) == (0, 0)  # forgotten, given back: as when they were separate writes


def test_a_wrong_password_writes_the_hit_only(app: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    activated(app, imported(app, 42), "mauvais@exemple.fr")
    opened = write_transactions(app, monkeypatch)
    with pytest.raises(Refused):
        app.sessions.log_in("mauvais@exemple.fr", "pas le bon", ORIGIN)
    assert opened == ["DELETE throttle"]
    throttle = app.sessions.throttle
    assert throttle.standing(throttle.guesses_from(ORIGIN)[0])[0] == 1


def test_a_password_change_takes_effect_at_the_next_login(app: Container) -> None:
    """The recent state of an identity is brought up to date at every read: the
    old password stops working at once."""
    person = activated(app, imported(app, 43), "change@exemple.fr")
    app.sessions.log_in("change@exemple.fr", PASSWORD)  # the identity is now among the recent states
    identity = app.directory.identity(person.id)
    assert identity is not None
    identity.change_password(app.passwords.rehash("Un tout autre mot de passe 43"))
    app.store.commit(identity)  # as any process would write it
    with pytest.raises(Refused) as refused:
        app.sessions.log_in("change@exemple.fr", PASSWORD)
    assert refused.value.code == "invalid_credentials"
    assert app.sessions.log_in("change@exemple.fr", "Un tout autre mot de passe 43").identity_id == person.id


def test_recent_states_are_copies(app: Container) -> None:
    person = activated(app, imported(app, 44), "copie@exemple.fr")
    digest = app.directory.email_digest("copie@exemple.fr")
    first = app.directory.holder(digest)
    assert first is not None and first.id == person.id
    first.email = "autre@exemple.fr"  # a caller's change, never committed
    again = app.directory.holder(digest)
    assert again is not None and again.email == "copie@exemple.fr"


def test_an_erasure_takes_effect_at_the_next_login(app: Container) -> None:
    """The claim released and the identity erased by the erasure's one write:
    the email logs no one in, though both were among the recent states."""
    person = activated(app, imported(app, 45), "efface@exemple.fr")
    app.sessions.log_in("efface@exemple.fr", PASSWORD)
    app.erasure.erase(person.id, "person")
    with pytest.raises(Refused) as refused:
        app.sessions.log_in("efface@exemple.fr", PASSWORD)
    assert refused.value.code == "invalid_credentials"
    assert app.directory.holder(app.directory.email_digest("efface@exemple.fr")) is None
