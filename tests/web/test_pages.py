"""Each portal page through Starlette's test client (issue 8): what it shows,
what its form does, and where each refusal lands."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from application import terms
from tests.web.conftest import NEW_PASSWORD, PASSWORD, Portal


def error_of(html: str, field: str) -> str:
    match = re.search(rf'id="f-{field}-error"><span class="sr-only">Erreur : </span>(.*?)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def alert(html: str) -> str:
    match = re.search(r'class="alert alert-error error-summary".*?<p class="summary-form">(.*?)</p>', html, re.S)
    assert match, "no error at the top of the form"
    return match.group(1)


def test_welcome_offers_the_three_choices_and_carries_the_agency_codes(portal: Portal) -> None:
    html = portal.client.get("/?client=AG1&societe=SOC1").text
    for choice in ("J'ai déjà un compte", "Je n'ai pas de compte", "Je fusionne mes comptes"):
        assert choice in html
    assert 'href="/activation?client=AG1&amp;societe=SOC1"' in html
    assert 'lang="fr"' in html and "Besoin d'aide pour se connecter ?" in html


def test_login_keeps_the_agency_codes_and_what_was_typed_but_not_the_password(portal: Portal) -> None:
    page = portal.client.get("/login?client=AG1&societe=SOC1").text
    assert 'name="client" value="AG1"' in page and 'href="/mot-de-passe-oublie?client=AG1&amp;societe=SOC1"' in page
    empty = portal.submit("/login", email="", password="")
    assert empty.status_code == 422 and error_of(empty.text, "email") == "Indiquez votre adresse email."
    wrong = portal.submit("/login", email="inconnu@exemple.fr", password="Secret-123!", client="AG1", societe="SOC1")
    assert wrong.status_code == 401 and alert(wrong.text) == "Adresse email ou mot de passe incorrect."  # issue 16
    assert 'value="inconnu@exemple.fr"' in wrong.text and "Secret-123!" not in wrong.text
    assert 'name="client" value="AG1"' in wrong.text  # the codes stay in the page


def test_login_before_the_emailed_link_says_so(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    answer = portal.submit("/login", email=creds["email"], password=PASSWORD)
    assert answer.status_code == 403 and "lien reçu" in alert(answer.text)


def test_activation_steps_and_their_errors(portal: Portal) -> None:
    creds = portal.contract()
    assert portal.client.get("/activation/email", follow_redirects=False).headers["location"] == "/activation"
    wrong = portal.submit("/activation", **{**portal.provisional(creds), "provisional_password": "999999"})
    assert alert(wrong.text) == "Identifiant ou mot de passe incorrect."  # at the top: which one is not told
    assert f'value="{creds["login_id"]}"' in wrong.text and "999999" not in wrong.text
    missing = portal.submit("/activation", client="AG1", societe="SOC1", login_id="", provisional_password="")
    assert error_of(missing.text, "login_id") == "Indiquez votre identifiant provisoire."

    started = portal.submit("/activation", **portal.provisional(creds))
    assert "activation" not in started.headers["location"].split("/activation")[1]  # no token in the address
    cookie = started.headers["set-cookie"]
    assert cookie.startswith("activation=") and "HttpOnly" in cookie
    email_page = portal.client.get("/activation/email").text
    assert f'value="{creds["email"]}"' in email_page and "Titulaire 1" in email_page  # the agency's suggestion
    bad = portal.submit("/activation/email", email="pas-une-adresse")
    assert bad.status_code == 422 and error_of(bad.text, "email") and 'value="pas-une-adresse"' in bad.text
    portal.submit("/activation/email", email=creds["email"])

    weak = portal.submit("/activation/mot-de-passe", password="abc", password_confirmation="abc", accept_terms="oui")
    assert weak.status_code == 422 and "critères" in error_of(weak.text, "password")
    assert (
        'data-criterion="uppercase" class="unmet"' in weak.text
        and 'data-criterion="lowercase" class="met"' in weak.text
    )
    assert "checked" in re.search(r'<input type="checkbox"[^>]*>', weak.text).group(0)  # type: ignore[union-attr]
    mismatch = portal.submit(
        "/activation/mot-de-passe", password=PASSWORD, password_confirmation=PASSWORD + "x", accept_terms="oui"
    )
    assert error_of(mismatch.text, "password_confirmation") == "Les deux mots de passe ne sont pas identiques."
    terms_missing = portal.submit("/activation/mot-de-passe", password=PASSWORD, password_confirmation=PASSWORD)
    assert "CGU" in error_of(terms_missing.text, "accept_terms")
    done = portal.submit(
        "/activation/mot-de-passe", password=PASSWORD, password_confirmation=PASSWORD, accept_terms="oui"
    )
    assert done.headers["location"] == "/activation/verification"
    verification = portal.client.get("/activation/verification").text
    assert "Vérification de l'email" in verification and creds["email"] in verification


def test_resend_and_reset_of_an_activation(portal: Portal) -> None:
    """Seed 001 §1.1.4: a new email, or back to the provisional credentials."""
    creds = portal.awaiting_verification()
    resent = portal.submit("/activation/verification", "/activation/renvoyer")
    assert resent.headers["location"] == "/activation/verification?info=renvoye"
    assert "Un nouvel email" in portal.client.get(resent.headers["location"]).text
    first, second = portal.link(creds["email"], "/verify-email", 1), portal.link(creds["email"], "/verify-email", 2)
    assert first != second
    reset = portal.submit("/activation/verification", "/activation/reinitialiser")
    assert reset.headers["location"] == "/activation?info=reinitialise"
    # the cookie keeps only the codes typed (issue 16): the steps after the first are gone
    assert portal.client.get("/activation/email", follow_redirects=False).headers["location"] == "/activation"
    again = portal.submit("/activation", **portal.provisional(creds))
    assert again.headers["location"] == "/activation/email"  # the provisional credentials work again


def test_an_emailed_link_is_consumed_only_by_the_submit(portal: Portal) -> None:
    """CONTRACT.md: opening the link (a mail scanner) never consumes the token."""
    creds = portal.awaiting_verification()
    token = portal.link(creds["email"], "/verify-email")
    for _ in range(2):
        page = portal.client.get(f"/verify-email?token={token}")
        assert page.status_code == 200 and f'value="{token}"' in page.text
    assert "Adresse email validée" in portal.submit(f"/verify-email?token={token}", token=token).text
    # used, it opens on the reason and one button, no form (issue 16)
    used = portal.client.get(f"/verify-email?token={token}")
    assert used.status_code == 400 and "déjà vérifiée" in used.text and "Me connecter" in used.text


def test_fusion_during_activation_asks_the_accounts_password(portal: Portal) -> None:
    """Seed 001 §1.3: an email that already has an account leads to its password."""
    person = portal.activated()
    other = portal.contract(client="AG2", company="SOC2")
    portal.submit("/activation", **portal.provisional(other))
    assert portal.submit("/activation/email", email=person["email"]).headers["location"] == "/activation/fusion"
    assert person["email"] in portal.client.get("/activation/fusion").text
    wrong = portal.submit("/activation/fusion", password="Mauvais-1!")
    assert wrong.status_code == 401 and error_of(wrong.text, "password")
    linked = portal.submit("/activation/fusion", password=PASSWORD)
    assert "Comptes associés" in linked.text
    portal.log_in(person["email"])
    assert other["login_id"] in portal.client.get("/biens").text


def test_je_fusionne_mes_comptes_from_the_welcome_screen(portal: Portal) -> None:
    person = portal.activated()
    other, newcomer = portal.contract(client="AG2", company="SOC2"), portal.contract()
    missing = portal.submit("/fusion", email="", **portal.provisional(other))
    assert error_of(missing.text, "email")
    merged = portal.submit("/fusion", email=person["email"], **portal.provisional(other))
    assert merged.headers["location"] == "/activation/fusion"
    assert "Comptes associés" in portal.submit("/activation/fusion", password=PASSWORD).text
    fresh = portal.submit("/fusion", email="nouvelle@exemple.fr", **portal.provisional(newcomer))
    assert fresh.headers["location"] == "/fusion/aucun-compte"  # a warning, never a silent new account (issue 16)
    assert "Aucun compte personnel" in portal.client.get(fresh.headers["location"]).text


def test_forgot_password_by_email_or_login_id_answers_alike(portal: Portal) -> None:
    """Seed 001 §C.1.1, and no enumeration (issue 6): the same page whether or not an account matches."""
    person = portal.activated()
    known = portal.submit("/mot-de-passe-oublie", identifier=person["email"])
    unknown = portal.submit("/mot-de-passe-oublie", identifier="personne@exemple.fr")
    assert known.status_code == unknown.status_code == 200
    assert re.sub(r'value="[^"]+"', "", known.text) == re.sub(r'value="[^"]+"', "", unknown.text)
    no_codes = portal.submit("/mot-de-passe-oublie", identifier=person["login_id"])
    assert error_of(no_codes.text, "client") and error_of(no_codes.text, "societe")
    assert f'value="{person["login_id"]}"' in no_codes.text
    by_id = portal.submit("/mot-de-passe-oublie", identifier=person["login_id"], client="AG1", societe="SOC1")
    assert by_id.status_code == 200
    token = portal.link(person["email"], "/reset-password", 3)  # the newest link; the first is superseded
    page = portal.client.get(f"/reset-password?token={token}").text
    assert 'id="password-policy"' in page and "Au moins 8 caractères" in page
    weak = portal.submit(f"/reset-password?token={token}", token=token, password="abc", password_confirmation="abc")
    assert weak.status_code == 422 and error_of(weak.text, "password")
    done = portal.submit(
        f"/reset-password?token={token}", token=token, password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
    )
    assert "Mot de passe réinitialisé" in done.text
    portal.log_in(person["email"], NEW_PASSWORD)


def test_signed_in_pages_need_a_session(portal: Portal) -> None:
    """Signing in leads back to the page asked for (issue 16 point 7): the login page carries it."""
    assert portal.client.get("/espace", follow_redirects=False).headers["location"] == "/login"
    for path in ("/biens", "/biens/ajouter", "/profil", "/profil/email", "/profil/mot-de-passe", "/profil/historique"):
        answer = portal.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/login?next={quote(path, safe='')}", path


def test_contracts_link_switch_and_default(portal: Portal) -> None:
    """Seed 004: several contracts under one login, « Changement de bien », the default one."""
    person = portal.activated()
    other = portal.contract(client="AG2", company="SOC2")
    portal.log_in(person["email"])
    wrong = portal.submit("/biens/ajouter", **{**portal.provisional(other), "provisional_password": "999999"})
    assert alert(wrong.text)  # at the top of the form (issue 16)
    linked = portal.submit("/biens/ajouter", **portal.provisional(other)).headers["location"]
    assert linked.startswith("/biens?info=rattache&bien=")  # the page names the contract linked (issue 16)
    notice = html.unescape(portal.client.get(linked).text)
    assert f"Bien rattaché à votre compte : Bien de l'identifiant {other['login_id']}" in notice
    again = portal.submit("/biens/ajouter", **portal.provisional(other))
    assert again.status_code == 409 and "déjà rattaché" in alert(again.text)
    profile = portal.container.sessions.me(portal.container.sessions.current(portal.client.cookies["sesame"]))  # type: ignore[arg-type]
    second = next(a["id"] for a in profile["accounts"] if a["login_id"] == other["login_id"])
    assert portal.submit("/biens", "/biens/afficher", account=second).headers["location"] == "/espace?info=consulte"
    shown = html.unescape(portal.client.get("/espace?info=consulte").text)
    assert f"Vous consultez : Bien de l'identifiant {other['login_id']}" in shown
    assert portal.submit("/biens", "/biens/defaut", account=second).headers["location"] == "/biens?info=defaut"
    session = portal.container.sessions.current(portal.client.cookies["sesame"])
    assert session is not None
    assert portal.container.sessions.me(session)["default_account"] == second
    unknown = portal.submit("/biens", "/biens/defaut", account="pas-un-contrat")
    assert unknown.status_code == 404 and "pas rattaché" in alert(unknown.text)


def test_profile_changes_the_email_behind_a_confirmation(portal: Portal) -> None:
    """Seed 000 §2.A: a confirmation field, the current password, then the link from the new address."""
    person = portal.activated()
    portal.log_in(person["email"])
    assert person["email"] in portal.client.get("/profil").text
    differ = portal.submit(
        "/profil/email", new_email="neuf@exemple.fr", new_email_confirmation="autre@exemple.fr", password=PASSWORD
    )
    assert error_of(differ.text, "new_email_confirmation") == "Les deux adresses ne sont pas identiques."
    assert 'value="neuf@exemple.fr"' in differ.text
    wrong = portal.submit(
        "/profil/email", new_email="neuf@exemple.fr", new_email_confirmation="neuf@exemple.fr", password="x"
    )
    assert error_of(wrong.text, "password")
    sent = portal.submit(
        "/profil/email", new_email="neuf@exemple.fr", new_email_confirmation="neuf@exemple.fr", password=PASSWORD
    )
    assert "neuf@exemple.fr" in sent.text
    token = portal.link("neuf@exemple.fr", "/confirm-email")
    assert f'value="{token}"' in portal.client.get(f"/confirm-email?token={token}").text
    assert "Nouvelle adresse confirmée" in portal.submit(f"/confirm-email?token={token}", token=token).text
    portal.log_in("neuf@exemple.fr")


def test_profile_changes_the_password_behind_the_current_one(portal: Portal) -> None:
    """Seed 001 §C.1.2; issue 6: the other sessions end, this one stays."""
    person = portal.activated()
    elsewhere = portal.container.sessions.log_in(person["email"], PASSWORD).token
    portal.log_in(person["email"])
    wrong = portal.submit(
        "/profil/mot-de-passe", current_password="x", password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
    )
    assert error_of(wrong.text, "current_password") == "Mot de passe actuel incorrect."  # issue 16
    weak = portal.submit("/profil/mot-de-passe", current_password=PASSWORD, password="abc", password_confirmation="abc")
    assert 'data-criterion="min_length" class="unmet"' in weak.text
    done = portal.submit(
        "/profil/mot-de-passe", current_password=PASSWORD, password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
    )
    assert done.headers["location"] == "/profil?info=mot-de-passe"
    assert portal.client.get("/profil").status_code == 200
    assert portal.container.sessions.current(elsewhere) is None


def test_history_in_plain_words(portal: Portal) -> None:
    person = portal.activated()
    portal.log_in(person["email"])
    html = portal.client.get("/profil/historique").text
    assert "Adresse email " + person["email"] + " validée : compte activé" in html
    assert "Mot de passe personnel choisi" in html and "Aucun membre du support" in html


def test_terms_pages_render_the_markdown(portal: Portal) -> None:
    for path, title in (
        ("/cgu", "Conditions Générales d'Utilisation"),
        ("/confidentialite", "Politique de confidentialité"),
    ):
        html = portal.client.get(path).text
        assert re.search(rf"<h1>{title}", html) and "<h2>" in html and "## " not in html


def test_a_newer_terms_version_is_accepted_after_login(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Login answers terms_acceptance_required: the portal shows the new texts and a box to tick."""
    person = portal.activated()
    folder = tmp_path / "terms"
    shutil.copytree(terms.TERMS_DIR, folder)
    shutil.copytree(folder / terms.current_terms_version(), folder / "2099-01-01")
    monkeypatch.setattr(terms, "TERMS_DIR", folder)
    assert portal.log_in(person["email"]).headers["location"] == "/cgu/accepter"
    assert portal.client.get("/espace", follow_redirects=False).headers["location"] == "/cgu/accepter"
    page = portal.client.get("/cgu/accepter").text
    assert "2099-01-01" in page and "<h2>" in page
    unticked = portal.submit("/cgu/accepter", version="2099-01-01")
    assert unticked.status_code == 422 and error_of(unticked.text, "accept_terms")
    accepted = portal.submit("/cgu/accepter", version="2099-01-01", accept_terms="oui")
    assert accepted.headers["location"] == "/espace?info=cgu"
    assert portal.client.get("/espace").status_code == 200


def test_help_lists_the_policys_criteria(portal: Portal) -> None:
    html = portal.client.get("/aide").text
    assert "Besoin d'aide pour se connecter ?" in html and "Au moins 8 caractères" in html
    assert "Au plus 256" not in html


def test_an_unknown_portal_address_is_a_french_page_and_an_unknown_api_route_json(portal: Portal) -> None:
    page = portal.client.get("/nulle-part", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Page introuvable" in page.text and 'lang="fr"' in page.text
    api = portal.client.get("/api/v1/nulle-part", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"] == "not_found"


def test_the_profile_downloads_the_persons_data_and_deletes_the_account(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    assert "Télécharger mes données" in portal.client.get("/profil").text
    download = portal.client.get("/profil/donnees")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert download.json()["profile"]["email"] == creds["email"]
    unconfirmed = portal.submit("/profil/supprimer", password=PASSWORD)
    assert unconfirmed.status_code == 422 and "Cochez la case" in unconfirmed.text
    wrong = portal.submit("/profil/supprimer", password="Mauvais-1!", confirm="oui")
    assert wrong.status_code in (401, 422) and "incorrect" in wrong.text
    done = portal.submit("/profil/supprimer", password=PASSWORD, confirm="oui")
    assert done.status_code == 200 and "Compte supprimé" in done.text
    assert portal.client.get("/profil", follow_redirects=False).headers["location"].startswith("/login")
    assert portal.submit("/login", email=creds["email"], password=PASSWORD).status_code != 303


def test_the_deletion_page_counts_password_guesses_like_a_login(portal: Portal) -> None:
    """Issue 19 finding 2: a stolen portal session cannot guess the password on the
    deletion page without limit; past the free tries even the right one waits."""
    creds = portal.activated()
    portal.log_in(creds["email"])
    for _ in range(5):
        assert "incorrect" in error_of(
            portal.submit("/profil/supprimer", password="Mauvais-1!", confirm="oui").text, "password"
        )
    waiting = portal.submit("/profil/supprimer", password=PASSWORD, confirm="oui")
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 1
    assert "Trop de tentatives" in error_of(waiting.text, "password")
    assert portal.client.get("/profil").status_code == 200  # nothing was erased
