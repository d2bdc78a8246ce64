"""Issue 16's review walk, again, in a real browser: Debian's Chromium, headless,
at 360×740 and 1280×800, against a running ``sesame serve``.

A tenant of an agency that set its own look opens its sign-in address, activates
a contract typing the codes in lower case, follows a link that died, signs in,
links a second contract named by its property and switches to it, reads
« Mes données », then tries « Je fusionne mes comptes » with a mistyped
address. Every page state is screenshot under
``tests/artifacts/portal/review-<size>/`` and checked by axe-core (the npm
package, ``make test`` installs it into node_modules), injected by Playwright
before the page's own scripts; the walk asserts no violation at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.flows import PASSWORD
from tests.e2e.harness import Sesame
from tests.e2e.test_portal_browser import ARTIFACTS, SIZES, Walk

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LOGO = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 48" role="img">
<rect width="120" height="48" rx="6" fill="#7a1f5c"/><circle cx="24" cy="24" r="14" fill="#fff"/>
<path d="M16 28 L24 16 L32 28 Z" fill="#7a1f5c"/><text x="44" y="31" font-size="16" fill="#fff">PARC</text></svg>"""
HEADER = "client_code,company_code,login_id,provisional_password,email,holder_name,role,agency_name,property"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


class ReviewWalk(Walk):
    """Issue 8's checks at each screenshot, and axe-core's."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.folder = ARTIFACTS / f"review-{self.folder.name}"
        self.folder.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        super().shot(name)
        violations = self.page.evaluate(AXE_RUN)
        assert violations == [], f"{name}: axe-core found\n{json.dumps(violations, ensure_ascii=False, indent=1)}"


def imported(sesame: Sesame, n: int, client: str, company: str, agency: str, prop: str) -> dict[str, str]:
    login, code = f"{client}L{n:04d}", f"{n + 600000:06d}"
    path = sesame.root / f"review-{login}.csv"
    row = f"{client},{company},{login},{code},{login.lower()}@exemple.fr,Camille Durand,tenant,{agency},\"{prop}\""
    path.write_text(f"{HEADER}\n{row}\n")
    printed = sesame.cli("import-accounts", str(path), "--json", check=True).stdout
    report = json.loads(printed.strip().splitlines()[-1])
    assert report["added"] == 1, report
    email = f"{login.lower()}@exemple.fr"
    return {"client": client, "societe": company, "login_id": login, "code": code, "email": email}


@pytest.mark.parametrize("size", SIZES)
def test_a_tenant_meets_the_portal_of_their_agency(sesame: Sesame, browser: Browser, size: str) -> None:
    assert AXE.exists(), f"{AXE} is missing: run `make test` (npm ci installs axe-core)"
    n = 10 * list(SIZES).index(size)
    logo = sesame.root / "parc.svg"
    logo.write_text(LOGO)
    look = ("--name", "Agence du Parc", "--logo", str(logo), "--colour", "#7a1f5c")
    sesame.cli("agencies", "set", "AGP/SOCP", *look, check=True)
    first = imported(sesame, n + 1, "AGP", "SOCP", "", "12 rue des Lilas, Lyon 3e — lot 4")
    second = imported(sesame, n + 2, "AG2", "SOC2", "Cabinet Martin", "Résidence Les Cèdres, bât. B, appt 21")
    third = imported(sesame, n + 3, "AG3", "SOC3", "Foncia Part-Dieu", "8 quai Perrache, Lyon 2e")
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR")
    context.add_init_script(path=str(AXE))
    walk = ReviewWalk(context.new_page(), sesame, size)
    page = walk.page

    # the agency's own sign-in address: its name, logo and colour
    walk.open("/login?client=AGP&societe=SOCP")
    expect(page.get_by_role("banner").get_by_text("Agence du Parc")).to_be_visible()
    expect(page.locator(".brand-logo")).to_be_visible()
    walk.shot("connexion-agence")

    # activation, codes typed in lower case
    walk.open("/activation")
    walk.fill("Code client", first["client"].lower())
    walk.fill("Code société", first["societe"].lower())
    walk.fill("Identifiant provisoire", first["login_id"].lower())
    walk.fill("Mot de passe provisoire", first["code"])
    walk.shot("activation-codes-minuscules")
    walk.press("Continuer")
    expect(page.get_by_label("Adresse email")).to_be_visible()
    walk.shot("activation-email")
    walk.press("Continuer")
    walk.fill("Nouveau mot de passe", PASSWORD)
    walk.fill("Confirmation du mot de passe", PASSWORD)
    page.get_by_label("J'accepte les CGU").check()
    walk.press("Créer mon compte")
    expect(page.get_by_role("heading", name="Vérification de l'email")).to_be_visible()
    walk.shot("activation-verification")
    link = walk.mail_link(first["email"], "/verify-email", 1)
    mail = sesame.wait_for_mail(first["email"])
    assert mail["Subject"].startswith("Agence du Parc – ")
    walk.open(link)
    walk.press("Valider mon email")
    expect(page.get_by_role("heading", name="Adresse email validée")).to_be_visible()
    walk.shot("email-valide")

    # the same link again: dead, it says why and offers one way on
    walk.open(link)
    expect(page.get_by_role("button", name="Valider mon email")).to_have_count(0)
    expect(page.get_by_role("link", name="Me connecter")).to_be_visible()
    walk.shot("lien-deja-utilise")

    walk.log_in(first["email"], PASSWORD)
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()
    expect(page.get_by_role("heading", name="12 rue des Lilas, Lyon 3e — lot 4")).to_be_visible()
    expect(page.get_by_role("banner").get_by_text(f"Connecté : {first['email']}")).to_be_visible()
    expect(page.get_by_role("navigation", name="Mon compte").get_by_role("link", name="Mon espace")).to_have_attribute(
        "aria-current", "page"
    )
    walk.shot("espace")

    # a second contract, from another agency, named by its property
    page.get_by_role("link", name="Rattacher un bien").click()
    walk.fill("Code client", second["client"].lower())
    walk.fill("Code société", second["societe"])
    walk.fill("Identifiant provisoire", second["login_id"])
    walk.fill("Mot de passe provisoire", second["code"])
    walk.shot("rattachement")
    walk.press("Rattacher ce contrat")
    cedres = "Résidence Les Cèdres, bât. B, appt 21 · Cabinet Martin."
    expect(page.get_by_text(f"Bien rattaché à votre compte : {cedres}")).to_be_visible()
    expect(page.locator(".contracts > li")).to_have_count(2)
    walk.shot("mes-biens")
    page.locator(".contracts > li").nth(1).get_by_role("button", name="Consulter ce bien").click()
    expect(page.get_by_text(f"Vous consultez : {cedres}")).to_be_visible()
    walk.shot("vous-consultez")

    # « Mes données », readable and printable
    walk.open("/profil/mes-donnees")
    expect(page.get_by_role("heading", name="Mes données personnelles")).to_be_visible()
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    walk.shot("mes-donnees")

    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()

    # a deep link while signed out leads back there after signing in
    walk.open("/profil/historique")
    walk.shot("lien-profond-connexion")
    walk.submit_sign_in(first["email"], PASSWORD)
    expect(page.get_by_role("heading", name="Historique de mon compte")).to_be_visible()
    walk.shot("historique")
    page.get_by_role("button", name="Déconnexion").click()

    # « Je fusionne mes comptes » with a mistyped address: a warning, two ways on
    walk.open("/")
    page.get_by_role("link", name="Je fusionne mes comptes").click()
    walk.fill("Adresse email de votre compte personnel", first["email"].replace("@", "@x"))
    walk.fill("Code client", third["client"])
    walk.fill("Code société", third["societe"])
    walk.fill("Identifiant provisoire", third["login_id"])
    walk.fill("Mot de passe provisoire", third["code"])
    walk.press("Continuer")
    expect(page.get_by_role("button", name="Corriger l'adresse")).to_be_visible()
    walk.shot("fusion-adresse-inconnue")
    context.close()
