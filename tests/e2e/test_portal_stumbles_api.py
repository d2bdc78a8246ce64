"""What issue 16 changed in the JSON API, on a running ``sesame serve``: codes
in any case, every problem at once in ``fields``, French messages only, and
the notices' additions (``same_password``, a resend before verification)."""

from __future__ import annotations

from tests.e2e.flows import PASSWORD, address_of, awaiting_verification, contract, person, start
from tests.e2e.harness import Sesame


def test_codes_in_any_case_and_with_spaces_open_the_activation(sesame: Sesame) -> None:
    creds = contract(sesame)
    typed = {
        "client_code": f" {creds['client_code'].lower()}",
        "company_code": creds["company_code"].lower(),
        "login_id": creds["login_id"].lower() + " ",
        "provisional_password": creds["provisional_password"],
    }
    answer = sesame.http.post("/activations", headers=address_of(creds["login_id"]), json=typed)
    assert answer.status_code == 201, answer.text


def test_the_password_step_answers_every_problem_in_fields_and_keeps_its_one_error(sesame: Sesame) -> None:
    creds = contract(sesame)
    activation = start(sesame, creds)
    sesame.http.post(
        f"/activations/{activation}/email", headers=address_of(creds["login_id"]), json={"email": creds["email"]}
    )
    answer = sesame.http.post(
        f"/activations/{activation}/password",
        headers=address_of(activation),
        json={"password": "abc", "password_confirmation": "abd", "accept_terms": False},
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "terms_not_accepted" and body["message"]
    assert [(f["field"], f["error"]) for f in body["fields"]] == [
        ("accept_terms", "terms_not_accepted"),
        ("password", "weak_password"),
        ("password_confirmation", "password_mismatch"),
    ]
    assert "uppercase" in body["criteria"]


def test_a_refused_address_is_explained_in_french(sesame: Sesame) -> None:
    creds = contract(sesame)
    activation = start(sesame, creds)
    answer = sesame.http.post(
        f"/activations/{activation}/email", headers=address_of(creds["login_id"]), json={"email": "jean@exemple"}
    )
    assert answer.status_code == 422 and answer.json()["error"] == "invalid_email"
    assert answer.json()["message"] == (
        "Adresse email invalide : le domaine après le signe @ doit comporter un point (par exemple exemple.fr)."
    )


def test_a_new_password_equal_to_the_current_one_is_refused(sesame: Sesame) -> None:
    _, headers = person(sesame)
    same = sesame.http.post(
        "/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": PASSWORD, "new_password_confirmation": PASSWORD},
    )
    assert same.status_code == 422 and same.json()["error"] == "same_password"
    assert same.json()["message"] == "Choisissez un mot de passe différent de l'actuel."
    wrong = sesame.http.post(
        "/me/password",
        headers=headers,
        json={"current_password": "Mauvais-1!", "new_password": "court", "new_password_confirmation": "court"},
    )
    assert wrong.status_code == 401 and wrong.json()["message"] == "Mot de passe actuel incorrect."
    assert [f["field"] for f in wrong.json()["fields"]] == ["current_password", "new_password"]


def test_signing_in_before_the_link_gives_the_activation_to_resend_it(sesame: Sesame) -> None:
    creds = contract(sesame)
    awaiting_verification(sesame, creds)
    refused = sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"] == "email_not_verified"
    activation = refused.json()["activation"]
    assert sesame.http.post(f"/activations/{activation}/resend", headers=address_of(activation)).status_code == 202
    sesame.wait_for_mail(creds["email"], count=2)
    wrong = sesame.http.post("/sessions", json={"email": creds["email"], "password": "Mauvais-1!"})
    assert wrong.status_code == 401 and "activation" not in wrong.json()
    assert wrong.json()["message"] == "Adresse email ou mot de passe incorrect."
