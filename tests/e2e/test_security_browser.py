"""« Sécurité » in Chromium (issue 14), phone (360 px) and desktop (1280 px): the
devices signed in, this one marked, another one ended, then all the others,
with screenshots under ``tests/artifacts/portal/securite-<size>/``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.flows import PASSWORD, activate, contract
from tests.e2e.harness import Sesame
from tests.e2e.test_portal_browser import SIZES, Walk
from tests.e2e.test_sessions_api import ANDROID, IPHONE, bearer, sign_in


@pytest.mark.e2e
@pytest.mark.parametrize("size", SIZES)
def test_the_security_page(sesame: Sesame, browser: Browser, size: str) -> None:
    creds = contract(sesame)
    activate(sesame, creds)
    phone = bearer(sign_in(sesame, creds["email"], IPHONE))
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR", user_agent=ANDROID)
    walk = Walk(context.new_page(), sesame, f"securite-{size}")
    page = walk.page
    walk.open("/login")
    walk.submit_sign_in(creds["email"], PASSWORD)
    expect(page.get_by_text("Dernière connexion : le")).to_be_visible()
    walk.shot("mon-espace")

    page.get_by_role("link", name="Sécurité").first.click()
    expect(page.get_by_role("heading", name="Sécurité", exact=True)).to_be_visible()
    expect(page.get_by_text("Cet appareil", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Safari sur iPhone")).to_be_visible()
    walk.shot("securite-deux-appareils")
    walk.press("Déconnecter cet appareil (Safari sur iPhone)")
    expect(page.get_by_text("La session a été fermée sur cet appareil.")).to_be_visible()
    expect(page.get_by_role("heading", name="Safari sur iPhone")).to_have_count(0)
    assert sesame.http.get("/me", headers=phone).status_code == 401
    walk.shot("securite-un-appareil-ferme")

    others = [bearer(sign_in(sesame, creds["email"], IPHONE)), bearer(sign_in(sesame, creds["email"], "curl/8.0"))]
    page.reload()
    walk.shot("securite-trois-appareils")
    page.get_by_role("link", name="Déconnecter les autres appareils").click()
    walk.fill("Mot de passe", PASSWORD)  # behind the one throttled password proof
    walk.shot("securite-confirmer-mot-de-passe")
    walk.press("Déconnecter les autres appareils")
    expect(page.get_by_text("Vos autres appareils ont été déconnectés.")).to_be_visible()
    assert all(sesame.http.get("/me", headers=h).status_code == 401 for h in others)
    walk.shot("securite-seul")
    context.close()
