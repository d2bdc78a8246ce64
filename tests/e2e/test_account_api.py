"""Issue 4 through a running server: fusion, linking, default contract, password
change and reset, email change, terms, the person's history."""

from __future__ import annotations

from email.message import EmailMessage

from tests.e2e.flows import PASSWORD, activate, choose_password, contract, log_in, person, provisional, start
from tests.e2e.harness import Sesame, body_text, link_token, wait_until

NEW_PASSWORD = "Nouve@u-Secret-9"


def test_fusion_during_activation_with_the_same_email(sesame: Sesame) -> None:
    first, _ = person(sesame)
    second = contract(sesame, client="AG2", company="SOC2")  # another agency
    activation = start(sesame, second)
    proposed = sesame.http.post(f"/activations/{activation}/email", json={"email": first["email"]})
    assert proposed.json() == {"next": "link"}
    wrong = sesame.http.post(f"/activations/{activation}/link", json={"password": "Mauvais-1!"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_credentials"
    linked = sesame.http.post(f"/activations/{activation}/link", json={"password": PASSWORD})
    assert linked.status_code == 200 and linked.json() == {"linked": True}
    me = sesame.http.get("/me", headers=log_in(sesame, first["email"])).json()
    assert [a["login_id"] for a in me["accounts"]] == [first["login_id"], second["login_id"]]
    again = sesame.http.post("/activations", json=provisional(second))
    assert again.status_code == 409 and again.json()["error"] == "already_activated"
    notice = sesame.wait_for_mail(first["email"], count=2)
    assert "rattaché" in notice["Subject"]


def test_linking_from_the_session_and_its_refusals(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    other = contract(sesame)
    wrong = sesame.http.post(
        "/me/accounts", headers=auth, json={**provisional(other), "provisional_password": "000000"}
    )
    assert wrong.status_code == 401
    linked = sesame.http.post("/me/accounts", headers=auth, json=provisional(other))
    assert linked.status_code == 201 and linked.json()["login_id"] == other["login_id"]
    twice = sesame.http.post("/me/accounts", headers=auth, json=provisional(other))
    assert twice.status_code == 409 and twice.json()["error"] == "already_linked"
    own = sesame.http.post("/me/accounts", headers=auth, json=provisional(creds))
    assert own.status_code == 409 and own.json()["error"] == "already_linked"


def test_a_contract_owned_by_someone_else_is_never_taken_over(sesame: Sesame) -> None:
    alice, _ = person(sesame)
    _, bob_auth = person(sesame)
    answer = sesame.http.post("/me/accounts", headers=bob_auth, json=provisional(alice))
    assert answer.status_code == 409 and answer.json()["error"] == "already_activated"
    alice_me = sesame.http.get("/me", headers=log_in(sesame, alice["email"])).json()
    assert [a["login_id"] for a in alice_me["accounts"]] == [alice["login_id"]]


def test_an_unfinished_activation_of_the_contract_folds_into_the_session(sesame: Sesame) -> None:
    _, auth = person(sesame)
    other = contract(sesame)
    activation = start(sesame, other)  # someone (the person, elsewhere) began activating it
    assert sesame.http.post("/me/accounts", headers=auth, json=provisional(other)).status_code == 201
    assert sesame.http.post(f"/activations/{activation}/email", json={"email": "x@exemple.fr"}).status_code == 404


def test_default_contract_and_switching(sesame: Sesame) -> None:
    _, auth = person(sesame)
    other = contract(sesame)
    second_id = sesame.http.post("/me/accounts", headers=auth, json=provisional(other)).json()["id"]
    first_id = sesame.http.get("/me", headers=auth).json()["default_account"]
    assert first_id != second_id
    assert sesame.http.put("/me/default-account", headers=auth, json={"account": second_id}).status_code == 204
    assert sesame.http.get("/me", headers=auth).json()["default_account"] == second_id
    missing = sesame.http.put(
        "/me/default-account", headers=auth, json={"account": "00000000-0000-0000-0000-000000000000"}
    )
    assert missing.status_code == 404
    assert sesame.http.put("/me/default-account", headers=auth, json={"account": "pas-un-id"}).status_code == 404


def test_password_change_needs_the_current_one_and_ends_other_sessions(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    other_session = log_in(sesame, creds["email"])
    body = {"current_password": "Mauvais-1!", "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    assert sesame.http.post("/me/password", headers=auth, json=body).status_code == 401
    weak = sesame.http.post(
        "/me/password", headers=auth, json={**body, "current_password": PASSWORD, "new_password": "faible"}
    )
    assert weak.status_code == 422 and weak.json()["error"] == "weak_password"
    changed = sesame.http.post("/me/password", headers=auth, json={**body, "current_password": PASSWORD})
    assert changed.status_code == 204
    assert sesame.http.get("/me", headers=auth).status_code == 200
    assert sesame.http.get("/me", headers=other_session).status_code == 401
    assert sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD}).status_code == 401
    log_in(sesame, creds["email"], NEW_PASSWORD)
    notice = sesame.wait_for_mail(creds["email"], count=2)
    assert "modifié" in notice["Subject"]


def test_password_reset_by_email(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    first = sesame.http.post("/password-resets", json={"email": creds["email"]})
    unknown = sesame.http.post("/password-resets", json={"email": "inconnu@exemple.fr"})
    assert first.status_code == unknown.status_code == 202 and first.json() == unknown.json()
    token = link_token(sesame.wait_for_mail(creds["email"], count=2), "/reset-password")
    weak = sesame.http.post(
        "/password-resets/confirm", json={"token": token, "new_password": "x", "new_password_confirmation": "x"}
    )
    assert weak.status_code == 422
    body = {"token": token, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    assert sesame.http.post("/password-resets/confirm", json=body).status_code == 204
    assert sesame.http.get("/me", headers=auth).status_code == 401  # every session ended
    reused = sesame.http.post("/password-resets/confirm", json=body)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_token"
    log_in(sesame, creds["email"], NEW_PASSWORD)


def test_password_reset_by_login_id_and_agency_codes(sesame: Sesame) -> None:
    creds, _ = person(sesame)
    body = {"login_id": creds["login_id"], "client_code": creds["client_code"], "company_code": creds["company_code"]}
    assert sesame.http.post("/password-resets", json=body).status_code == 202
    assert "/reset-password?token=" in body_text(sesame.wait_for_mail(creds["email"], count=2))
    nobody = sesame.http.post("/password-resets", json={**body, "login_id": "PERSONNE"})
    assert nobody.status_code == 202
    incomplete = sesame.http.post("/password-resets", json={"login_id": creds["login_id"]})
    assert incomplete.status_code == 422


def test_a_newer_reset_link_supersedes_the_older(sesame: Sesame) -> None:
    creds, _ = person(sesame)
    sesame.http.post("/password-resets", json={"email": creds["email"]})
    old = link_token(sesame.wait_for_mail(creds["email"], count=2), "/reset-password")
    sesame.http.post("/password-resets", json={"email": creds["email"]})
    new = link_token(sesame.wait_for_mail(creds["email"], count=3), "/reset-password")
    body = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    assert sesame.http.post("/password-resets/confirm", json={**body, "token": old}).status_code == 400
    assert sesame.http.post("/password-resets/confirm", json={**body, "token": new}).status_code == 204


def test_a_mistyped_email_is_corrected_by_giving_the_provisional_credentials_again(sesame: Sesame) -> None:
    """Seed 001 §1.1.4: the person resumes the activation with the agency's code and
    proposes the right address; the link sent to the wrong one stops working."""
    creds = contract(sesame)
    activation = start(sesame, creds)
    sesame.http.post(f"/activations/{activation}/email", json={"email": "fote-de-frappe@exemple.fr"})
    choose_password(sesame, activation)
    wrong_link = link_token(sesame.wait_for_mail("fote-de-frappe@exemple.fr"), "/verify-email")
    activate(sesame, creds)
    assert sesame.http.post("/email-verifications", json={"token": wrong_link}).status_code == 400
    log_in(sesame, creds["email"])


def test_email_change_is_confirmed_from_the_new_address(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    new_email = "nouvelle-" + creds["email"]
    wrong = sesame.http.post("/me/email", headers=auth, json={"new_email": new_email, "password": "Mauvais-1!"})
    assert wrong.status_code == 401
    asked = sesame.http.post("/me/email", headers=auth, json={"new_email": new_email, "password": PASSWORD})
    assert asked.status_code == 202
    token = link_token(sesame.wait_for_mail(new_email), "/confirm-email")
    assert "nouvelle-" in body_text(sesame.wait_for_mail(creds["email"], count=2))  # the notice to the old address
    log_in(sesame, creds["email"])  # not yet changed
    assert sesame.http.post("/email-changes", json={"token": token}).json() == {"email": new_email}
    assert sesame.http.post("/email-changes", json={"token": token}).status_code == 400
    assert sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD}).status_code == 401
    assert sesame.http.get("/me", headers=log_in(sesame, new_email)).json()["email"] == new_email
    # the old address is free again: another person can take it
    other = contract(sesame, email=creds["email"])
    activate(sesame, other)


def test_an_email_held_by_another_account_is_refused(sesame: Sesame) -> None:
    alice, _ = person(sesame)
    _, bob_auth = person(sesame)
    answer = sesame.http.post("/me/email", headers=bob_auth, json={"new_email": alice["email"], "password": PASSWORD})
    assert answer.status_code == 409 and answer.json()["error"] == "email_taken"


def test_an_email_taken_between_request_and_confirmation_is_refused(sesame: Sesame) -> None:
    _, auth = person(sesame)
    wanted = contract(sesame)
    sesame.http.post("/me/email", headers=auth, json={"new_email": wanted["email"], "password": PASSWORD})
    token = link_token(sesame.wait_for_mail(wanted["email"]), "/confirm-email")
    activate(sesame, wanted)  # the address's real owner activates first
    taken = sesame.http.post("/email-changes", json={"token": token})
    assert taken.status_code == 409 and taken.json()["error"] == "email_taken"


def test_terms_version_is_recorded_and_accepting_an_unknown_one_is_refused(sesame: Sesame) -> None:
    _, auth = person(sesame)
    version = sesame.http.get("/me", headers=auth).json()["terms_version"]
    assert sesame.http.post("/me/terms", headers=auth, json={"version": version}).status_code == 204
    bad = sesame.http.post("/me/terms", headers=auth, json={"version": "1999-01-01"})
    assert bad.status_code == 422 and bad.json()["terms_version"] == version


def test_the_persons_history_in_plain_words_without_secrets(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    events = sesame.http.get("/me/history", headers=auth).json()["events"]
    kinds = [e["type"] for e in events]
    assert kinds == [
        "ActivationStarted", "EmailProposed", "PasswordSet", "TermsAccepted",
        "EmailVerificationRequested", "EmailVerified", "AccountLinked", "FirstDeviceSignedIn",  # the sign-in's device
    ]
    assert [e["position"] for e in events] == list(range(1, 9))
    assert "validée" in events[5]["description"]
    assert creds["login_id"] in events[6]["description"]
    flat = str(events)
    assert "argon2" not in flat and "nonce" not in flat and "digest" not in flat


# -- issue 19 finding 1: taking the account back evicts every pending link ---------

def reset_link(sesame: Sesame, email: str) -> str:
    """Ask for a reset link and return its token (other mails, such as notices, may
    arrive in between)."""
    def links() -> list[EmailMessage]:
        return [m for m in sesame.mails(email) if "/reset-password?token=" in body_text(m)]

    before = len(links())
    assert sesame.http.post("/password-resets", json={"email": email}).status_code == 202
    wait_until(lambda: len(links()) > before, f"a reset link to {email}")
    return link_token(links()[before], "/reset-password")


def change_email(sesame: Sesame, auth: dict[str, str], new_email: str) -> str:
    """Ask to move the login to ``new_email`` and return the confirmation link's token."""
    asked = sesame.http.post("/me/email", headers=auth, json={"new_email": new_email, "password": PASSWORD})
    assert asked.status_code == 202, asked.text
    return link_token(sesame.wait_for_mail(new_email), "/confirm-email")


def refused_link(answer) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_token", answer.text


def test_a_reset_by_the_victim_kills_the_attackers_email_change_link(sesame: Sesame) -> None:
    """The red team's takeover: someone who knows the password asks POST /me/email for
    their own address; the victim, warned, resets the password; the link is dead."""
    creds, _ = person(sesame)
    attacker = log_in(sesame, creds["email"])
    stolen = change_email(sesame, attacker, "attaquant-" + creds["email"])
    token = reset_link(sesame, creds["email"])
    body = {"token": token, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    assert sesame.http.post("/password-resets/confirm", json=body).status_code == 204
    refused_link(sesame.http.post("/email-changes", json={"token": stolen}))
    me = sesame.http.get("/me", headers=log_in(sesame, creds["email"], NEW_PASSWORD))
    assert me.json()["email"] == creds["email"]


def test_a_password_change_kills_earlier_reset_and_email_change_links(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    reset = reset_link(sesame, creds["email"])
    moved = change_email(sesame, auth, "ailleurs-" + creds["email"])
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    assert sesame.http.post("/me/password", headers=auth, json=body).status_code == 204
    again = {"token": reset, "new_password": "Autre-Secret-77", "new_password_confirmation": "Autre-Secret-77"}
    refused_link(sesame.http.post("/password-resets/confirm", json=again))
    refused_link(sesame.http.post("/email-changes", json={"token": moved}))
    log_in(sesame, creds["email"], NEW_PASSWORD)


def test_an_email_change_kills_an_earlier_reset_link(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    reset = reset_link(sesame, creds["email"])
    new_email = "nouvelle-" + creds["email"]
    assert sesame.http.post("/email-changes", json={"token": change_email(sesame, auth, new_email)}).status_code == 200
    body = {"token": reset, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    refused_link(sesame.http.post("/password-resets/confirm", json=body))
    log_in(sesame, new_email)
