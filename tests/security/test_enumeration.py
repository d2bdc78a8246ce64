"""No enumeration: an unknown account is answered like a wrong secret.

Through the server, the answers (status, body, headers) are compared byte for
byte. Time is compared the only way a test can without timing anything: the
unknown case must take the same path through the expensive step (one argon2id
verification of the same cost, one keyed digest of the code, one throttle
count). tests/security/timing_probe.py measures the distributions themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.bootstrap import Container, bootstrap
from application.activation import VERIFY_EMAIL
from application.config import Settings
from application.errors import Refused
from application.throttle import Limit
from tests.e2e.flows import contract, person, provisional
from tests.e2e.harness import Sesame


def same_answer(one: httpx.Response, other: httpx.Response) -> None:
    assert one.status_code == other.status_code
    assert one.content == other.content
    ignored = {"date", "content-length", "x-request-id"}  # per request, whoever asks
    assert {k: v for k, v in one.headers.items() if k not in ignored} == {
        k: v for k, v in other.headers.items() if k not in ignored
    }


def test_login_unknown_email_and_wrong_password_answer_alike(sesame: Sesame, origin: dict[str, str]) -> None:
    """ASVS 5.0 V6.3.8 (no account enumeration at login), NIST SP 800-63B §5.1.1.2."""
    creds, _ = person(sesame)
    wrong = sesame.http.post("/sessions", headers=origin, json={"email": creds["email"], "password": "Mauvais-1!"})
    unknown = sesame.http.post(
        "/sessions", headers=origin, json={"email": "x" + creds["email"], "password": "Mauvais-1!"}
    )
    assert wrong.status_code == 401
    same_answer(wrong, unknown)


def test_reset_of_an_unknown_account_answers_like_a_known_one(sesame: Sesame, origin: dict[str, str]) -> None:
    """ASVS 5.0 V6.3.8 and V6.4.x (recovery tells nobody who has an account)."""
    creds, _ = person(sesame)
    known = sesame.http.post("/password-resets", headers=origin, json={"email": creds["email"]})
    unknown = sesame.http.post("/password-resets", headers=origin, json={"email": "x" + creds["email"]})
    same_answer(known, unknown)
    by_login = {
        "login_id": creds["login_id"], "client_code": creds["client_code"], "company_code": creds["company_code"]
    }
    same_answer(
        sesame.http.post("/password-resets", headers=origin, json=by_login),
        sesame.http.post("/password-resets", headers=origin, json={**by_login, "login_id": "PERSONNE"}),
    )


def test_activation_unknown_login_id_and_wrong_code_answer_alike(sesame: Sesame, origin: dict[str, str]) -> None:
    """ASVS 5.0 V6.3.8 on the agency-issued credentials."""
    creds = contract(sesame)
    wrong = sesame.http.post(
        "/activations", headers=origin, json={**provisional(creds), "provisional_password": "000000"}
    )
    nobody = {**provisional(creds), "login_id": "PERSONNE", "provisional_password": "000000"}
    unknown = sesame.http.post("/activations", headers=origin, json=nobody)
    assert wrong.status_code == 401
    same_answer(wrong, unknown)


# -- the same path, step by step ------------------------------------------------


class SpyHasher:
    """Records which hash each verification ran against (its parameters)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.verified: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash.rsplit("$", 2)[0])  # $argon2id$v=19$m=...,t=...,p=...
        return bool(self.real.verify(password_hash, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def container(workdir: Path) -> Iterator[Container]:
    services = bootstrap(Settings.from_env(os.environ))
    yield services
    services.stop()


def pending_person(container: Container, email: str, password: str, login_id: str = "L1") -> str:
    """Import and activate up to the emailed proof, through the use cases; the activation token."""
    row = {"client_code": "AG", "company_code": "SO", "login_id": login_id, "provisional_password": "123456",
           "email": email, "holder_name": "Jean Dupont", "role": "tenant"}
    container.importer.run([(1, row)])
    activation: str = container.activation.start("AG", "SO", login_id, "123456")["activation"]
    container.activation.propose_email(activation, email)
    container.activation.choose_password(activation, password, password, True)
    return activation


def active_person(container: Container, email: str, password: str) -> None:
    """Import, activate and verify through the use cases (the token minted as the mail would)."""
    activation = pending_person(container, email, password)
    keys = container.directory.keys
    identity = container.directory.identity(keys.owner_of(activation))
    assert identity is not None and identity.verification is not None
    container.activation.verify_email(keys.mint(VERIFY_EMAIL, identity.id, identity.verification.nonce))


def test_login_verifies_one_hash_of_the_same_cost_known_or_not(container: Container) -> None:
    """NIST SP 800-63B §5.1.1.2 and ASVS 5.0 V6.3.8: an unknown email costs one argon2id
    verification with the real parameters, like a wrong password, and one throttle count."""
    active_person(container, "jean@exemple.fr", "Tr3s-Secret!")
    spy = SpyHasher(container.passwords.hasher)
    container.passwords.hasher = spy
    for email in ("jean@exemple.fr", "personne@exemple.fr"):
        with pytest.raises(Refused) as refused:
            container.sessions.log_in(email, "Mauvais-1!")
        assert refused.value.code == "invalid_credentials"
    known, unknown = spy.verified
    assert known == unknown and known.startswith("$argon2id$")


def test_login_verifies_exactly_one_hash_on_every_path(container: Container) -> None:
    """Issue 19 finding 6 (ASVS 5.0 V6.3.8): an email whose activation awaits its proof
    took a second argon2id check (58 ms against 29 ms for an unknown one). Every path,
    right or wrong password, known, pending or unknown email, verifies one hash."""
    active_person(container, "jean@exemple.fr", "Tr3s-Secret!")
    pending_person(container, "paul@exemple.fr", "Aut4e-Secret!", login_id="L2")
    container.followers["profile"].catch_up()  # the read model that knows pending activations
    spy = SpyHasher(container.passwords.hasher)
    container.passwords.hasher = spy
    paths = {
        ("jean@exemple.fr", "Mauvais-1!"): "invalid_credentials",
        ("paul@exemple.fr", "Mauvais-1!"): "invalid_credentials",
        ("personne@exemple.fr", "Mauvais-1!"): "invalid_credentials",
        ("pas-un-email", "Mauvais-1!"): "invalid_credentials",
        ("paul@exemple.fr", "Aut4e-Secret!"): "email_not_verified",
    }
    for (email, password), code in paths.items():
        spy.verified.clear()
        with pytest.raises(Refused) as refused:
            container.sessions.log_in(email, password)
        assert (refused.value.code, len(spy.verified)) == (code, 1), email
    spy.verified.clear()
    container.sessions.log_in("jean@exemple.fr", "Tr3s-Secret!")
    assert len(spy.verified) == 1


def test_activation_does_the_same_work_for_an_unknown_login_id(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ASVS 5.0 V6.3.8: a login id that does not exist goes through the same keyed
    digests and the same throttle count as a wrong code."""
    active_person(container, "jean@exemple.fr", "Tr3s-Secret!")
    keys = container.directory.keys
    purposes: list[str] = []
    real_digest = keys.digest

    def digest(purpose: str, *parts: str) -> str:
        purposes.append(purpose)
        return real_digest(purpose, *parts)

    monkeypatch.setattr(keys, "digest", digest)
    counted: list[int] = []
    real_hit = container.activation.throttle.store.hit

    def hit(limits: Sequence[Limit], now: datetime) -> list[timedelta]:
        counted.append(len(limits))
        return real_hit(limits, now)

    monkeypatch.setattr(container.activation.throttle.store, "hit", hit)
    paths = []
    for login_id in ("L1", "PERSONNE"):
        purposes.clear()
        with pytest.raises(Refused) as refused:
            container.activation.start("AG", "SO", login_id, "000000", "192.0.2.10")
        assert refused.value.code == "invalid_credentials"
        paths.append(list(purposes))
    assert paths[0] == paths[1]
    assert counted == [2, 2]  # the contract's code and the address, both times
