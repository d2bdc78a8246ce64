"""Passkeys in Chromium (issue 14), through the DevTools protocol's virtual
authenticator (an internal CTAP2 one, with resident keys and user
verification): a passkey added from « Sécurité », then used to sign in to the
portal and, on the way from an agency extranet, to single sign-on; then
removed behind the password. Phone and desktop sizes, screenshots under
``tests/artifacts/portal/cles-d-acces-<size>/``, with every walk's checks (no
CSP violation, nothing wider than the window, every field labelled).

WebAuthn needs a secure context and a relying party id that is a domain
name: this deployment's ``PUBLIC_URL`` is its own address under the name
``localhost`` (``http://127.0.0.1`` would be secure but no RP id)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import TEST_SECRET
from tests.e2e.demo_extranet import DemoExtranet
from tests.e2e.flows import PASSWORD, activate, contract
from tests.e2e.harness import Sesame, selected_topologies
from tests.e2e.test_portal_browser import SIZES, Walk

pytestmark = pytest.mark.e2e
NAME = "Téléphone de Camille"


@pytest.fixture(scope="module", params=selected_topologies())
def portal(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sesame]:
    sesame = Sesame(tmp_path_factory.mktemp("passkeys"), {"SECRET_KEY": TEST_SECRET}, topology=request.param)
    sesame.url = f"http://localhost:{sesame.port}"
    sesame.env["PUBLIC_URL"] = sesame.url
    try:
        sesame.serve()
        yield sesame
    finally:
        sesame.stop()


def with_authenticator(context: BrowserContext, page: Page) -> str:
    """A platform authenticator that verifies its user (as a fingerprint would)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True,
    }})
    return str(added["authenticatorId"])


@pytest.mark.parametrize("size", SIZES)
def test_a_passkey_is_added_then_signs_in_to_the_portal_and_to_an_extranet(
    portal: Sesame, browser: Browser, size: str
) -> None:
    creds = contract(portal)
    activate(portal, creds)
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR")
    walk = Walk(context.new_page(), portal, f"cles-d-acces-{size}")
    page = walk.page
    with_authenticator(context, page)

    walk.open("/login")
    walk.submit_sign_in(creds["email"], PASSWORD)
    walk.open("/profil/securite")
    expect(page.get_by_text("Vous n'avez pas encore de clé d'accès.")).to_be_visible()
    expect(page.get_by_text("Ajouter une clé d'accès demande JavaScript")).to_be_hidden()
    page.get_by_role("link", name="Ajouter une clé d'accès").click()
    walk.fill("Nom de la clé", NAME)
    walk.fill("Mot de passe", PASSWORD)
    walk.shot("nom-et-mot-de-passe")
    walk.press("Continuer")
    expect(page.get_by_role("heading", name="Créer la clé d'accès")).to_be_visible()
    walk.shot("creer-la-cle")
    walk.press("Créer la clé d'accès")
    expect(page.get_by_text("Votre clé d'accès est enregistrée")).to_be_visible()
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    walk.shot("securite-avec-une-cle")
    walk.press("Déconnexion")

    walk.open("/login")
    walk.shot("connexion")
    walk.press("Se connecter avec une clé d'accès")
    expect(page).to_have_url(portal.url + "/espace")
    walk.shot("connecte-avec-la-cle")
    walk.open("/profil/securite")
    expect(page.get_by_text("Dernière utilisation")).to_contain_text("Dernière utilisation")
    expect(page.locator(".session", has_text=NAME)).not_to_contain_text("jamais")
    walk.press("Déconnexion")

    extranet = DemoExtranet(portal)
    try:
        page.goto(extranet.url + "/")
        page.get_by_role("link", name="Se connecter avec Mon compte immobilier").click()
        expect(page.get_by_role("button", name="Se connecter avec une clé d'accès")).to_be_visible()
        walk.press("Se connecter avec une clé d'accès")
        expect(page.get_by_text(f"Contrat : {creds['login_id']}", exact=False)).to_be_visible()
        walk.shot("extranet-connecte-avec-la-cle")
    finally:
        extranet.stop()

    walk.open("/profil/securite")
    page.get_by_role("link", name=f"Supprimer la clé « {NAME} »").click()
    walk.fill("Mot de passe", PASSWORD)
    walk.shot("supprimer-la-cle")
    walk.press("Supprimer la clé d'accès")
    expect(page.get_by_text("La clé d'accès a été supprimée")).to_be_visible()
    expect(page.get_by_role("heading", name=NAME)).to_have_count(0)
    context.close()


def test_without_javascript_the_passkey_buttons_are_hidden_and_explained(portal: Sesame, browser: Browser) -> None:
    context = browser.new_context(viewport=SIZES["phone"], java_script_enabled=False, locale="fr-FR")
    walk = Walk(context.new_page(), portal, "cles-d-acces-sans-javascript")
    walk.open("/login")
    expect(walk.page.get_by_role("button", name="Se connecter avec une clé d'accès")).to_be_hidden()
    expect(walk.page.get_by_text("La connexion avec une clé d'accès demande JavaScript")).to_be_visible()
    walk.shot("connexion-sans-javascript")
    context.close()
