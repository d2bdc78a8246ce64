"""Single sign-on in a real browser (issue 13): Debian's Chromium, headless,
signs into a demo agency extranet (Authlib's client in this process) through
the portal's sign-in form, chooses one of two contracts, sees it in
« Applications connectées », and signs out from the extranet (RP-initiated
logout), which also tells the extranet by back-channel. Screenshots under
``tests/artifacts/oidc/<size>/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.demo_extranet import DemoExtranet
from tests.e2e.flows import PASSWORD, contract, person, provisional
from tests.e2e.harness import Sesame, wait_until
from tests.e2e.test_portal_browser import ARTIFACTS, SIZES, Walk

pytestmark = pytest.mark.e2e


@pytest.fixture
def extranet(op: Sesame) -> Iterator[DemoExtranet]:
    demo = DemoExtranet(op)
    yield demo
    demo.stop()


@pytest.mark.parametrize("size", SIZES)
def test_a_person_signs_into_an_extranet_with_a_chosen_contract_and_signs_out(
    op: Sesame, browser: Browser, extranet: DemoExtranet, size: str
) -> None:
    creds, auth = person(op)
    second = contract(op, client="AG2", company="SOC2")
    assert op.http.post("/me/accounts", headers=auth, json=provisional(second)).status_code == 201
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR")
    walk = Walk(context.new_page(), op, size)
    walk.folder = ARTIFACTS.parent / "oidc" / size
    walk.folder.mkdir(parents=True, exist_ok=True)
    page = walk.page

    page.goto(extranet.url + "/")
    walk.shot("extranet-accueil")
    page.get_by_role("link", name="Se connecter avec Mon compte immobilier").click()
    expect(page.get_by_label("Adresse email")).to_be_visible()  # the portal's own sign-in form
    walk.shot("portail-connexion")
    walk.submit_sign_in(creds["email"], PASSWORD)

    expect(page.get_by_role("heading", name="Avec quel bien continuer ?")).to_be_visible()
    walk.shot("choix-du-contrat")
    page.get_by_label(second["login_id"], exact=False).check()
    walk.press("Continuer")
    expect(page.get_by_text(f"Contrat : {second['login_id']} (agence AG2 / SOC2)")).to_be_visible()
    walk.shot("extranet-connecte")

    page.goto(op.url + "/profil/applications")
    expect(page.get_by_role("heading", name="Extranet démo")).to_be_visible()
    walk.shot("applications-connectees")

    page.goto(extranet.url + "/")
    page.get_by_role("link", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté de l'extranet.")).to_be_visible()
    walk.shot("extranet-deconnecte")
    wait_until(lambda: len(extranet.logout_tokens) >= 1, "the extranet's back-channel logout token")
    page.goto(op.url + "/espace")
    expect(page).to_have_url(op.url + "/login")  # the portal session ended too
    walk.shot("portail-apres-deconnexion")
    context.close()
