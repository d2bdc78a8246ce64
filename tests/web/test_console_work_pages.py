"""The console's pages beyond sign-in (issue 15) through Starlette's test
client: search, an identity's page, support actions behind a reason, the
auditor's state at a moment, an agency's import and contract end."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pyotp
import pytest
from starlette.testclient import TestClient

from application.french_time import PARIS
from domain.identity import Identity
from tests.web.conftest import PASSWORD, Portal
from tests.web.test_two_step_pages import secret_on

REASON = "Appel de la locataire, pas reçu le mail"


class StaffBrowser:
    """A staff member's own browser on the console, signed in as a member is:
    the invitation's link, a password, the two-step set-up (codes from pyotp)."""

    def __init__(self, portal: Portal, role: str, agency: str | None = None) -> None:
        self.portal = portal
        self.browser = Portal(
            TestClient(portal.client.app, base_url="http://testserver"), portal.container, portal.root, portal.clock
        )
        self.client = self.browser.client
        self.email = f"{role}.{uuid4().hex[:8]}@sesame.fr"
        self.member = portal.container.staff.add(f"Agent {role.capitalize()}", role, agency, self.email).member
        token = self.browser.link(self.email, "/console/invitation")
        self.browser.submit(
            f"/console/invitation?token={token}", token=token, password=PASSWORD, password_confirmation=PASSWORD
        )
        totp = pyotp.TOTP(secret_on(self.browser.submit("/console/deux-etapes").text))
        done = self.browser.submit(
            "/console/deux-etapes", "/console/deux-etapes/confirmer", code=totp.at(portal.clock.now())
        )
        assert done.status_code == 200, done.text

    def get(self, url: str) -> Any:
        return self.client.get(url, follow_redirects=False)

    def csrf(self, url: str) -> str:
        """The browser's CSRF token, from the page's form (else any form of the site)."""
        match = re.search(r'name="csrf" value="([^"]+)"', self.get(url).text)
        return match.group(1) if match else self.browser.csrf("/console/accueil")

    def post(self, page_url: str, action: str, files: Any = None, **fields: str) -> Any:
        data = {"csrf": self.csrf(page_url), **fields}
        return self.client.post(action, data=data, files=files, follow_redirects=False)


def staff(portal: Portal, role: str, agency: str | None = None) -> StaffBrowser:
    return StaffBrowser(portal, role, agency)


def identity_of(portal: Portal, email: str) -> str:
    portal.container.read_models.wait_for(portal.container.store.position())
    found = portal.container.support.search(staff_member(portal), email)["results"]
    assert len(found) == 1, found
    return str(found[0]["id"])


def staff_member(portal: Portal) -> Any:
    return portal.container.staff.add("Lecteur", "support").member


def test_search_finds_a_tenant_by_a_fragment_of_their_name(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    support = staff(portal, "support")
    portal.container.read_models.wait_for(portal.container.store.position())
    page = support.get("/console/recherche?q=titul")
    assert page.status_code == 200
    assert "Titulaire 1" in page.text and "activation en attente" in page.text and creds["login_id"] in page.text
    assert re.search(r'href="/console/personnes/[0-9a-f-]{36}"', page.text)
    assert "Aucune personne ne correspond" in support.get("/console/recherche?q=zzzz").text
    assert support.get("/console/recherche").status_code == 200


def test_the_page_says_why_the_person_cannot_log_in_and_records_the_view(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    identity_id = identity_of(portal, creds["email"])
    page = staff(portal, "support").get(f"/console/personnes/{identity_id}")
    assert page.status_code == 200, page.text
    assert "Ne peut pas encore se connecter" in page.text
    assert "Email non vérifié depuis" in page.text
    assert "import de l&#39;agence" in page.text and "par la personne" in page.text
    assert "Agent Support (support) : fiche dans la console" in page.text
    assert "Renvoyer l&#39;email de vérification" in page.text


def test_an_action_needs_a_reason_and_is_recorded_with_the_member(portal: Portal) -> None:
    creds = portal.activated()
    identity_id = identity_of(portal, creds["email"])
    support = staff(portal, "support")
    url = f"/console/personnes/{identity_id}"
    refused = support.post(url, f"{url}/reinitialisation", reason="ok")
    assert refused.status_code == 422 and "Indiquez la raison de cette action" in refused.text
    done = support.post(url, f"{url}/reinitialisation", reason=REASON)
    assert done.status_code == 303 and done.headers["location"].endswith("?fait=reinitialisation#actions")
    page = support.get(done.headers["location"])
    assert "Le lien de réinitialisation du mot de passe a été envoyé" in page.text
    assert f"raison donnée : « {REASON} »" in page.text and "par Agent Support (support)" in page.text
    assert portal.link(creds["email"], "/reset-password", count=2)  # the verification link came first
    notes = [
        e for e in portal.container.store.events.get(UUID(identity_id)) if isinstance(e, Identity.StaffActionTaken)
    ]
    assert [(n.staff_id, n.typed_reason) for n in notes] == [(support.member.id, REASON)]


def test_forms_need_their_csrf_token(portal: Portal) -> None:
    creds = portal.activated()
    identity_id = identity_of(portal, creds["email"])
    support = staff(portal, "support")
    answer = support.client.post(f"/console/personnes/{identity_id}/sessions", data={"reason": REASON})
    assert answer.status_code == 403


def test_an_auditor_reads_the_state_at_a_moment_and_cannot_act(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    identity_id = identity_of(portal, creds["email"])
    time.sleep(1.1)  # the field counts in seconds: the moment falls after the activation's events, before the proof
    moment = datetime.now(PARIS).replace(tzinfo=None, microsecond=0)
    token = portal.link(creds["email"], "/verify-email")
    assert portal.submit(f"/verify-email?token={token}", token=token).status_code == 200
    auditor = staff(portal, "auditor")
    url = f"/console/personnes/{identity_id}"
    page = auditor.get(f"{url}?a={moment.isoformat(timespec='seconds')}")
    assert page.status_code == 200, page.text
    assert "Ce qui a changé depuis" in page.text and "activation en attente" in page.text
    assert "Adresse email de connexion" in page.text
    assert "Actions du support" not in page.text
    assert auditor.post(url, f"{url}/sessions", reason=REASON).status_code == 403
    assert auditor.get(f"{url}?a=hier").status_code == 422


def test_an_agency_sees_only_its_own_people(portal: Portal) -> None:
    ours = portal.activated()
    theirs = portal.activated(client="AG2", company="SOC2")
    theirs_id = identity_of(portal, theirs["email"])
    agency = staff(portal, "agency", "AG1/SOC1")
    page = agency.get("/console/recherche?q=titulaire")
    assert ours["login_id"] in page.text and theirs["login_id"] not in page.text
    assert agency.get(f"/console/personnes/{theirs_id}").status_code == 404
    url = f"/console/personnes/{theirs_id}"
    assert (
        agency.post(
            f"/console/personnes/{identity_of(portal, ours['email'])}", f"{url}/sessions", reason=REASON
        ).status_code
        == 404
    )


def test_an_agency_imports_a_file_and_reads_the_report(portal: Portal) -> None:
    agency = staff(portal, "agency", "AG1/SOC1")
    csv = (
        "client_code,company_code,login_id,provisional_password,email,holder_name,role\n"
        "AG1,SOC1,IMP1,123456,imp1@exemple.fr,Mme Importée,tenant\n"
        "AG2,SOC2,IMP2,123456,,M. Autre,tenant\n"
        "AG1,SOC1,IMP3,12,,M. Court,tenant\n"
    ).encode()
    report = agency.post(
        "/console/agence", "/console/agence/import", files={"fichier": ("agence.csv", csv, "text/csv")}
    )
    assert report.status_code == 200, report.text
    assert re.search(r"<strong>1</strong> ajouté\b", report.text)
    assert "codes d&#39;une autre agence" in report.text and "6 chiffres" in report.text
    unusable = agency.post(
        "/console/agence", "/console/agence/import", files={"fichier": ("x.csv", b"a,b\n1,2\n", "text/csv")}
    )
    assert unusable.status_code == 422 and "colonnes manquantes" in unusable.text
    assert staff(portal, "support").get("/console/agence").status_code == 403


def ended_at(portal: Portal, login_id: str) -> Any:
    account = portal.container.directory.account("AG1", "SOC1", login_id)
    assert account is not None
    return account.ended_at


def test_an_agency_ends_a_contract_after_confirming(portal: Portal) -> None:
    creds = portal.contract()
    agency = staff(portal, "agency", "AG1/SOC1")
    asked = agency.post("/console/agence", "/console/agence/fin-de-contrat", login_id=creds["login_id"])
    assert asked.status_code == 200 and "Oui, mettre fin au contrat" in asked.text
    assert ended_at(portal, creds["login_id"]) is None
    done = agency.post(
        "/console/agence", "/console/agence/fin-de-contrat", login_id=creds["login_id"], confirmation="oui"
    )
    assert done.status_code == 200 and "est terminé depuis le" in done.text
    assert ended_at(portal, creds["login_id"]) is not None
    unknown = agency.post("/console/agence", "/console/agence/fin-de-contrat", login_id="NOPE", confirmation="oui")
    assert unknown.status_code == 404 and "Aucun contrat" in unknown.text


@pytest.mark.parametrize("path", ["/console/recherche", "/console/personnes/x", "/console/agence"])
def test_pages_carry_no_inline_script_or_style(portal: Portal, path: str) -> None:
    page = staff(portal, "agency", "AG1/SOC1").get(path)
    assert "<script>" not in page.text and "style=" not in page.text and "<style" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
