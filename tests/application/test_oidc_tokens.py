"""Codes, tokens, sign-ins and signing keys over a real store (SQLite)."""

from __future__ import annotations

import base64
import threading
from uuid import UUID, uuid4

import pytest

from adapters.bootstrap import Container
from application.errors import Conflict
from application.oidc.sign_ins import Person
from application.oidc.tokens import ACCESS, CODE, REFRESH, TokenRecord
from application.ports import Writes
from domain.client_sign_in import ClientSignIn
from tests.application.conftest import FakeClock


def issue(app: Container, kind: str, sign_in: UUID | None = None, value: str | None = None) -> tuple[str, TokenRecord]:
    tokens = app.oidc_tokens
    value = value or tokens.new_value()
    record = tokens.record(value, kind, sign_in or uuid4(), "client-1", uuid4(), "openid", {}, tokens.access_lifetime)
    tokens.save(record)
    return value, record


def test_only_digests_of_codes_and_tokens_are_stored(app: Container) -> None:
    value, _ = issue(app, ACCESS)
    with app.db.read() as tx:
        rows = [dict(row) for row in tx.execute("SELECT * FROM oidc_tokens").all()]
    assert rows and value not in str(rows)


def test_a_code_is_spent_once_and_a_second_use_revokes_its_sign_in(app: Container) -> None:
    tokens, sign_in = app.oidc_tokens, uuid4()
    code, _ = issue(app, CODE, sign_in)
    access, _ = issue(app, ACCESS, sign_in)
    assert tokens.spend(code, "client-1", CODE) is not None
    assert tokens.live(access, ACCESS) is not None
    assert tokens.spend(code, "client-1", CODE) is None
    assert tokens.live(access, ACCESS) is None
    later, _ = issue(app, ACCESS, sign_in)  # saved after the revocation (a racing redemption): dead too
    assert tokens.live(later, ACCESS) is None


def test_another_clients_code_is_not_spent(app: Container) -> None:
    tokens = app.oidc_tokens
    code, _ = issue(app, CODE)
    assert tokens.spend(code, "client-2", CODE) is None
    assert tokens.spend(code, "client-1", CODE) is not None


def test_of_two_racing_refreshes_one_wins_and_the_sign_in_is_revoked(app: Container) -> None:
    tokens, sign_in = app.oidc_tokens, uuid4()
    refresh, _ = issue(app, REFRESH, sign_in)
    won = []
    threads = [
        threading.Thread(target=lambda: won.append(tokens.spend(refresh, "client-1", REFRESH))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for record in won if record is not None) <= 1
    _, record = issue(app, ACCESS, sign_in)
    assert tokens.store.get(record.digest).revoked  # type: ignore[union-attr]


def test_a_rotation_spends_and_saves_in_one_transaction_and_the_loser_of_a_race_saves_nothing(
    app: Container,
) -> None:
    tokens, sign_in = app.oidc_tokens, uuid4()
    refresh, _ = issue(app, REFRESH, sign_in)
    presented = [tokens.presented(refresh, "client-1", REFRESH) for _ in range(2)]  # two requests read it
    new = [
        tokens.record(tokens.new_value(), REFRESH, sign_in, "client-1", uuid4(), "openid", {}, tokens.access_lifetime)
        for _ in presented
    ]
    assert presented[0] is not None and presented[1] is not None
    assert tokens.exchange(presented[0], new[0])
    assert tokens.store.get(new[0].digest) is not None
    assert not tokens.exchange(presented[1], new[1])  # spent meanwhile: a reuse
    assert tokens.store.get(new[1].digest) is None
    assert tokens.store.get(new[0].digest).revoked  # type: ignore[union-attr]


def test_expired_tokens_are_not_live_and_the_retention_sweep_forgets_them(app: Container, clock: FakeClock) -> None:
    value, record = issue(app, ACCESS)
    clock.advance(minutes=11)
    assert app.oidc_tokens.live(value, ACCESS) is None
    app.retention.sweep()
    assert app.oidc_tokens.store.get(record.digest) is None


def test_a_code_and_its_sign_in_are_written_in_one_transaction(app: Container) -> None:
    person = Person(uuid4(), "sid-1", 1_700_000_000, "contract-1")
    party = app.relying_parties.find(app.relying_parties.add("Extranet", ["https://ex.test/cb"]).client_id)
    assert party is not None
    tokens = app.oidc_tokens
    _, record = issue(app, CODE)

    def duplicate(sign_in_id: UUID) -> Writes:
        return tokens.writes(record)  # the same digest again: the insert fails

    with pytest.raises(Conflict):
        app.oidc.sign_ins.start(person, party, ["openid"], duplicate)
    assert not [n for n in app.store.recorder.select_notifications(1, 100) if "ClientSignIn" in n.topic]
    fresh = tokens.new_value()
    sign_in_id = app.oidc.sign_ins.start(
        person,
        party,
        ["openid"],
        lambda i: tokens.writes(
            tokens.record(fresh, CODE, i, str(party.id), person.identity_id, "openid", {}, tokens.access_lifetime)
        ),
    )
    assert app.store.find(ClientSignIn, sign_in_id) is not None
    assert tokens.spend(fresh, str(party.id), CODE).sign_in_id == sign_in_id  # type: ignore[union-attr]


def test_private_signing_keys_are_sealed_and_rotation_keeps_the_old_key_published(
    app: Container, clock: FakeClock
) -> None:
    keys = app.signing_keys
    keys.ensure()
    first = keys.current()
    with app.db.read() as tx:
        row = dict(tx.execute("SELECT * FROM oidc_signing_keys").one())
    pem = first.as_pem(private=True)
    assert b"PRIVATE" not in base64.b64decode(row["sealed"]) and pem not in base64.b64decode(row["sealed"])
    assert '"d"' not in row["public_jwk"]
    clock.advance(minutes=1)
    new_kid = keys.rotate()
    assert keys.current().kid == new_kid != first.kid
    assert [k["kid"] for k in keys.public_jwks()["keys"]] == [new_kid, first.kid]
    clock.advance(hours=1, minutes=1)
    assert [k["kid"] for k in keys.public_jwks()["keys"]] == [new_kid]


def test_the_first_key_is_created_once_by_racing_processes(app: Container) -> None:
    threads = [threading.Thread(target=app.signing_keys.ensure) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(app.signing_keys.store.all()) == 1
