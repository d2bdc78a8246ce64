"""Where tenants stumbled (issue 16): codes in any case, every error at once,
dead links, a mistyped fusion address, verification loose ends, notices."""

from __future__ import annotations

import re

from tests.web.conftest import PASSWORD, Portal
from tests.web.test_pages import alert, error_of


def summary_links(html: str) -> list[str]:
    """The fields the error summary at the top links to, in order."""
    box = re.search(r'<div class="alert alert-error error-summary".*?</div>', html, re.DOTALL)
    assert box, "no error summary"
    assert "Il y a un problème" in box.group(0)
    return re.findall(r'<a href="#f-([\w-]+)">', box.group(0))


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html)
    assert match
    return match.group(1)


# -- 1. codes in any case ------------------------------------------------------

def test_codes_typed_in_lower_case_and_with_spaces_open_the_activation(portal: Portal) -> None:
    creds = portal.contract(client="AGLYON", company="SOC01")
    typed = {"client": " aglyon", "societe": "soc01 ", "login_id": creds["login_id"].lower(), "provisional_password": creds["provisional_password"]}
    assert portal.submit("/activation", **typed).headers["location"] == "/activation/email"


def test_wrong_provisional_credentials_are_told_at_the_top_of_the_form(portal: Portal) -> None:
    creds = portal.contract()
    wrong = portal.submit("/activation", **{**portal.provisional(creds), "provisional_password": "999999"})
    assert wrong.status_code == 401 and alert(wrong.text) == "Identifiant ou mot de passe incorrect."
    assert 'id="f-provisional_password-error"' not in wrong.text and title(wrong.text).startswith("Erreur : ")


# -- 3. every error at once ----------------------------------------------------

def test_the_password_step_tells_every_problem_at_once_and_keeps_no_password(portal: Portal) -> None:
    creds = portal.contract()
    portal.submit("/activation", **portal.provisional(creds))
    portal.submit("/activation/email", email=creds["email"])
    page = portal.submit("/activation/mot-de-passe", password="abc", password_confirmation="abd")
    assert page.status_code == 422
    assert summary_links(page.text) == ["password", "password_confirmation", "accept_terms"]  # the form's order
    assert "critères" in error_of(page.text, "password")
    assert error_of(page.text, "password_confirmation") == "Les deux mots de passe ne sont pas identiques."
    assert "CGU" in error_of(page.text, "accept_terms")
    assert re.search(r'<input id="f-password"[^>]*aria-describedby="[^"]*f-password-error', page.text)
    assert title(page.text) == "Erreur : Mot de passe – Mon compte immobilier"
    assert 'value="abc"' not in page.text and 'value="abd"' not in page.text  # passwords are not echoed back (GOV.UK)
    assert 'data-criterion="uppercase" class="unmet"' in page.text
    assert 'autofocus' in re.search(r'<div class="alert alert-error error-summary"[^>]*>', page.text).group(0)  # type: ignore[union-attr]


def test_a_form_without_error_has_a_plain_title(portal: Portal) -> None:
    page = portal.client.get("/activation").text
    assert title(page) == "Activer mon compte – Mon compte immobilier" and "error-summary" not in page


def test_every_required_field_is_told_at_once(portal: Portal) -> None:
    empty = portal.submit("/login", email="", password="")
    assert summary_links(empty.text) == ["email", "password"]
    codes = portal.submit("/activation", client="", societe="", login_id="", provisional_password="")
    assert summary_links(codes.text) == ["client", "societe", "login_id", "provisional_password"]


# -- 5. a mistyped address during fusion ------------------------------------------

def test_a_fusion_address_without_account_is_a_warning_with_two_ways_on(portal: Portal) -> None:
    person = portal.activated()
    other = portal.contract(client="AG2", company="SOC2")
    typo = portal.submit("/fusion", email="faute@exemple.fr", **portal.provisional(other))
    assert typo.headers["location"] == "/fusion/aucun-compte"
    page = portal.client.get("/fusion/aucun-compte").text
    assert "alert-warning" in page and "alert-success" not in page and "ok-mark" not in page
    assert "faute@exemple.fr" in page and "Aucun compte personnel" in page
    assert "Corriger l'adresse" in page and 'href="/activation/mot-de-passe">Créer un nouveau compte' in page
    again = portal.submit("/fusion/aucun-compte", email="toujours-faux@exemple.fr")
    assert again.headers["location"] == "/fusion/aucun-compte"
    assert "toujours-faux@exemple.fr" in portal.client.get("/fusion/aucun-compte").text
    corrected = portal.submit("/fusion/aucun-compte", email=person["email"])
    assert corrected.headers["location"] == "/activation/fusion"
    assert "Comptes associés" in portal.submit("/activation/fusion", password=PASSWORD).text


def test_green_is_only_for_what_succeeded(portal: Portal) -> None:
    logged_out = portal.client.get("/login?info=deconnecte").text
    assert "alert-info" in logged_out and "alert-success" not in logged_out
    assert "alert-success" in portal.client.get("/activation?info=reinitialise").text


# -- 2. French only ------------------------------------------------------------------

def test_a_refused_address_is_explained_in_french_on_the_page(portal: Portal) -> None:
    creds = portal.contract()
    portal.submit("/activation", **portal.provisional(creds))
    page = portal.submit("/activation/email", email="prenom.nom@exemple")
    assert error_of(page.text, "email") == (
        "Adresse email invalide : le domaine après le signe @ doit comporter un point (par exemple exemple.fr)."
    )
    assert "@-sign" not in page.text and "period" not in page.text
