"""Passkeys over a real event store, answered by a software authenticator:
registered behind the password, used to sign in (two-step sign-in satisfied,
the device noted), each challenge once, a counter going back refused, removed
behind the password, in the history by name only, shredded at erasure."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pyotp
import pytest

from adapters.bootstrap import Container
from application.audit import state_view
from application.errors import Refused
from application.history import describe
from application.passkeys import CeremonyStart
from application.personal_data import ERASED
from application.sessions import SignInDevice
from tests.application.conftest import FakeClock
from tests.application.test_retention import PASSWORD, activated, app, imported, raw_store  # noqa: F401 - the fixture
from tests.softauthn import SoftAuthenticator, b64

EMAIL = "cles@exemple.fr"
NAME = "Téléphone de Camille"


@pytest.fixture
def authenticator(app: Container) -> SoftAuthenticator:  # noqa: F811
    return SoftAuthenticator(app.passkeys.origin)


def registered(app: Container, authenticator: SoftAuthenticator, person: Any = None, name: str = NAME) -> Any:  # noqa: F811
    """A passkey of ``person`` (a new active account by default) in ``authenticator``."""
    person = person or activated(app, imported(app, 60), EMAIL)
    start = app.passkeys.start_registration(person.id, PASSWORD, name)
    assert app.passkeys.finish_registration(person.id, start.token, authenticator.create(start.options), name) == name
    return person


def signed_in(app: Container, authenticator: SoftAuthenticator, **kwargs: Any) -> UUID:  # noqa: F811
    start = app.passkeys.start_sign_in()
    return app.passkeys.sign_in(start.token, authenticator.get(start.options), **kwargs).identity_id


def refused(call: Any, *args: object, **kwargs: object) -> Refused:
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_passkey_is_registered_then_signs_in_without_an_email(
    app: Container, authenticator: SoftAuthenticator  # noqa: F811
) -> None:
    person = registered(app, authenticator)
    [listed] = app.passkeys.listed(person.id)
    assert listed["name"] == NAME and listed["last_used_at"] is None
    options = json.loads(app.passkeys.start_sign_in().options)
    assert options["userVerification"] == "required" and options.get("allowCredentials", []) == []
    assert signed_in(app, authenticator) == person.id
    assert app.passkeys.listed(person.id)[0]["last_used_at"] is not None


def test_registration_asks_for_a_discoverable_verified_credential_and_the_password(
    app: Container, authenticator: SoftAuthenticator  # noqa: F811
) -> None:
    person = registered(app, authenticator)
    start = app.passkeys.start_registration(person.id, PASSWORD, "Ordinateur")
    options = json.loads(start.options)
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert [c["id"] for c in options["excludeCredentials"]] == [b64(authenticator.credentials[0].credential_id)]
    wrong = refused(app.passkeys.start_registration, person.id, "Faux-Secret-1", "Ordinateur")
    assert wrong.code == "invalid_credentials"
    assert refused(app.passkeys.start_registration, person.id, PASSWORD, " ").details["field"] == "name"
    for _ in range(4):
        refused(app.passkeys.start_registration, person.id, "Faux-Secret-1", "Ordinateur")
    assert refused(app.passkeys.start_registration, person.id, PASSWORD, "Ordinateur").code == "too_many_attempts"


def test_a_ceremony_serves_once_for_its_purpose_and_its_person(
    app: Container, authenticator: SoftAuthenticator  # noqa: F811
) -> None:
    person = registered(app, authenticator)
    start = app.passkeys.start_sign_in()
    answer = authenticator.get(start.options)
    assert app.passkeys.sign_in(start.token, answer).identity_id == person.id
    assert refused(app.passkeys.sign_in, start.token, answer).code == "invalid_passkey"  # spent
    other = app.passkeys.start_sign_in()
    assert refused(app.passkeys.sign_in, other.token, answer).code == "invalid_passkey"  # another challenge
    registration = app.passkeys.start_registration(person.id, PASSWORD, "Ordinateur")
    challenge = json.loads(registration.options)["challenge"]  # a registration's, signed as if for a sign-in
    answer = authenticator.get({"rpId": app.passkeys.rp_id, "challenge": challenge})
    assert refused(app.passkeys.sign_in, registration.token, answer).code == "invalid_passkey"
    stranger = activated(app, imported(app, 90), "autre@exemple.fr")
    mine = app.passkeys.start_registration(person.id, PASSWORD, "Ordinateur")
    theirs = SoftAuthenticator(authenticator.origin).create(mine.options)
    assert refused(app.passkeys.finish_registration, stranger.id, mine.token, theirs, "X").code == "invalid_passkey"


def test_a_ceremony_lives_five_minutes(app: Container, authenticator: SoftAuthenticator, clock: FakeClock) -> None:  # noqa: F811
    registered(app, authenticator)
    start = app.passkeys.start_sign_in()
    clock.advance(minutes=5, seconds=1)
    assert refused(app.passkeys.sign_in, start.token, authenticator.get(start.options)).code == "invalid_passkey"


def test_an_answer_from_another_origin_or_without_user_verification_is_refused(
    app: Container, authenticator: SoftAuthenticator  # noqa: F811
) -> None:
    registered(app, authenticator)
    start = app.passkeys.start_sign_in()
    elsewhere = SoftAuthenticator("https://imitation.example", credentials=authenticator.credentials)
    assert refused(app.passkeys.sign_in, start.token, elsewhere.get(start.options)).code == "invalid_passkey"
    start = app.passkeys.start_sign_in()
    authenticator.verifies_user = False
    assert refused(app.passkeys.sign_in, start.token, authenticator.get(start.options)).code == "invalid_passkey"
    for garbage in ("", "{}", "null", '{"id": "x", "rawId": "x", "type": "public-key", "response": {}}', "x" * 20000):
        assert refused(app.passkeys.sign_in, app.passkeys.start_sign_in().token, garbage).code == "invalid_passkey"


def test_a_counter_going_back_is_a_clone_and_refused(app: Container, authenticator: SoftAuthenticator) -> None:  # noqa: F811
    registered(app, authenticator)
    signed_in(app, authenticator)
    signed_in(app, authenticator)
    authenticator.credentials[0].sign_count = 0  # a copy of the key, made after its first use
    failure = refused(signed_in, app, authenticator)
    assert failure.code == "invalid_passkey" and "copiée" in failure.message


def test_an_authenticator_without_a_counter_signs_in_again_and_again(app: Container) -> None:  # noqa: F811
    synced = SoftAuthenticator(app.passkeys.origin, counting=False)
    person = registered(app, synced)
    assert signed_in(app, synced) == signed_in(app, synced) == person.id


def test_a_passkey_satisfies_two_step_sign_in_and_notes_a_new_device(
    app: Container, authenticator: SoftAuthenticator, clock: FakeClock  # noqa: F811
) -> None:
    person = registered(app, authenticator)
    secret = app.two_step.enrol(person.id, PASSWORD)["secret"]
    app.two_step.confirm(person.id, pyotp.TOTP(secret).at(clock.now()))
    assert refused(app.sessions.log_in, EMAIL, PASSWORD).code == "two_step_required"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
    device = SignInDevice("192.0.2.7", iphone, "cookie-2")
    assert signed_in(app, authenticator, device=device) == person.id
    kinds = [type(e).__name__ for e in app.store.stream(person.id)]
    assert kinds[-2:] == ["PasskeyUsed", "NewDeviceSignedIn"]


def test_removal_takes_the_password_and_ends_the_credential(app: Container, authenticator: SoftAuthenticator) -> None:  # noqa: F811
    person = registered(app, authenticator)
    [passkey] = app.passkeys.listed(person.id)
    assert refused(app.passkeys.remove, person.id, passkey["id"], "Faux-Secret-1").code == "invalid_credentials"
    assert refused(app.passkeys.remove, person.id, "inconnue", PASSWORD).code == "not_found"
    assert app.passkeys.remove(person.id, passkey["id"], PASSWORD) == NAME
    assert app.passkeys.listed(person.id) == []
    assert refused(signed_in, app, authenticator).code == "invalid_passkey"


def test_failed_sign_ins_count_per_client_address(app: Container, authenticator: SoftAuthenticator) -> None:  # noqa: F811
    registered(app, authenticator)
    for _ in range(20):
        assert refused(app.passkeys.sign_in, "perdu", "{}", origin="192.0.2.9").code == "invalid_passkey"
    assert refused(app.passkeys.sign_in, "perdu", "{}", origin="192.0.2.9").code == "too_many_attempts"
    assert refused(signed_in, app, authenticator, origin="192.0.2.9").code == "too_many_attempts"
    assert signed_in(app, authenticator, origin="192.0.2.10")


def test_the_history_names_the_passkey_and_erasure_shreds_the_name(
    app: Container, authenticator: SoftAuthenticator, clock: FakeClock  # noqa: F811
) -> None:
    person = registered(app, authenticator)
    signed_in(app, authenticator)
    [passkey] = app.passkeys.listed(person.id)
    app.passkeys.remove(person.id, passkey["id"], PASSWORD)
    registered(app, authenticator, person, name="Ordinateur du bureau")
    described = [describe(e) for e in app.store.stream(person.id)]
    words = [d["description"] for d in described]
    assert f"Clé d'accès ajoutée : {NAME}" in words and f"Connexion avec la clé d'accès {NAME}" in words
    assert f"Clé d'accès supprimée : {NAME}" in words
    dumped = json.dumps(described)
    assert not any(p in described[-1]["data"] for p in ("public_key", "credential_id", "sign_count"))
    assert not any(b64(c.credential_id) in dumped for c in authenticator.credentials)
    exported = app.export.export(person.id)
    assert [p["name"] for p in exported["passkeys"]] == ["Ordinateur du bureau"]
    now = app.directory.identity(person.id)
    assert now is not None and [p["name"] for p in state_view(now, clock.now())["passkeys"]] == ["Ordinateur du bureau"]
    assert NAME.encode() not in raw_store()  # sealed
    app.erasure.erase_mine(person.id, PASSWORD)
    names = [e.passkey_name for e in app.store.stream(person.id) if hasattr(e, "passkey_name")]
    assert names and set(names) == {ERASED}
    claim = app.directory.claim(app.directory.passkey_digest(b64(authenticator.credentials[-1].credential_id)))
    assert claim is not None and claim.owner is None
    assert refused(signed_in, app, authenticator).code == "invalid_passkey"


def test_the_options_are_json_for_the_browser(app: Container) -> None:  # noqa: F811
    start = app.passkeys.start_sign_in()
    assert isinstance(start, CeremonyStart) and json.loads(start.options)["rpId"] == app.passkeys.rp_id


def test_adding_and_removing_a_passkey_are_each_told_by_mail(app: Container, authenticator: SoftAuthenticator) -> None:  # noqa: F811
    """A change to how the person signs in is told to their address, so that
    whoever did not make it can act (two-step sign-in on and off the same way)."""
    person = registered(app, authenticator)
    app.passkeys.remove(person.id, app.passkeys.listed(person.id)[0]["id"], PASSWORD)
    app.followers["outbox"].catch_up()
    with app.db.read() as tx:
        rows = tx.execute("SELECT * FROM outbox WHERE kind = 'security_notice'", {}).all()
    compose = app.delivery.composer.compose
    bodies = [compose(dict(r, payload=json.loads(r["payload"]))).get_body(("plain",)) for r in rows]
    texts = [body.get_content() for body in bodies if body is not None]
    assert [r["recipient"] for r in rows] == [EMAIL, EMAIL]
    assert sorted(t.split(" le ")[0].split("\n")[-1] for t in texts) == [
        "Une clé d'accès a été ajoutée à votre compte", "Une clé d'accès a été supprimée de votre compte",
    ]
    assert all("/mot-de-passe-oublie" in t and NAME not in t for t in texts)
