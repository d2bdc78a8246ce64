"""Issue 16 in a real browser: every error at once at the top of the form, and
the live check taking a server error away once the password passes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.flows import PASSWORD, contract
from tests.e2e.harness import Sesame
from tests.e2e.test_portal_browser import SIZES, Walk


@pytest.mark.e2e
def test_the_live_check_takes_a_server_error_away_once_it_passes(sesame: Sesame, browser: Browser) -> None:
    creds = contract(sesame)
    context = browser.new_context(viewport=SIZES["phone"], locale="fr-FR")
    walk = Walk(context.new_page(), sesame, "phone")
    page = walk.page
    walk.open(f"/activation?client={creds['client_code'].lower()}&societe={creds['company_code'].lower()}")
    walk.fill("Identifiant provisoire", creds["login_id"].lower())  # codes in any case (point 1)
    walk.fill("Mot de passe provisoire", creds["provisional_password"])
    walk.press("Continuer")
    walk.press("Continuer")  # the suggested address
    walk.fill("Nouveau mot de passe", "abc")
    walk.fill("Confirmation du mot de passe", "abd")
    walk.press("Créer mon compte")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(3)  # weak, mismatch, CGU: all at once
    assert page.title().startswith("Erreur\u00a0: ")
    walk.shot("erreurs-toutes-ensemble")

    page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
    expect(page.locator("#f-password-error")).to_have_count(0)
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("Confirmation du mot de passe", exact=True).fill(PASSWORD)
    expect(page.locator("#f-password_confirmation-error")).to_have_count(0)
    expect(summary.get_by_role("link")).to_have_count(1)  # only the CGU is left
    walk.shot("erreur-restante")
    page.get_by_label("J'accepte les CGU").check()
    walk.press("Créer mon compte")
    expect(page.get_by_role("heading", name="Vérification de l'email")).to_be_visible()
    context.close()
