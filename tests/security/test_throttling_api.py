"""Throttling through a running server: codes, passwords, addresses, mail requests.

Two deployments: ``sesame`` with the real waits (a refusal and its
Retry-After), and ``counting`` with THROTTLE_DELAY_SCALE=0, where waits are
zero but counts and locks hold, so a test reaches a lock without sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.flows import PASSWORD, contract, log_in, person, provisional, start
from tests.e2e.harness import Sesame, link_token
from tests.security.conftest import deployment

NEW_PASSWORD = "Nouve@u-Secret-9"


@pytest.fixture(scope="module")
def counting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sesame]:
    yield from deployment(tmp_path_factory, THROTTLE_DELAY_SCALE="0")


def wrong_code(creds: dict[str, str]) -> dict[str, str]:
    code = creds["provisional_password"]
    return {**provisional(creds), "provisional_password": f"{(int(code) + 1) % 1_000_000:06d}"}


def throttled(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    body: dict[str, Any] = answer.json()
    assert body["error"] == "too_many_attempts" and body["message"]
    return body


def test_guessing_a_provisional_code_waits_after_three_tries(sesame: Sesame, origin: dict[str, str]) -> None:
    """ASVS 5.0 V6.3.1 and NIST SP 800-63B §5.2.2 (rate limiting): three wrong codes,
    then even the right one waits; the answer says how long (Retry-After)."""
    creds = contract(sesame)
    for _ in range(3):
        assert sesame.http.post("/activations", headers=origin, json=wrong_code(creds)).status_code == 401
    body = throttled(sesame.http.post("/activations", headers=origin, json=provisional(creds)))
    assert 50 <= body["retry_after"] <= 60


def test_a_code_locks_after_ten_tries_until_the_agency_issues_a_new_one(
    counting: Sesame, origin: dict[str, str]
) -> None:
    """ASVS 5.0 V6.3.1 and NIST SP 800-63B §5.2.2: a 6-digit code is locked well before
    25 guesses; only a new code from the agency (a re-import) lifts the lock."""
    creds = contract(counting)
    for _ in range(10):
        assert counting.http.post("/activations", headers=origin, json=wrong_code(creds)).status_code == 401
    locked = throttled(counting.http.post("/activations", headers=origin, json=provisional(creds)))
    assert "agence" in locked["message"]
    report = counting.import_rows(
        f"{creds['client_code']},{creds['company_code']},{creds['login_id']},424242,{creds['email']},Titulaire,tenant",
        name="new-code.csv",
    )
    assert report["updated"] == 1
    assert (
        counting.http.post(
            "/activations", headers=origin, json={**provisional(creds), "provisional_password": "424242"}
        ).status_code
        == 201
    )


def test_the_holder_of_an_open_activation_lifts_the_lock_by_resetting_it(
    counting: Sesame, origin: dict[str, str]
) -> None:
    """ASVS 5.0 V6.3.1: DELETE /activations/{activation} makes the provisional credentials
    work again, lock included: its caller proved the code before the lock."""
    creds = contract(counting)
    activation = start(counting, creds)
    for _ in range(10):
        counting.http.post("/activations", headers=origin, json=wrong_code(creds))
    throttled(counting.http.post("/activations", headers=origin, json=provisional(creds)))
    assert counting.http.delete(f"/activations/{activation}").status_code == 204
    assert counting.http.post("/activations", headers=origin, json=provisional(creds)).status_code == 201


def test_guessing_a_password_waits_after_five_tries_known_or_unknown(sesame: Sesame, origin: dict[str, str]) -> None:
    """ASVS 5.0 V6.3.1, NIST SP 800-63B §5.2.2: password guesses on one account are slowed;
    an unknown email is answered exactly the same way, so the limit tells nobody
    which emails have accounts (ASVS 5.0 V6.3.8)."""
    creds, _ = person(sesame)
    answers = {}
    for email in (creds["email"], "personne-" + creds["email"]):
        tries = [
            sesame.http.post("/sessions", headers=origin, json={"email": email, "password": "Mauvais-1!"})
            for _ in range(6)
        ]
        answers[email] = [(a.status_code, a.json()["error"]) for a in tries]
        throttled(tries[-1])
    assert (
        answers[creds["email"]]
        == answers["personne-" + creds["email"]]
        == [(401, "invalid_credentials")] * 5 + [(429, "too_many_attempts")]
    )
    refused = sesame.http.post(
        "/sessions", headers=origin, json={"email": creds["email"].upper(), "password": PASSWORD}
    )
    throttled(refused)  # the right password waits too, and case variants share the count


def test_many_accounts_from_one_address_are_slowed(sesame: Sesame, origin: dict[str, str]) -> None:
    """ASVS 5.0 V6.3.1 (credential stuffing): failures across many accounts from one
    client address are limited; another address is not affected."""
    for n in range(20):
        answer = sesame.http.post("/sessions", headers=origin, json={"email": f"cible{n}@exemple.fr", "password": "x"})
        assert answer.status_code == 401
    throttled(sesame.http.post("/sessions", headers=origin, json={"email": "cible99@exemple.fr", "password": "x"}))
    elsewhere = sesame.http.post(
        "/sessions", headers={"X-Forwarded-For": "203.0.113.200"}, json={"email": "cible99@exemple.fr", "password": "x"}
    )
    assert elsewhere.status_code == 401


def test_a_throttled_owner_gets_in_through_a_reset_link(sesame: Sesame, origin: dict[str, str]) -> None:
    """NIST SP 800-63B §5.2.2 (an account locked by guesses has a way back) and ASVS 5.0
    V6.4.x (recovery): the reset confirm is not throttled by the login count, and a
    successful reset clears it."""
    creds, _ = person(sesame)
    for _ in range(5):
        sesame.http.post("/sessions", headers=origin, json={"email": creds["email"], "password": "Mauvais-1!"})
    throttled(sesame.http.post("/sessions", headers=origin, json={"email": creds["email"], "password": PASSWORD}))
    assert sesame.http.post("/password-resets", headers=origin, json={"email": creds["email"]}).status_code == 202
    token = link_token(sesame.wait_for_mail(creds["email"], count=2), "/reset-password")
    confirm = {"token": token, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    assert sesame.http.post("/password-resets/confirm", headers=origin, json=confirm).status_code == 204
    log_in(sesame, creds["email"], NEW_PASSWORD)


def test_reset_requests_are_limited_per_account_known_or_not(sesame: Sesame, origin: dict[str, str]) -> None:
    """ASVS 5.0 V6.3.1 applied to mail: a reset link cannot be asked for without end,
    and an unknown account is limited the same way (no enumeration)."""
    creds, _ = person(sesame)
    for email in (creds["email"], "inconnu-" + creds["email"]):
        answers = [sesame.http.post("/password-resets", headers=origin, json={"email": email}) for _ in range(4)]
        assert [a.status_code for a in answers] == [202, 202, 202, 429]
        throttled(answers[-1])


def test_mail_requests_are_limited_per_address(sesame: Sesame, origin: dict[str, str]) -> None:
    """One client address cannot make the service mail many people: reset, resend and
    email-change requests share a per-address count."""
    for n in range(20):
        assert (
            sesame.http.post("/password-resets", headers=origin, json={"email": f"boite{n}@exemple.fr"}).status_code
            == 202
        )
    throttled(sesame.http.post("/password-resets", headers=origin, json={"email": "boite99@exemple.fr"}))


def test_resend_and_email_change_are_limited_per_account(sesame: Sesame, origin: dict[str, str]) -> None:
    """Three verification links per activation, the first one (choosing the password) included."""
    creds = contract(sesame)
    activation = start(sesame, creds)
    sesame.http.post(f"/activations/{activation}/email", json={"email": creds["email"]})
    sesame.http.post(
        f"/activations/{activation}/password",
        json={"password": PASSWORD, "password_confirmation": PASSWORD, "accept_terms": True},
    )
    resends = [sesame.http.post(f"/activations/{activation}/resend", headers=origin) for _ in range(3)]
    assert [a.status_code for a in resends] == [202, 202, 429]
    _, auth = person(sesame)
    changes = [
        sesame.http.post(
            "/me/email", headers={**auth, **origin}, json={"new_email": f"nouvelle{n}@exemple.fr", "password": PASSWORD}
        )
        for n in range(4)
    ]
    assert [a.status_code for a in changes] == [202, 202, 202, 429]


PASSWORD_CHECKS = {  # every call of a signed-in person that checks the current password: (method, path, body)
    "change password": (
        "POST",
        "/me/password",
        {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD},
    ),
    "change email": ("POST", "/me/email", {"new_email": "ailleurs@exemple.fr"}),
    "erase": ("DELETE", "/me", {}),
}
PASSWORD_FIELD = {"/me/password": "current_password"}


@pytest.mark.parametrize("check", PASSWORD_CHECKS)
def test_a_stolen_session_is_no_way_around_the_password_limit(
    counting: Sesame, origin: dict[str, str], check: str
) -> None:
    """ASVS 5.0 V6.3.1 (issue 19 finding 2 for DELETE /me): guessing the current password
    through a session counts on the same account as logging in, until the lock; then
    even the right password answers 429 and nothing happens."""
    creds, auth = person(counting)
    method, path, body = PASSWORD_CHECKS[check]
    field = PASSWORD_FIELD.get(path, "password")
    for _ in range(100):
        wrong = counting.http.request(
            method, path, headers={**auth, "X-Forwarded-For": "203.0.113.1"}, json={**body, field: "Mauvais-1!"}
        )
        assert wrong.status_code == 401, wrong.text
    throttled(counting.http.request(method, path, headers={**auth, **origin}, json={**body, field: PASSWORD}))
    throttled(counting.http.post("/sessions", headers=origin, json={"email": creds["email"], "password": PASSWORD}))
    assert counting.http.get("/me", headers=auth).json()["email"] == creds["email"]


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A client cannot escape the per-address limit by inventing X-Forwarded-For: uvicorn
    honours it only from FORWARDED_ALLOW_IPS (here a proxy that is not the client)."""
    for server in deployment(tmp_path_factory, FORWARDED_ALLOW_IPS="192.0.2.1"):
        for n in range(20):
            fake = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            assert (
                server.http.post(
                    "/sessions", headers=fake, json={"email": f"x{n}@exemple.fr", "password": "x"}
                ).status_code
                == 401
            )
        throttled(
            server.http.post(
                "/sessions",
                headers={"X-Forwarded-For": "203.0.113.99"},
                json={"email": "y@exemple.fr", "password": "x"},
            )
        )
