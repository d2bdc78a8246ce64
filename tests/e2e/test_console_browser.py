"""The console's way in, in Chromium (issue 15): the invitation link from the
mail, the password (criteria checked as it is typed), the two-step set-up
(the secret shown on the page typed into an authenticator: pyotp here), the
recovery codes, the console's home; then sign-out and sign-in with email,
password and code. At 1280 and 360 px, screenshots under
``tests/artifacts/console/<width>px/``, with the portal walk's checks (no CSP
violation, nothing wider than the window, every field labelled)."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.console_flows import invite, next_code
from tests.e2e.flows import PASSWORD
from tests.e2e.harness import Sesame
from tests.e2e.test_portal_browser import ARTIFACTS, SIZES, Walk


class ConsoleWalk(Walk):
    """A member's browser on the console; its screenshots beside the portal's."""

    def __init__(self, page: Page, sesame: Sesame, size: str) -> None:
        super().__init__(page, sesame, size)
        self.folder = ARTIFACTS.parent / "console" / f"{SIZES[size]['width']}px"
        self.folder.mkdir(parents=True, exist_ok=True)


@pytest.mark.e2e
@pytest.mark.parametrize("size", SIZES)
def test_an_invited_member_reaches_the_console(sesame: Sesame, browser: Browser, size: str) -> None:
    email = f"claire.{size}@sesame.fr"
    token = invite(sesame, "Claire Support", "support", email)
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR")
    walk = ConsoleWalk(context.new_page(), sesame, size)
    page = walk.page

    walk.open(f"/console/invitation?token={token}")
    expect(page.get_by_role("heading", name="Bienvenue dans la console Sésame")).to_be_visible()
    walk.shot("invitation")
    walk.fill("Mot de passe", "court")
    expect(page.locator('[data-criterion="min_length"]')).to_have_class("unmet")  # checked as it is typed
    walk.fill("Mot de passe", PASSWORD)
    walk.fill("Confirmation du mot de passe", PASSWORD)
    expect(page.locator('[data-criterion="min_length"]')).to_have_class("met")
    walk.shot("invitation-mot-de-passe")
    walk.press("Choisir ce mot de passe")

    expect(page).to_have_url(sesame.url + "/console/deux-etapes")
    walk.shot("deux-etapes")
    walk.press("Afficher le QR code")
    expect(page.locator("svg.qr")).to_be_visible()
    walk.shot("deux-etapes-qr-code")
    totp = pyotp.TOTP(page.locator("#cle-secrete code").inner_text().replace(" ", ""))
    walk.fill("Code à 6 chiffres", totp.now())
    walk.press("Activer")
    expect(page.get_by_role("heading", name="Validation en deux étapes activée")).to_be_visible()
    assert page.locator(".recovery-codes code").count() == 10
    walk.shot("codes-de-secours")
    page.get_by_role("link", name="J'ai conservé mes codes").click()

    expect(page).to_have_url(sesame.url + "/console/accueil")
    expect(page.get_by_role("heading", name="Bonjour Claire Support")).to_be_visible()
    expect(page.locator(".member-role")).to_have_text("Support")
    expect(page.get_by_role("navigation", name="Console").get_by_role("link", name="Recherche")).to_be_visible()
    walk.shot("accueil")
    walk.press("Déconnexion")

    expect(page).to_have_url(sesame.url + "/console?info=deconnecte")
    walk.fill("Adresse email professionnelle", email)
    walk.fill("Mot de passe", PASSWORD)
    walk.fill("Code de validation", "000000" if totp.now() != "000000" else "111111")
    walk.press("Se connecter")
    expect(page.get_by_role("alert")).to_contain_text("Adresse email, mot de passe ou code incorrect.")
    walk.shot("connexion-refusee")
    walk.fill("Mot de passe", PASSWORD)
    walk.fill("Code de validation", next_code(totp))
    walk.shot("connexion")
    walk.press("Se connecter")
    expect(page).to_have_url(sesame.url + "/console/accueil")
    walk.shot("accueil-apres-connexion")
    context.close()
