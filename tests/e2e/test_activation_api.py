"""The activation spine through the JSON API of a running ``sesame serve``.

A person imported by CSV activates, verifies by the emailed link and logs in;
then the provisional credentials answer 409, wrong ones 401 whether or not the
login id exists.
"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.flows import PASSWORD, activate, awaiting_verification, contract, log_in, start
from tests.e2e.harness import Sesame, body_text, link_token


def test_a_person_activates_verifies_and_logs_in(sesame: Sesame) -> None:
    creds = contract(sesame)
    started = sesame.http.post("/activations", json={k: v for k, v in creds.items() if k != "email"})
    assert started.status_code == 201
    assert started.json()["suggested_email"] == creds["email"]
    assert started.json()["holder_name"].startswith("Titulaire")
    activation = started.json()["activation"]

    assert sesame.http.post(f"/activations/{activation}/email", json={"email": creds["email"].upper()}).json() == {
        "next": "password"
    }
    answer = sesame.http.post(
        f"/activations/{activation}/password",
        json={"password": PASSWORD, "password_confirmation": PASSWORD, "accept_terms": True},
    )
    assert answer.status_code == 202
    assert answer.json() == {"next": "verify_email", "email": creds["email"]}

    message = sesame.wait_for_mail(creds["email"])
    assert "Validez votre adresse email" in message["Subject"]
    assert message.is_multipart() and {p.get_content_type() for p in message.walk()} >= {"text/plain", "text/html"}
    token = link_token(message, "http://portal.test/verify-email")
    page = httpx_get(sesame, f"/verify-email?token={token}")
    assert page.status_code == 200 and "Valider mon email" in page.text  # opening the link consumes nothing

    assert sesame.http.post("/email-verifications", json={"token": token}).json() == {"email": creds["email"]}
    me = sesame.http.get("/me", headers=log_in(sesame, creds["email"]))
    assert me.status_code == 200
    profile = me.json()
    assert profile["email"] == creds["email"]
    assert [a["login_id"] for a in profile["accounts"]] == [creds["login_id"]]
    assert profile["default_account"] == profile["accounts"][0]["id"]
    assert profile["terms_version"]
    assert profile["accounts"][0]["role"] == "tenant"


def httpx_get(sesame: Sesame, path: str) -> httpx.Response:
    return httpx.get(sesame.url + path)


def test_provisional_credentials_answer_409_once_activated(sesame: Sesame) -> None:
    creds = contract(sesame)
    activate(sesame, creds)
    again = sesame.http.post("/activations", json={k: v for k, v in creds.items() if k != "email"})
    assert again.status_code == 409 and again.json()["error"] == "already_activated"


@pytest.mark.parametrize("login_id", ["AG1L0001", "NOBODY"])
def test_wrong_credentials_answer_401_whether_the_login_exists_or_not(sesame: Sesame, login_id: str) -> None:
    answer = sesame.http.post(
        "/activations",
        json={"client_code": "AG1", "company_code": "SOC1", "login_id": login_id, "provisional_password": "99999x"},
    )
    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid_credentials", "message": "Identifiant ou mot de passe incorrect."}


def test_a_used_or_unknown_link_is_invalid(sesame: Sesame) -> None:
    creds = contract(sesame)
    done = activate(sesame, creds)
    for token in (done["token"], "x" * 65, "garbage"):
        answer = sesame.http.post("/email-verifications", json={"token": token})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_token"


def test_a_resend_supersedes_the_earlier_link(sesame: Sesame) -> None:
    creds = contract(sesame)
    activation, first = awaiting_verification(sesame, creds)
    assert sesame.http.post(f"/activations/{activation}/resend").status_code == 202
    second = link_token(sesame.wait_for_mail(creds["email"], count=2), "/verify-email")
    assert first != second
    assert sesame.http.post("/email-verifications", json={"token": first}).status_code == 400
    assert sesame.http.post("/email-verifications", json={"token": second}).status_code == 200


def test_a_reset_activation_kills_the_links_and_frees_the_credentials(sesame: Sesame) -> None:
    creds = contract(sesame)
    activation, link = awaiting_verification(sesame, {**creds, "email": "faute@exemple.fr"})
    assert sesame.http.delete(f"/activations/{activation}").status_code == 204
    assert sesame.http.post("/email-verifications", json={"token": link}).status_code == 400
    assert sesame.http.post(f"/activations/{activation}/email", json={"email": creds["email"]}).status_code == 404
    activate(sesame, creds)  # the provisional credentials work again
    log_in(sesame, creds["email"])


def test_the_password_step_refuses_with_the_contracts_codes(sesame: Sesame) -> None:
    creds = contract(sesame)
    activation = start(sesame, creds)
    sesame.http.post(f"/activations/{activation}/email", json={"email": creds["email"]})
    cases = [
        ({"password": "abc", "password_confirmation": "abc", "accept_terms": True}, "weak_password"),
        ({"password": PASSWORD, "password_confirmation": PASSWORD + "x", "accept_terms": True}, "password_mismatch"),
        ({"password": PASSWORD, "password_confirmation": PASSWORD, "accept_terms": False}, "terms_not_accepted"),
        ({"password": PASSWORD, "password_confirmation": PASSWORD}, "terms_not_accepted"),
    ]
    for body, code in cases:
        answer = sesame.http.post(f"/activations/{activation}/password", json=body)
        assert answer.status_code == 422 and answer.json()["error"] == code, answer.text
    weak = sesame.http.post(f"/activations/{activation}/password", json=cases[0][0]).json()
    assert weak["criteria"] == ["min_length", "uppercase", "digit", "special"]


def test_an_invalid_email_is_refused(sesame: Sesame) -> None:
    activation = start(sesame, contract(sesame))
    for bad in ("pas-un-email", "", 42, None, "a@" + "b" * 300 + ".fr"):
        answer = sesame.http.post(f"/activations/{activation}/email", json={"email": bad})
        assert answer.status_code == 422 and answer.json()["error"] == "invalid_email"


def test_login_before_verification_says_so_and_wrong_passwords_do_not(sesame: Sesame) -> None:
    creds = contract(sesame)
    awaiting_verification(sesame, creds)
    pending = sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD})
    assert pending.status_code == 403 and pending.json()["error"] == "email_not_verified"
    wrong = sesame.http.post("/sessions", json={"email": creds["email"], "password": "Mauvais-1!"})
    unknown = sesame.http.post("/sessions", json={"email": "personne@exemple.fr", "password": "Mauvais-1!"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_logout_ends_the_session(sesame: Sesame) -> None:
    creds = contract(sesame)
    activate(sesame, creds)
    auth = log_in(sesame, creds["email"])
    assert sesame.http.delete("/sessions/current", headers=auth).status_code == 204
    assert sesame.http.get("/me", headers=auth).status_code == 401
    assert sesame.http.get("/me").json()["error"] == "unauthenticated"


def test_the_mail_is_french_with_the_public_link(sesame: Sesame) -> None:
    creds = contract(sesame)
    awaiting_verification(sesame, creds)
    text = body_text(sesame.wait_for_mail(creds["email"]))
    assert "Bonjour" in text and "http://portal.test/verify-email?token=" in text


def test_healthz_and_unknown_routes(sesame: Sesame) -> None:
    health = httpx_get(sesame, "/healthz")
    assert health.status_code == 200 and health.json()["database"] == "ok"
    missing = sesame.http.get("/nowhere")
    assert missing.status_code == 404 and set(missing.json()) == {"error", "message"}
