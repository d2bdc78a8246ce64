"""The sign-out cascade: whatever ends a session — logout, a password change or
reset, an erasure, the person's own button — ends the client sign-ins made in
it, revokes their tokens, and queues a back-channel logout for each client
with a ``backchannel_logout_uri``; the person's history shows it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import Container
from application.backchannel_logout import KIND
from application.errors import Refused
from application.oidc.tokens import REFRESH
from domain.client_sign_in import ClientSignIn
from tests.application.conftest import FakeClock
from tests.application.test_retention import PASSWORD, activated, imported
from tests.e2e.logout_receiver import LogoutReceiver

NEW_PASSWORD = "Nouve@u-Secret-9"


@pytest.fixture
def app(app: Container) -> Container:
    app.start(("projections",))
    return app


class World:
    def __init__(self, app: Container, receiver: LogoutReceiver, clock: FakeClock) -> None:
        self.app = app
        self.clock = clock
        clients = app.relying_parties
        self.told = clients.add(
            "Extranet Dupont", ["https://extranet.test/cb"], backchannel_logout_uri=receiver.url
        ).client_id
        self.silent = clients.add("Appli mobile", ["https://mobile.test/cb"], public=True).client_id
        self.tokens = app.oidc_tokens
        self.person = activated(app, imported(app, 1), "connecte@exemple.fr")

    def log_in(self) -> tuple[str, Any]:
        logged_in = self.app.sessions.log_in("connecte@exemple.fr", PASSWORD)
        session = self.app.sessions.current(logged_in.token)
        assert session is not None and session.sid
        return logged_in.token, session

    def sign_in(self, session: Any, client_id: str) -> tuple[UUID, str]:
        """What the token endpoint leaves: a sign-in and its refresh token."""
        sign_in = ClientSignIn(
            self.person.id, client_id, "Extranet Dupont" if client_id == self.told else "Appli mobile", session.sid,
            str(self.person.accounts[0]), ["openid", "offline_access"], self.app.clock.now(),
        )
        self.app.store.commit(sign_in)
        value = self.tokens.new_value()
        self.tokens.save(self.tokens.record(
            value, REFRESH, sign_in.id, client_id, self.person.id, "openid offline_access", {}, timedelta(days=30),
        ))
        return sign_in.id, value

    def ended(self, sign_in_id: UUID) -> str | None:
        sign_in = self.app.store.find(ClientSignIn, sign_in_id)
        assert sign_in is not None
        return sign_in.signed_out

    def logouts(self) -> list[dict[str, Any]]:
        """The back-channel rows the outbox queued, after delivering them."""
        self.app.followers["outbox"].catch_up()
        with self.app.db.read() as tx:
            rows = [dict(r) for r in tx.execute("SELECT * FROM outbox WHERE kind = :k", {"k": KIND}).all()]
        self.clock.current = datetime.now(UTC)  # rows come due by the events' own times
        for row in rows:
            self.app.delivery.deliver(row["mail_id"])
        return rows


@pytest.fixture
def world(app: Container, receiver: LogoutReceiver, clock: FakeClock) -> World:
    clock.current = datetime.now(UTC)
    return World(app, receiver, clock)


def test_a_portal_logout_ends_the_sign_ins_of_that_session_only(world: World, receiver: LogoutReceiver) -> None:
    token, session = world.log_in()
    _, other_session = world.log_in()
    here, refresh = world.sign_in(session, world.told)
    elsewhere, other_refresh = world.sign_in(other_session, world.told)
    world.app.sessions.log_out(token)
    assert world.ended(here) == "logout" and world.ended(elsewhere) is None
    assert world.tokens.live(refresh, REFRESH) is None and world.tokens.live(other_refresh, REFRESH) is not None
    (row,) = world.logouts()
    assert row["recipient"] == receiver.url and row["status"] == "pending"
    assert len(receiver.received()) == 1


def test_a_password_change_ends_every_sign_in_and_tells_only_clients_that_asked(
    world: World, receiver: LogoutReceiver
) -> None:
    token, session = world.log_in()
    told, _ = world.sign_in(session, world.told)
    silent, refresh = world.sign_in(session, world.silent)
    world.app.account_settings.change_password(
        world.person.id, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, session.token_digest
    )
    assert world.ended(told) == world.ended(silent) == "password_changed"
    assert world.tokens.live(refresh, REFRESH) is None
    assert len(world.logouts()) == 1 and len(receiver.received()) == 1
    assert world.app.sessions.current(token) is not None  # the person's own session stays


def test_the_person_signs_out_of_one_application(world: World, clock: FakeClock) -> None:
    _, session = world.log_in()
    first, _ = world.sign_in(session, world.told)
    clock.advance(minutes=1)
    second, _ = world.sign_in(session, world.silent)
    listed = world.app.connected_apps.listed(world.person.id)
    assert [a["client_name"] for a in listed] == ["Appli mobile", "Extranet Dupont"]
    assert listed[0]["contract"] == "Bien de l'identifiant R001 · votre agence"  # named for the person (issue 16)
    world.app.sign_outs.sign_out(world.person.id, str(first))
    assert world.ended(first) == "person" and world.ended(second) is None
    assert [a["id"] for a in world.app.connected_apps.listed(world.person.id)] == [str(second)]
    with pytest.raises(Refused):
        world.app.sign_outs.sign_out(UUID(int=1), str(second))  # not theirs


def test_sign_ins_are_in_the_history_export_and_audit_but_not_in_the_identity_stream(
    world: World, clock: FakeClock
) -> None:
    token, session = world.log_in()
    clock.advance(minutes=1)
    world.sign_in(session, world.told)
    clock.advance(minutes=1)
    world.app.sessions.log_out(token)
    history = world.app.account_settings.history(world.person.id)
    assert [e["description"] for e in history[-2:]] == [
        "Connexion à l'application Extranet Dupont pour le bien : Bien de l'identifiant R001 · votre agence",
        "Déconnexion de l'application Extranet Dupont (déconnexion du portail)",
    ]
    assert world.app.export.export(world.person.id)["history"][-2:] == history[-2:]
    assert not any(type(e).__name__ in ("SignedIn", "SignedOut") for e in world.app.store.events.get(world.person.id))


def test_an_erasure_ends_every_sign_in_and_still_tells_the_client(world: World, receiver: LogoutReceiver) -> None:
    _, session = world.log_in()
    sign_in, refresh = world.sign_in(session, world.told)
    world.app.erasure.erase_mine(world.person.id, PASSWORD)
    assert world.ended(sign_in) == "erased" and world.tokens.live(refresh, REFRESH) is None
    (row,) = world.logouts()
    assert row["status"] == "pending" and len(receiver.received()) == 1


def test_ending_sessions_from_security_ends_their_sign_ins_and_keeps_this_ones(
    world: World, receiver: LogoutReceiver
) -> None:
    """« Sécurité » and ``/me/sessions`` (issue 14): each session lists the
    applications signed in through it; ending another one, or all the others,
    ends their sign-ins (back-channel told), never those of the session kept."""
    _, mine = world.log_in()
    _, phone = world.log_in()
    _, laptop = world.log_in()
    kept, kept_refresh = world.sign_in(mine, world.silent)
    on_phone, phone_refresh = world.sign_in(phone, world.told)
    on_laptop, _ = world.sign_in(laptop, world.told)
    listed = {s["id"]: s["applications"] for s in world.app.my_sessions.listed(mine)}
    assert listed == {mine.sid: ["Appli mobile"], phone.sid: ["Extranet Dupont"], laptop.sid: ["Extranet Dupont"]}
    world.app.my_sessions.end(mine, phone.sid)
    assert world.ended(on_phone) == "security_page" and world.tokens.live(phone_refresh, REFRESH) is None
    assert world.ended(on_laptop) is None and world.ended(kept) is None
    world.app.my_sessions.end_others(mine)
    assert world.ended(on_laptop) == "security_page"
    assert world.ended(kept) is None and world.tokens.live(kept_refresh, REFRESH) is not None
    assert [s["id"] for s in world.app.my_sessions.listed(mine)] == [mine.sid]
    assert len(world.logouts()) == 2 and len(receiver.received()) == 2
    history = [e["description"] for e in world.app.account_settings.history(world.person.id)]
    assert "Déconnexion de l'application Extranet Dupont (session fermée depuis « Sécurité »)" in history
    with pytest.raises(Refused):
        world.app.my_sessions.end(mine, phone.sid)  # already ended
