"""A person's sessions (issue 14): the last use written at most once a minute,
expired sessions never listed, and erasure leaving no device or address behind."""

from __future__ import annotations

from adapters.bootstrap import Container
from application.sessions import SignInDevice
from tests.application.conftest import FakeClock
from tests.application.test_retention import PASSWORD, activated, imported

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_the_last_use_moves_at_most_once_a_minute(app: Container, clock: FakeClock) -> None:
    activated(app, imported(app, 41), "usage@exemple.fr")
    token = app.sessions.log_in(
        "usage@exemple.fr", PASSWORD, "192.0.2.7", True, SignInDevice("192.0.2.7", IPHONE)
    ).token
    opened = app.sessions.current(token)
    assert opened is not None and opened.device == "Safari sur iPhone" and opened.ip == "192.0.2.7"
    clock.advance(seconds=30)
    assert app.sessions.current(token).last_seen_at == opened.last_seen_at  # type: ignore[union-attr]
    clock.advance(seconds=31)
    app.sessions.current(token)
    seen = app.sessions.current(token)
    assert seen is not None and seen.last_seen_at == clock.now() and seen.idle_until > opened.idle_until  # type: ignore[operator]


def test_expired_sessions_are_not_listed(app: Container, clock: FakeClock) -> None:
    activated(app, imported(app, 42), "expire@exemple.fr")
    idle = app.sessions.log_in("expire@exemple.fr", PASSWORD, None, True)
    api = app.sessions.log_in("expire@exemple.fr", PASSWORD)
    clock.advance(hours=1)  # the portal session's 30 minutes unused are over
    current = app.sessions.current(api.token)
    assert current is not None and app.sessions.current(idle.token) is None
    assert [s["current"] for s in app.my_sessions.listed(current)] == [True]


def test_erasure_deletes_the_devices_and_addresses(app: Container) -> None:
    person = activated(app, imported(app, 43), "efface@exemple.fr")
    app.sessions.log_in("efface@exemple.fr", PASSWORD, "192.0.2.8")
    app.sessions.log_in("efface@exemple.fr", PASSWORD, "192.0.2.9", False, SignInDevice("192.0.2.9", IPHONE))
    app.erasure.erase(person.id, "person")
    with app.db.read() as tx:
        assert tx.execute("SELECT count(*) AS n FROM session_device").one()["n"] == 0
    words = [e["description"] for e in app.account_settings.history(person.id) if "appareil" in e["description"]]
    assert words and all("Safari" not in w and "192.0.2" not in w for w in words), words
