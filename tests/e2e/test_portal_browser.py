"""The portal in a real browser (issue 8): Debian's Chromium, headless, driven
by Playwright, against a running ``sesame serve``.

One walk per window size, phone (360×740) and desktop (1280×800): activation
→ the emailed link → login → linking a second contract → switching → password
change → logout → reset by the emailed link. Every step saves a screenshot
under ``tests/artifacts/portal/<size>/`` and checks what a person relies on:
no Content-Security-Policy violation, nothing wider than the window, a label
for every field.
"""

from __future__ import annotations

import os
import random
import string
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, ViewportSize, expect

from application.passwords import BLOCKLIST
from domain.password_policy import seeds_policy
from tests.e2e.flows import PASSWORD, activate, contract
from tests.e2e.harness import Sesame, link_token

SIZES: dict[str, ViewportSize] = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
NEW_PASSWORD = "Nouve@u-Secret-9"
RESET_PASSWORD = "Enc0re-Autre-Secret!"
ARTIFACTS = Path(os.environ.get("SESAME_TEST_ARTIFACTS", Path(__file__).parents[1] / "artifacts")) / "portal"


class Walk:
    """One person's browser: numbered screenshots, and checks at each of them."""

    def __init__(self, page: Page, sesame: Sesame, size: str) -> None:
        self.page = page
        self.sesame = sesame
        self.folder = ARTIFACTS / size
        self.folder.mkdir(parents=True, exist_ok=True)
        self.shots = 0
        self.violations: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.violations.append(f"script error: {error}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        """CSP violations and script errors; a page's own 4xx status (a refused
        form) is logged by Chromium too, and is no fault of the page."""
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.violations.append(message.text)

    def _response(self, response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.violations.append(f"{response.status} {response.url}")

    def open(self, path: str) -> None:
        self.page.goto(self.sesame.url + path)

    def shot(self, name: str) -> None:
        """Save the page as a person sees it, after checking it is whole."""
        self.shots += 1
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)
        assert self.violations == [], self.violations
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: {overflow}px wider than the window"
        unlabelled = self.page.evaluate(
            """Array.from(document.querySelectorAll('input:not([type=hidden])'))
               .filter(i => !(i.labels && i.labels.length)).map(i => i.name)"""
        )
        assert unlabelled == [], f"{name}: fields without a label: {unlabelled}"
        assert self.page.locator("html").get_attribute("lang") == "fr"

    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).fill(value)

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def log_in(self, email: str, password: str) -> None:
        """From a page with a « Me connecter » link to the person's space."""
        self.page.get_by_role("link", name="Me connecter").click()
        self.submit_sign_in(email, password)

    def submit_sign_in(self, email: str, password: str) -> None:
        """Fill and send the portal's sign-in form, the page shown now."""
        self.fill("Adresse email", email)
        self.fill("Mot de passe", password)
        self.press("Se connecter")

    def mail_link(self, to: str, path: str, count: int) -> str:
        return f"{path}?token={link_token(self.sesame.wait_for_mail(to, count=count), path)}"


@pytest.mark.e2e
@pytest.mark.parametrize("size", SIZES)
def test_a_person_walks_through_the_portal(sesame: Sesame, browser: Browser, size: str) -> None:
    """Issue 8's walk, with the seeds' wording (seed 001 §1.1–1.3, §C; seed 004)."""
    first = contract(sesame, client="AG1", company="SOC1")
    second = contract(sesame, client="AG2", company="SOC2")
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR")
    walk = Walk(context.new_page(), sesame, size)
    page = walk.page

    # the agency's address carries its codes to the activation
    walk.open(f"/login?client={first['client_code']}&societe={first['company_code']}")
    walk.shot("connexion-agence")
    page.get_by_role("link", name="Activez votre compte").click()
    expect(page.get_by_text("code client AG1")).to_be_visible()
    walk.fill("Identifiant provisoire", first["login_id"])
    walk.fill("Mot de passe provisoire", first["provisional_password"])
    walk.shot("activation-identifiants")
    walk.press("Continuer")

    expect(page.get_by_label("Adresse email")).to_have_value(first["email"])  # the agency's suggestion
    walk.shot("activation-email")
    walk.press("Continuer")

    password = page.get_by_label("Nouveau mot de passe", exact=True)
    password.press_sequentially("abc")
    expect(page.locator("#criteres li.met")).to_have_count(3)  # lowercase, not common, not too long
    walk.shot("activation-criteres-en-cours")
    password.fill(PASSWORD)
    password.dispatch_event("input")
    expect(page.locator("#criteres li.unmet")).to_have_count(0)
    walk.fill("Confirmation du mot de passe", PASSWORD)
    page.get_by_label("J'accepte les CGU").check()
    walk.shot("activation-mot-de-passe")
    walk.press("Créer mon compte")

    expect(page.get_by_role("heading", name="Vérification de l'email")).to_be_visible()
    expect(page.get_by_text(first["email"])).to_be_visible()
    walk.shot("activation-verification")

    # the emailed link: opening it shows a button, the click consumes the token
    walk.open(walk.mail_link(first["email"], "/verify-email", 1))
    walk.shot("lien-validation")
    walk.press("Valider mon email")
    expect(page.get_by_role("heading", name="Adresse email validée")).to_be_visible()
    walk.shot("email-valide")

    walk.log_in(first["email"], PASSWORD)
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()
    expect(page.get_by_role("heading", name="Bien de l'identifiant", exact=False)).to_be_visible()
    walk.shot("espace")

    # a second contract, from another agency, while logged in
    page.get_by_role("link", name="Rattacher un bien").click()
    walk.fill("Code client", second["client_code"])
    walk.fill("Code société", second["company_code"])
    walk.fill("Identifiant provisoire", second["login_id"])
    walk.fill("Mot de passe provisoire", second["provisional_password"])
    walk.shot("rattachement")
    walk.press("Rattacher ce contrat")
    expect(page.get_by_text("Bien rattaché à votre compte")).to_be_visible()
    expect(page.locator(".contracts > li")).to_have_count(2)
    walk.shot("biens")

    # « Mes biens »: another one consulted, then the default one
    page.locator(".contracts > li").nth(1).get_by_role("button", name="Consulter ce bien").click()
    expect(page.get_by_text("Vous consultez :")).to_be_visible()
    expect(page.get_by_text(second["login_id"], exact=True)).to_be_visible()
    walk.shot("changement-de-bien")
    page.get_by_role("navigation", name="Mon compte").get_by_role("link", name="Mes biens").click()
    page.locator(".contracts > li").nth(1).get_by_role("button", name="Afficher par défaut à la connexion").click()
    expect(page.locator(".contracts > li").nth(1).get_by_text("Par défaut")).to_be_visible()
    walk.shot("bien-par-defaut")

    # the password, changed behind the current one
    page.get_by_role("navigation", name="Mon compte").get_by_role("link", name="Profil").click()
    walk.shot("profil")
    page.get_by_role("link", name="Modifier le mot de passe").click()
    walk.fill("Ancien mot de passe", PASSWORD)
    walk.fill("Nouveau mot de passe", NEW_PASSWORD)
    walk.fill("Confirmation du mot de passe", NEW_PASSWORD)
    page.get_by_label("Nouveau mot de passe", exact=True).dispatch_event("input")
    page.get_by_label("Confirmation du mot de passe").dispatch_event("input")
    expect(page.get_by_text("Les deux mots de passe sont identiques")).to_be_visible()
    walk.shot("changement-mot-de-passe")
    walk.press("Valider le mot de passe")
    expect(page.get_by_text("Votre mot de passe a été modifié")).to_be_visible()

    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    walk.shot("deconnexion")
    walk.open("/espace")
    expect(page).to_have_url(sesame.url + "/login")  # the session is gone

    # forgotten password, reset by the emailed link
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    walk.fill("Adresse email ou identifiant provisoire", first["email"])
    walk.shot("mot-de-passe-oublie")
    mails_before = len(sesame.mails(first["email"]))
    walk.press("Envoyer la demande")
    expect(page.get_by_role("heading", name="Demande envoyée")).to_be_visible()
    walk.open(walk.mail_link(first["email"], "/reset-password", count=mails_before + 1))
    walk.fill("Nouveau mot de passe", RESET_PASSWORD)
    walk.fill("Confirmation du mot de passe", RESET_PASSWORD)
    walk.shot("reinitialisation")
    walk.press("Réinitialiser le mot de passe")
    expect(page.get_by_role("heading", name="Mot de passe réinitialisé")).to_be_visible()
    walk.shot("mot-de-passe-reinitialise")

    walk.log_in(first["email"], RESET_PASSWORD)
    expect(page.get_by_text(second["login_id"], exact=True)).to_be_visible()  # the default contract shows first
    walk.shot("reconnexion")
    context.close()


@pytest.mark.e2e
def test_errors_show_next_to_their_field_and_forms_work_without_javascript(sesame: Sesame, browser: Browser) -> None:
    """Issue 8: plain French next to each field, what was typed kept (never a
    password), and every form usable with JavaScript off."""
    creds = contract(sesame)
    context = browser.new_context(viewport=SIZES["phone"], java_script_enabled=False)
    walk = Walk(context.new_page(), sesame, "sans-javascript")
    page = walk.page
    walk.open("/activation")
    walk.fill("Code client", creds["client_code"])
    walk.fill("Code société", creds["company_code"])
    walk.fill("Identifiant provisoire", creds["login_id"])
    walk.fill("Mot de passe provisoire", "000000" if creds["provisional_password"] != "000000" else "111111")
    walk.press("Continuer")
    # at the top of the form (issue 16)
    expect(page.locator(".error-summary")).to_contain_text("Identifiant ou mot de passe incorrect")
    expect(page.get_by_label("Identifiant provisoire")).to_have_value(creds["login_id"])
    expect(page.get_by_label("Mot de passe provisoire")).to_have_value("")
    walk.shot("erreur-identifiants")

    walk.fill("Mot de passe provisoire", creds["provisional_password"])
    walk.press("Continuer")
    walk.fill("Adresse email", "pas-une-adresse")
    walk.press("Continuer")
    expect(page.locator("#f-email-error")).to_be_visible()
    expect(page.get_by_label("Adresse email")).to_have_value("pas-une-adresse")
    walk.shot("erreur-email")
    walk.fill("Adresse email", creds["email"])
    walk.press("Continuer")

    walk.fill("Nouveau mot de passe", PASSWORD)
    walk.fill("Confirmation du mot de passe", PASSWORD)
    walk.press("Créer mon compte")
    expect(page.locator("#f-accept_terms-error")).to_be_visible()
    walk.shot("erreur-cgu")
    walk.fill("Nouveau mot de passe", "azerty")
    walk.fill("Confirmation du mot de passe", "azerty")
    page.get_by_label("J'accepte les CGU").check()
    walk.press("Créer mon compte")
    expect(page.locator("#f-password-error")).to_contain_text("critères")
    expect(page.locator("#criteres li.unmet").first).to_be_visible()  # the server marks what is missing
    expect(page.get_by_label("J'accepte les CGU")).to_be_checked()  # the box stays ticked
    walk.shot("erreur-mot-de-passe")
    walk.fill("Nouveau mot de passe", PASSWORD)
    walk.fill("Confirmation du mot de passe", PASSWORD)
    walk.press("Créer mon compte")
    expect(page.get_by_role("heading", name="Vérification de l'email")).to_be_visible()
    walk.press("Réinitialiser l'activation de mon compte")
    expect(page.get_by_text("L'activation a été réinitialisée")).to_be_visible()
    walk.shot("activation-reinitialisee")
    context.close()


@pytest.mark.e2e
def test_the_live_criteria_apply_the_servers_policy(sesame: Sesame, browser: Browser) -> None:
    """The ✓ a person sees is the server's verdict: the page's script and the
    domain policy agree on the seeds' examples, edge cases and random strings."""
    creds = contract(sesame)
    activate(sesame, creds)  # a live reset link: a dead one opens on its reason, without the form (issue 16)
    sesame.http.post("/password-resets", json={"email": creds["email"]})
    token = link_token(sesame.wait_for_mail(creds["email"], count=2), "/reset-password")
    page = browser.new_page()
    page.goto(sesame.url + f"/reset-password?token={token}")
    policy = seeds_policy(BLOCKLIST)
    rng = random.Random(8)
    alphabet = string.ascii_letters + string.digits + string.punctuation + " éÉàÀßøØÿœ€٣_"
    samples = [
        "", "abc", "Tr3s-Secret!", "Azerty123!", "azerty", "MOTDEPASSE1!", "Élan-vital9", "_Aa1aaaaa", "Aa1!" * 70,
        "Passw0rd!", "١٢٣Abc!defg", "ÀÉÎÕÜ-abc1", "a b C 1 ?xy",  # noqa: RUF001 - Arabic-Indic digits, on purpose
        *("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(200)),
    ]
    for sample in samples:
        in_page = page.evaluate(
            "p => window.sesameUnmet(p, JSON.parse(document.getElementById('password-policy').textContent))", sample
        )
        assert in_page == policy.unmet(sample), sample
    page.close()


@pytest.mark.e2e
def test_the_keyboard_reaches_everything(sesame: Sesame, browser: Browser) -> None:
    """The first Tab shows « Aller au contenu »; the login form is reachable and
    submittable from the keyboard alone."""
    page = browser.new_page(viewport=SIZES["desktop"])
    page.goto(sesame.url + "/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id || document.activeElement.textContent")
    assert focused == "f-email", focused
    page.keyboard.type("inconnu@exemple.fr")
    page.keyboard.press("Tab")
    page.keyboard.type("Mauvais-passe1!")
    page.keyboard.press("Enter")
    expect(page.locator(".alert-error")).to_contain_text("incorrect")
    assert page.evaluate("document.activeElement.classList.contains('alert-error')")  # the error takes the focus
    page.close()
