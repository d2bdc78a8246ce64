"""Passkeys in the portal through the test client, the browser's part played by
a software authenticator: added from « Sécurité » behind the name and the
password, used from the sign-in page (two-step sign-in satisfied, on the way
to a single sign-on client), removed behind the password; without JavaScript
the passkey forms stay hidden and the pages say why."""

from __future__ import annotations

import html as html_lib
import re

import pyotp
import pytest

from tests.softauthn import SoftAuthenticator
from tests.web.conftest import PASSWORD, Portal
from tests.web.test_pages import alert, error_of

NAME = "Téléphone de Camille"


@pytest.fixture
def authenticator(portal: Portal) -> SoftAuthenticator:
    return SoftAuthenticator(portal.container.passkeys.origin)


def added(portal: Portal, authenticator: SoftAuthenticator, name: str = NAME) -> None:
    """Through the pages: name and password, then the ceremony's answer."""
    ceremony = portal.submit("/profil/securite/cle-d-acces", name=name, password=PASSWORD)
    assert ceremony.status_code == 200, ceremony.text
    options = re.search(r'data-passkey="create" data-options="([^"]+)"', ceremony.text)
    assert options, ceremony.text
    answer = authenticator.create(html_lib.unescape(options.group(1)))
    done = portal.submit(
        "/profil/securite/cle-d-acces", "/profil/securite/cle-d-acces/enregistrer", name=name, credential=answer
    )
    assert done.headers["location"] == "/profil/securite?info=cle-ajoutee", done.text


def shown(portal: Portal, url: str) -> str:
    """The page as a person reads it (entities decoded)."""
    return html_lib.unescape(portal.client.get(url).text)


def passkey_sign_in(portal: Portal, authenticator: SoftAuthenticator, **fields: str):  # type: ignore[no-untyped-def]
    """The sign-in page's script: the options, the authenticator, the form."""
    csrf = portal.csrf("/login")
    options = portal.client.post("/login/cle-d-acces/options", data={"csrf": csrf})
    assert options.status_code == 200 and options.headers["content-type"] == "application/json"
    answer = authenticator.get(options.text)
    return portal.client.post(
        "/login/cle-d-acces", data={"csrf": csrf, "credential": answer, **fields}, follow_redirects=False
    )


def test_a_passkey_is_added_from_security_then_signs_in(portal: Portal, authenticator: SoftAuthenticator) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    security = shown(portal, "/profil/securite")
    assert "Clés d'accès" in security and "Vous n'avez pas encore de clé d'accès" in security
    added(portal, authenticator)
    security = shown(portal, "/profil/securite?info=cle-ajoutee")
    assert "Votre clé d'accès est enregistrée" in security
    assert NAME in security and "Dernière utilisation</dt><dd>jamais" in security
    assert re.search(r"Ajoutée</dt><dd>le \d{1,2}(er)? \w+ \d{4} à \d{1,2} h \d\d", security)

    portal.submit("/profil", "/deconnexion")
    signed = passkey_sign_in(portal, authenticator)
    assert signed.status_code == 303 and signed.headers["location"] == "/espace"
    security = shown(portal, "/profil/securite")
    assert "Dernière utilisation</dt><dd>le " in security
    history = shown(portal, "/profil/historique")
    assert f"Clé d'accès ajoutée : {NAME}" in history


def test_adding_asks_a_name_and_the_password(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    empty = portal.submit("/profil/securite/cle-d-acces", name=" ", password=PASSWORD)
    assert empty.status_code == 422 and error_of(empty.text, "name")
    wrong = portal.submit("/profil/securite/cle-d-acces", name=NAME, password="Pas-le-bon-1")
    assert wrong.status_code == 401 and error_of(wrong.text, "password")
    assert NAME in wrong.text and "Pas-le-bon-1" not in wrong.text
    too_long = portal.submit("/profil/securite/cle-d-acces", name="x" * 61, password=PASSWORD)
    assert too_long.status_code == 422 and "60 caractères" in error_of(too_long.text, "name")
    garbage = portal.submit(
        "/profil/securite/cle-d-acces", "/profil/securite/cle-d-acces/enregistrer", name=NAME, credential="{}"
    )
    assert garbage.status_code == 400 and "Recommencer" in garbage.text


def test_without_javascript_the_passkey_forms_are_hidden_and_explained(portal: Portal) -> None:
    login = shown(portal, "/login")
    assert re.search(r'<form [^>]*data-passkey="sign-in"[^>]* hidden>', login)
    assert "La connexion avec une clé d'accès demande JavaScript" in login
    assert '<script src="/static/passkeys.js" defer></script>' in login and "onclick" not in login
    creds = portal.activated()
    portal.log_in(creds["email"])
    security = shown(portal, "/profil/securite")
    assert re.search(r'<p data-passkey="shown" hidden><a [^>]*href="/profil/securite/cle-d-acces"', security)
    assert "Ajouter une clé d'accès demande JavaScript" in security
    assert portal.client.get("/static/passkeys.js").status_code == 200


def test_a_passkey_skips_the_code_and_continues_to_single_sign_on(
    clocked: Portal, authenticator: SoftAuthenticator
) -> None:
    portal = clocked
    creds = portal.activated()
    portal.log_in(creds["email"])
    added(portal, authenticator)
    setup = portal.submit("/profil/deux-etapes", password=PASSWORD)
    secret = re.search(r'id="cle-secrete"[^>]*><code>([A-Z2-7 ]+)</code>', setup.text)
    assert secret
    code = pyotp.TOTP(secret.group(1).replace(" ", "")).at(portal.clock.now())
    portal.submit("/profil/deux-etapes", "/profil/deux-etapes/confirmer", code=code)
    portal.submit("/profil", "/deconnexion")
    assert portal.log_in(creds["email"]).headers["location"] == "/login/code"  # the password asks for a code
    next_path = "/oidc/authorize?client_id=extranet&response_type=code"
    signed = passkey_sign_in(portal, authenticator, next=next_path)
    assert signed.status_code == 303 and signed.headers["location"] == next_path


def test_a_refused_passkey_is_explained_on_the_sign_in_page(portal: Portal, authenticator: SoftAuthenticator) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    added(portal, authenticator)
    portal.submit("/profil", "/deconnexion")
    stranger = SoftAuthenticator(authenticator.origin)
    stranger.create({"rp": {"id": portal.container.passkeys.rp_id}, "user": {"id": "AAAA"}, "challenge": "AA"})
    refused = passkey_sign_in(portal, stranger)
    assert refused.status_code == 401 and "n'a pas été reconnue" in html_lib.unescape(alert(refused.text))
    csrf = portal.csrf("/login")
    spent = portal.client.post("/login/cle-d-acces", data={"csrf": csrf, "credential": "{}"}, follow_redirects=False)
    assert spent.status_code == 401 and "a expiré ou a déjà servi" in html_lib.unescape(alert(spent.text))


def test_removal_takes_the_password(portal: Portal, authenticator: SoftAuthenticator) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    added(portal, authenticator)
    passkey_id = re.search(r"/profil/securite/cle-d-acces/supprimer\?cle=(\w+)", shown(portal, "/profil/securite"))
    assert passkey_id
    page = f"/profil/securite/cle-d-acces/supprimer?cle={passkey_id.group(1)}"
    assert f"Supprimer la clé « {NAME} »" in shown(portal, page)
    blank = portal.submit(page, cle=passkey_id.group(1), password="")
    assert blank.status_code == 422 and error_of(blank.text, "password") and f"« {NAME} »" in blank.text
    wrong = portal.submit(page, cle=passkey_id.group(1), password="Pas-le-bon-1")
    assert wrong.status_code == 401 and error_of(wrong.text, "password")
    done = portal.submit(page, cle=passkey_id.group(1), password=PASSWORD)
    assert done.headers["location"] == "/profil/securite?info=cle-supprimee"
    assert NAME not in shown(portal, "/profil/securite")
    assert portal.client.get(page).status_code == 404
    portal.submit("/profil", "/deconnexion")
    assert passkey_sign_in(portal, authenticator).status_code == 401
