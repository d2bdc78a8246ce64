"""Issue 15's « done when », in Chromium: a support member invited by email
signs in with two steps (codes computed with pyotp), finds a tenant by a
fragment of their name, sees why they cannot log in, sends them a reset link
with a reason (the mail arrives); an auditor sees the tenant's account at a
past moment and what changed since; an agency member imports a file, ends a
contract, and cannot see another agency's person. At 1280 and 360 px, each
page screenshotted under ``tests/artifacts/console/<width>px/`` with the
portal walk's checks (no CSP violation, nothing wider than the window, every
field labelled)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from application.french_time import PARIS
from tests.e2e.console_flows import invite
from tests.e2e.flows import PASSWORD, activate, address_of
from tests.e2e.harness import Sesame, link_token
from tests.e2e.test_console_browser import ConsoleWalk
from tests.e2e.test_portal_browser import SIZES

NAMES = {"desktop": ("Océane Delacroix", "delac"), "phone": ("Océane Duplessis", "dupl")}
FIRST_SHOT = {"support": 20, "auditor": 40, "agency": 60}  # after the sign-in walk's own screenshots


def tenant(sesame: Sesame, login: str, holder: str, client: str = "AG1", company: str = "SOC1") -> dict[str, str]:
    email = f"{login.lower()}@exemple.fr"
    creds = {"client_code": client, "company_code": company, "login_id": login, "provisional_password": "424242"}
    assert sesame.import_rows(f"{client},{company},{login},424242,{email},{holder},tenant")["added"] == 1
    activate(sesame, {**creds, "email": email})
    return {**creds, "email": email}


def signed_in(
    sesame: Sesame,
    browser: Browser,
    size: str,
    role: str,
    agency: str | None = None,
) -> tuple[BrowserContext, ConsoleWalk]:
    """A member through the invitation link, a password and the two-step set-up, at the console's home."""
    email = f"{role}.{size}@sesame.fr"
    token = invite(sesame, f"Agent {role.capitalize()}", role, email, agency)
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR")
    walk = ConsoleWalk(context.new_page(), sesame, size)
    walk.shots = FIRST_SHOT[role]
    walk.open(f"/console/invitation?token={token}")
    walk.fill("Mot de passe", PASSWORD)
    walk.fill("Confirmation du mot de passe", PASSWORD)
    walk.press("Choisir ce mot de passe")
    walk.press("Afficher le QR code")
    totp = pyotp.TOTP(walk.page.locator("#cle-secrete code").inner_text().replace(" ", ""))
    walk.fill("Code à 6 chiffres", totp.now())
    walk.press("Activer")
    walk.page.get_by_role("link", name="J'ai conservé mes codes").click()
    expect(walk.page).to_have_url(sesame.url + "/console/accueil")
    return context, walk


def search(walk: ConsoleWalk, words: str) -> None:
    walk.page.get_by_role("navigation", name="Console").get_by_role("link", name="Recherche").click()
    walk.page.get_by_label("Email, identifiant, nom du titulaire, codes agence ou bien").fill(words)
    walk.press("Rechercher")


def open_person(walk: ConsoleWalk, name: str) -> str:
    """The identity's page from the results; its address."""
    walk.page.get_by_role("link", name=name).click()
    expect(walk.page.get_by_role("heading", name=name, level=1)).to_be_visible()
    return walk.page.url


@pytest.mark.e2e
@pytest.mark.parametrize("size", SIZES)
def test_support_auditor_and_agency_walk_the_console(
    sesame: Sesame,
    browser: Browser,
    size: str,
    tmp_path: Path,
) -> None:
    holder, fragment = NAMES[size]
    login = f"W{size[:3].upper()}1"
    person = tenant(sesame, login, holder)
    stranger = tenant(sesame, f"X{size[:3].upper()}9", f"Gaspard Ailleurs {size}", "AG9", "SOC9")

    # support: finds the tenant by a fragment of the name, sees why, sends a reset link with a reason
    context, walk = signed_in(sesame, browser, size, "support")
    page: Page = walk.page
    for _ in range(5):  # the tenant forgot their password: the 6th try waits 30 s
        wrong = sesame.http.post(
            "/sessions", headers=address_of(login), json={"email": person["email"], "password": "Pas-le-bon-1!"}
        )
        assert wrong.status_code == 401, wrong.text
    search(walk, fragment)
    expect(page.get_by_role("link", name=holder)).to_be_visible()
    walk.shot("pages-recherche")
    url = open_person(walk, holder)
    expect(
        page.get_by_text("5 essais de mot de passe erronés d'affilée")
    ).to_be_visible()  # why (the wait may be over under load)
    walk.shot("pages-personne")
    reset_form = page.locator(
        "form.action", has=page.get_by_role("heading", name="Envoyer un lien de réinitialisation")
    )
    reset_form.get_by_label("Raison (obligatoire)").fill("non")
    page.evaluate(
        "document.querySelectorAll('textarea').forEach(t => t.removeAttribute('minlength'))"
    )  # the server's own check
    reset_form.get_by_role("button", name="Envoyer un lien de réinitialisation").click()
    expect(page.get_by_text("Indiquez la raison de cette action (5 à 500 caractères).")).to_be_visible()
    walk.shot("pages-action-sans-raison")
    time.sleep(1.1)
    before_reset = datetime.now(PARIS).replace(tzinfo=None, microsecond=0)
    reset_form = page.locator(
        "form.action", has=page.get_by_role("heading", name="Envoyer un lien de réinitialisation")
    )
    reset_form.get_by_label("Raison (obligatoire)").fill("Appel du locataire : mot de passe oublié, compte bloqué")
    reset_form.get_by_role("button", name="Envoyer un lien de réinitialisation").click()
    expect(page.get_by_text("Le lien de réinitialisation du mot de passe a été envoyé")).to_be_visible()
    expect(
        page.get_by_text("raison donnée : « Appel du locataire : mot de passe oublié, compte bloqué »")
    ).to_be_visible()
    walk.shot("pages-lien-envoye")
    assert link_token(sesame.wait_for_mail(person["email"], count=2), "/reset-password")
    context.close()

    # the auditor: the account as it was before the reset link, and what changed since
    context, walk = signed_in(sesame, browser, size, "auditor")
    page = walk.page
    search(walk, fragment)
    open_person(walk, holder)
    expect(page.get_by_role("heading", name="Actions du support")).to_have_count(0)
    page.get_by_label("Date et heure (heure de Paris)").fill(before_reset.isoformat())
    walk.press("Voir l'état")
    expect(page.get_by_role("heading", name="Ce qui a changé depuis")).to_be_visible()
    expect(page.locator("table.diff")).to_contain_text("Lien de réinitialisation en cours")
    walk.shot("pages-etat-a-une-date")
    context.close()

    # the agency: its import, a contract's end, and never another agency's person
    context, walk = signed_in(sesame, browser, size, "agency", "AG1/SOC1")
    page = walk.page
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Agence").click()
    walk.shot("pages-agence")
    upload = tmp_path / "agence.csv"
    upload.write_text(
        "client_code,company_code,login_id,provisional_password,email,holder_name,role\n"
        f"AG1,SOC1,{login}N,123456,,Mme Nouvelle,tenant\nAG9,SOC9,{login}Z,123456,,M. Autre,tenant\n",
        encoding="utf-8",
    )
    page.get_by_label("Fichier CSV (UTF-8, 1 Mio au plus)").set_input_files(str(upload))
    walk.press("Importer le fichier")
    expect(page.get_by_role("heading", name="Compte rendu d'import")).to_be_visible()
    expect(page.get_by_role("cell", name="codes d'une autre agence")).to_be_visible()
    walk.shot("pages-compte-rendu-import")
    page.get_by_role("link", name="Importer un autre fichier").click()
    walk.fill("Identifiant du contrat", f"{login}N")
    walk.press("Continuer")
    expect(page.get_by_role("heading", name=f"Mettre fin au contrat {login}N ?")).to_be_visible()
    walk.shot("pages-fin-de-contrat")
    walk.press("Oui, mettre fin au contrat")
    expect(page.get_by_role("heading", name="Contrat terminé")).to_be_visible()
    walk.shot("pages-contrat-termine")
    search(walk, stranger["login_id"])
    expect(page.get_by_text("Aucune personne ne correspond")).to_be_visible()
    walk.shot("pages-recherche-autre-agence")
    other = url.rsplit("/", 1)[0] + "/" + support_id_of(sesame, stranger["email"])
    response = page.goto(other)
    assert response is not None and response.status == 404
    walk.shot("pages-personne-autre-agence")
    context.close()


def support_id_of(sesame: Sesame, email: str) -> str:
    """The identity id of an address, as the staff API finds it."""
    token = sesame.cli("staff", "add", "Script", "--role", "support", check=True).stdout.strip().splitlines()[-1]
    found = sesame.http.get("/support/identities", headers={"Authorization": f"Bearer {token}"}, params={"q": email})
    return str(found.json()["results"][0]["id"])
