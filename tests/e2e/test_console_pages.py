"""The console's pages beyond sign-in through a running server (issue 15), on
both topologies: a support member finds a tenant by a fragment of a name,
sees why they cannot log in, acts with a reason (the mails arrive, the
sessions end); an auditor sees the account at a past moment; an agency member
imports a file, ends a contract, and never reaches another agency's person."""

from __future__ import annotations

import re
import time
from datetime import datetime

import httpx

from application.french_time import PARIS
from tests.e2e.console_flows import ConsoleBrowser, enrolled
from tests.e2e.flows import activate, awaiting_verification, contract, log_in
from tests.e2e.harness import Sesame, link_token, wait_until

REASON = "Appel au support : ne reçoit pas le mail"


def member(sesame: Sesame, role: str, agency: str | None = None) -> ConsoleBrowser:
    browser, _, _ = enrolled(sesame, f"Agent {role}", role, f"{role}.{time.monotonic_ns()}@sesame.fr", agency)
    return browser


def found(browser: ConsoleBrowser, query: str, login_id: str) -> str:
    """The identity's page a search leads to (once the read models caught up)."""
    pages: list[str] = []

    def listed() -> bool:
        text = browser.http.get("/console/recherche", params={"q": query}).text
        pages.append(text.partition("<tbody>")[2])
        return login_id in pages[-1]

    wait_until(listed, f"{login_id} in the search results")
    row = pages[-1][: pages[-1].index(login_id)]
    return str(re.findall(r'href="(/console/personnes/[0-9a-f-]{36})"', row)[-1])


def act(browser: ConsoleBrowser, page: str, action: str, reason: str = REASON) -> httpx.Response:
    return browser.submit(page, f"{page}/{action}", reason=reason)


def test_support_finds_a_tenant_sees_why_and_sends_the_links_again(sesame: Sesame) -> None:
    support = member(sesame, "support")
    waiting = contract(sesame)
    awaiting_verification(sesame, waiting)
    number = int(waiting["login_id"][-4:])
    holder = f"Titulaire {number}"  # flows.contract's holder name
    page = found(support, f"titul {number}", waiting["login_id"])
    shown = support.http.get(page)
    assert shown.status_code == 200 and holder in shown.text
    assert "Ne peut pas encore se connecter" in shown.text and "Email non vérifié depuis" in shown.text
    assert (
        "par import de l&#39;agence" in shown.text and "Agent support (support) : fiche dans la console" in shown.text
    )

    refused = act(support, page, "verification", reason="non")
    assert refused.status_code == 422 and "Indiquez la raison" in refused.text
    done = act(support, page, "verification")
    assert done.status_code == 303, done.text
    assert "L&#39;email de vérification a été renvoyé" in support.http.get(done.headers["location"]).text
    link_token(sesame.wait_for_mail(waiting["email"], count=2), "/verify-email")

    active = contract(sesame)
    activate(sesame, active)
    bearer = log_in(sesame, active["email"])
    page = found(support, active["login_id"].lower(), active["login_id"])
    assert act(support, page, "reinitialisation").status_code == 303
    link_token(sesame.wait_for_mail(active["email"], count=2), "/reset-password")
    assert act(support, page, "sessions").status_code == 303
    assert sesame.http.get("/me", headers=bearer).status_code == 401
    timeline = support.http.get(page).text
    assert timeline.count(f"raison donnée : « {REASON} »") == 2 and "par Agent support (support)" in timeline


def test_an_auditor_sees_the_account_as_it_was(sesame: Sesame) -> None:
    auditor = member(sesame, "auditor")
    creds = contract(sesame)
    _, token = awaiting_verification(sesame, creds)
    page = found(auditor, creds["login_id"], creds["login_id"])
    time.sleep(1.1)  # the field counts in seconds: the moment falls between the activation's steps
    moment = datetime.now(PARIS).replace(tzinfo=None, microsecond=0).isoformat()
    assert sesame.http.post("/email-verifications", json={"token": token}).status_code == 200
    then = auditor.http.get(page, params={"a": moment})
    assert then.status_code == 200 and "Ce qui a changé depuis" in then.text
    assert re.search(r"<th scope=\"row\">Statut</th><td[^>]*>activation en attente</td><td[^>]*>actif</td>", then.text)
    assert "Actions du support" not in then.text
    assert act(auditor, page, "sessions").status_code == 403


def test_an_agency_imports_ends_a_contract_and_sees_only_its_people(sesame: Sesame) -> None:
    agency = member(sesame, "agency", "AG7/SOC7")
    other = contract(sesame, client="AG8", company="SOC8")
    activate(sesame, other)
    support = member(sesame, "support")
    theirs = found(support, other["login_id"], other["login_id"])

    form = agency.http.get("/console/agence")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text
    csv = (
        "client_code,company_code,login_id,provisional_password,email,holder_name,role\n"
        "AG7,SOC7,SEPT1,123456,sept1@exemple.fr,Mme Septième,tenant\n"
        "AG8,SOC8,HUIT1,123456,,M. Huitième,tenant\n"
    )
    report = agency.http.post(
        "/console/agence/import",
        data={"csrf": token.group(1)},
        files={"fichier": ("agence.csv", csv.encode(), "text/csv")},
    )
    assert report.status_code == 200, report.text
    assert "<strong>1</strong> ajouté" in report.text and "codes d&#39;une autre agence" in report.text

    assert agency.http.get(theirs).status_code == 404
    results = agency.http.get("/console/recherche", params={"q": other["login_id"]})
    assert "Aucune personne ne correspond" in results.text and "<tbody>" not in results.text
    assert agency.submit("/console/agence", f"{theirs}/sessions", reason=REASON).status_code == 404

    asked = agency.submit("/console/agence", "/console/agence/fin-de-contrat", login_id="SEPT1")
    assert "Oui, mettre fin au contrat" in asked.text
    ended = agency.submit("/console/agence", "/console/agence/fin-de-contrat", login_id="SEPT1", confirmation="oui")
    assert ended.status_code == 200 and "est terminé depuis le" in ended.text
