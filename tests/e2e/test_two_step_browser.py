"""Two-step sign-in in Chromium (issue 14): turned on from the profile by
typing the secret shown on the page into an authenticator (pyotp here), then a
sign-in with a code; at phone and desktop sizes, screenshots under
``tests/artifacts/portal/deux-etapes-<size>/``, with the same checks as every
walk (no CSP violation, nothing wider than the window, every field labelled)."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.flows import PASSWORD, activate, contract
from tests.e2e.harness import Sesame
from tests.e2e.test_portal_browser import SIZES, Walk


@pytest.mark.e2e
@pytest.mark.parametrize("size", SIZES)
def test_two_step_sign_in_is_turned_on_and_used(sesame: Sesame, browser: Browser, size: str) -> None:
    creds = contract(sesame)
    activate(sesame, creds)
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR")
    walk = Walk(context.new_page(), sesame, f"deux-etapes-{size}")
    page = walk.page

    walk.open("/login")
    walk.submit_sign_in(creds["email"], PASSWORD)
    walk.open("/profil")
    page.get_by_role("link", name="Activer la validation en deux étapes").click()
    walk.shot("deux-etapes-mot-de-passe")
    walk.fill("Mot de passe", PASSWORD)
    walk.press("Continuer")
    expect(page.locator("svg.qr")).to_be_visible()
    walk.shot("deux-etapes-qr-code")
    totp = pyotp.TOTP(page.locator("#cle-secrete code").inner_text().replace(" ", ""))  # typed by hand into the app
    walk.fill("Code à 6 chiffres", totp.now())
    walk.press("Activer")
    expect(page.get_by_role("heading", name="Validation en deux étapes activée")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    walk.shot("deux-etapes-codes-de-secours")
    page.get_by_role("link", name="J'ai conservé mes codes").click()
    expect(page.get_by_text("Activée", exact=True)).to_be_visible()
    walk.press("Déconnexion")

    walk.open("/login")
    walk.submit_sign_in(creds["email"], PASSWORD)
    expect(page).to_have_url(sesame.url + "/login/code")
    walk.shot("connexion-code")
    walk.fill("Code à 6 chiffres", totp.at(time.time() + 30))  # the next time step: never used yet
    walk.press("Valider")
    expect(page).to_have_url(sesame.url + "/espace")
    walk.shot("connexion-avec-code")
    context.close()
