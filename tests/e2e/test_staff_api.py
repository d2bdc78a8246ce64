"""Issue 5 through a running server: staff roles and scopes, support search,
audit replay and time travel, the agency import API, accountability."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.flows import PASSWORD, activate, contract, log_in, person, provisional
from tests.e2e.harness import Sesame, wait_until


def staff(sesame: Sesame, name: str, role: str, agency: str | None = None) -> dict[str, str]:
    args = ["staff", "add", name, "--role", role] + (["--agency", agency] if agency else [])
    token = sesame.cli(*args, check=True).stdout.strip().splitlines()[-1]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def team(sesame: Sesame) -> dict[str, dict[str, str]]:
    return {
        "support": staff(sesame, "Claire Support", "support"),
        "auditor": staff(sesame, "Alain Auditeur", "auditor"),
        "agency1": staff(sesame, "Agence Une", "agency", "AG1/SOC1"),
        "agency2": staff(sesame, "Agence Deux", "agency", "AG2/SOC2"),
    }


def test_roles_are_enforced_on_every_staff_call(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    calls = {
        "support": ("GET", "/support/identities?q=x"),
        "auditor": ("GET", "/audit/identities/00000000-0000-0000-0000-000000000000/events"),
        "agency": ("POST", "/agencies/AG1/SOC1/accounts"),
    }
    allowed = {"support": {"support", "agency1", "agency2"}, "auditor": {"auditor"}, "agency": {"agency1"}}
    for kind, (method, path) in calls.items():
        for who, headers in team.items():
            answer = sesame.http.request(method, path, headers=headers, json=[] if method == "POST" else None)
            if who in allowed[kind]:
                assert answer.status_code not in (401, 403), (kind, who, answer.text)
            else:
                assert answer.status_code == 403 and answer.json()["error"] == "forbidden", (kind, who)
        anonymous = sesame.http.request(method, path, json=[] if method == "POST" else None)
        assert anonymous.status_code == 401
        bad = sesame.http.request(method, path, headers={"Authorization": "Bearer " + "x" * 65})
        assert bad.status_code == 401


def test_agency_import_api_reports_like_the_csv_import(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    rows = [
        {"client_code": "AG1", "company_code": "SOC1", "login_id": "API001", "provisional_password": "123456",
         "email": "api1@exemple.fr", "holder_name": "Amélie Api", "role": "owner"},
        {"client_code": "AG1", "company_code": "SOC1", "login_id": "API001", "provisional_password": "123456",
         "email": "api1@exemple.fr", "holder_name": "Amélie Api", "role": "owner"},
        {"client_code": "AG2", "company_code": "SOC2", "login_id": "API002", "provisional_password": "123456",
         "email": "", "holder_name": "Autre Agence", "role": "owner"},
        {"client_code": "AG1", "company_code": "SOC1", "login_id": "API003", "provisional_password": "12",
         "email": "", "holder_name": "Code Court", "role": "owner"},
        "pas un objet",
    ]
    report = sesame.http.post("/agencies/AG1/SOC1/accounts", headers=team["agency1"], json=rows).json()
    assert report["added"] == 1
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert "répétée" in reasons[2] and "autre agence" in reasons[3]
    assert "6 chiffres" in reasons[4] and "manquante" in reasons[5]
    again = sesame.http.post("/agencies/AG1/SOC1/accounts", headers=team["agency1"], json=rows[:1]).json()
    assert again["unchanged"] == 1
    other = sesame.http.post("/agencies/AG2/SOC2/accounts", headers=team["agency1"], json=rows[2:3])
    assert other.status_code == 403  # another agency's codes in the path
    assert sesame.http.post("/agencies/AG1/SOC1/accounts", headers=team["agency1"], json={"a": 1}).status_code == 400


def wait_until_found(sesame: Sesame, headers: dict[str, str], query: str, count: int = 1) -> list[dict[str, Any]]:
    """Search is a projection: it follows the store within milliseconds."""
    deadline = time.monotonic() + 10
    while True:
        results: list[dict[str, Any]] = sesame.http.get(
            "/support/identities", headers=headers, params={"q": query}
        ).json()["results"]
        if len(results) >= count or time.monotonic() > deadline:
            return results


def test_support_search_by_email_login_name_and_codes_with_prefix_and_accents(
    sesame: Sesame, team: dict[str, dict[str, str]]
) -> None:
    sesame.import_rows("AG1,SOC1,HEL001,654321,helene@exemple.fr,Hélène Lefèvre,co_owner", name="helene.csv")
    creds = {"client_code": "AG1", "company_code": "SOC1", "login_id": "HEL001", "provisional_password": "654321",
             "email": "helene@exemple.fr"}
    activate(sesame, creds)
    for query in ("helene@exemple.fr", "HELENE", "lefev", "Lefèvre hél", "hel001", "HEL0", "AG1 lefevre"):
        results = wait_until_found(sesame, team["support"], query)
        assert [r["email"] for r in results if r["email"] == "helene@exemple.fr"], query
    assert wait_until_found(sesame, team["support"], "lefevre zzz", count=0) == []
    assert sesame.http.get("/support/identities", headers=team["support"], params={"q": " "}).status_code == 422
    scoped = wait_until_found(sesame, team["agency2"], "lefevre", count=0)
    assert scoped == []  # another agency's clients stay invisible
    assert wait_until_found(sesame, team["agency1"], "lefevre")


def test_search_is_paginated(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    for n in range(3):
        activate(sesame, contract(sesame, email=f"pagine{n}@exemple.fr"))
    wait_until_found(sesame, team["support"], "pagine", count=3)
    pages: dict[str, str | int] = {"q": "pagine", "per_page": 2}
    first = sesame.http.get("/support/identities", headers=team["support"], params=pages).json()
    second = sesame.http.get("/support/identities", headers=team["support"], params={**pages, "page": 2}).json()
    assert len(first["results"]) == 2 and first["next_page"] == 2
    assert len(second["results"]) == 1 and second["next_page"] is None
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    params = {"q": "pagine", "per_page": 2, "cursor": first["next_cursor"]}
    resumed = sesame.http.get("/support/identities", headers=team["support"], params=params).json()
    assert resumed["results"] == second["results"] and resumed["next_cursor"] is None
    params["cursor"] = "pas-un-curseur"
    assert sesame.http.get("/support/identities", headers=team["support"], params=params).status_code == 422
    bad = sesame.http.get("/support/identities", headers=team["support"], params={"q": "pagine", "page": "zéro"})
    assert bad.status_code == 422


def test_support_profile_and_agency_scope(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    creds, auth = person(sesame)
    identity = sesame.http.get("/me", headers=auth).json()["id"]
    profile = sesame.http.get(f"/support/identities/{identity}", headers=team["support"])
    assert profile.status_code == 200
    view = profile.json()
    assert view["status"] == "active" and view["email"] == creds["email"] and view["pending_steps"] == []
    assert [a["login_id"] for a in view["accounts"]] == [creds["login_id"]]
    assert sesame.http.get(f"/support/identities/{identity}", headers=team["agency1"]).status_code == 200
    assert sesame.http.get(f"/support/identities/{identity}", headers=team["agency2"]).status_code == 404
    assert sesame.http.get("/support/identities/pas-un-id", headers=team["support"]).status_code == 404


def test_a_pending_activation_shows_its_next_step(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    creds = contract(sesame, email="en-route@exemple.fr")
    activation = sesame.http.post("/activations", json=provisional(creds)).json()["activation"]
    sesame.http.post(f"/activations/{activation}/email", json={"email": creds["email"]})
    (found,) = wait_until_found(sesame, team["support"], "en-route@exemple.fr")  # the contract's email finds it at once

    def view() -> dict[str, Any]:
        answer: dict[str, Any] = sesame.http.get(f"/support/identities/{found['id']}", headers=team["support"]).json()
        return answer

    next_step = ["choisir son mot de passe et accepter les CGU"]
    wait_until(lambda: view()["pending_steps"] == next_step, "the email step in the support view")  # a projection
    assert view()["status"] == "activating"


def test_audit_events_in_order_without_secrets(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    _, auth = person(sesame)
    identity = sesame.http.get("/me", headers=auth).json()["id"]
    events = sesame.http.get(f"/audit/identities/{identity}/events", headers=team["auditor"]).json()["events"]
    assert [e["position"] for e in events] == list(range(1, len(events) + 1))
    assert {"position", "type", "at", "data"} <= set(events[0])
    flat = str(events)
    assert "argon2" not in flat and "nonce" not in flat and "digest" not in flat
    nobody = "00000000-0000-0000-0000-000000000000"
    assert sesame.http.get(f"/audit/identities/{nobody}/events", headers=team["auditor"]).status_code == 404


def test_audit_state_at_several_moments_of_one_history(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    creds, auth = person(sesame)
    identity = sesame.http.get("/me", headers=auth).json()["id"]
    events = sesame.http.get(f"/audit/identities/{identity}/events", headers=team["auditor"]).json()["events"]
    moments = {e["type"]: datetime.fromisoformat(e["at"]) for e in events}
    time.sleep(0.01)
    sesame.http.post("/me/email", headers=auth, json={"new_email": "change-" + creds["email"], "password": PASSWORD})

    def state(at: datetime) -> dict[str, Any]:
        answer = sesame.http.get(
            f"/audit/identities/{identity}/state", headers=team["auditor"], params={"at": at.isoformat()}
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    started = state(moments["ActivationStarted"])
    assert started["status"] == "activating" and started["email"] is None and started["password_set"] is False
    proposed = state(moments["PasswordSet"])
    assert proposed["proposed_email"] == creds["email"]
    assert proposed["password_set"] is True and proposed["terms_version"] is None
    waiting = state(moments["EmailVerificationRequested"])
    assert waiting["pending"]["email_verification"]["email"] == creds["email"]
    active = state(moments["AccountLinked"])
    assert active["status"] == "active" and active["email"] == creds["email"] and len(active["accounts"]) == 1
    now = state(datetime.now(UTC) + timedelta(seconds=1))
    assert now["pending"]["email_change"]["new_email"] == "change-" + creds["email"]
    before = sesame.http.get(
        f"/audit/identities/{identity}/state", headers=team["auditor"],
        params={"at": (moments["ActivationStarted"] - timedelta(seconds=1)).isoformat()},
    )
    assert before.status_code == 404
    unreadable = sesame.http.get(f"/audit/identities/{identity}/state", headers=team["auditor"], params={"at": "hier"})
    assert unreadable.status_code == 422


def test_every_staff_read_is_recorded_and_shown_to_the_person(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    _, auth = person(sesame)
    identity = sesame.http.get("/me", headers=auth).json()["id"]
    sesame.http.get(f"/support/identities/{identity}", headers=team["support"])
    sesame.http.get(f"/audit/identities/{identity}/events", headers=team["auditor"])
    sesame.http.get(
        f"/audit/identities/{identity}/state", headers=team["auditor"], params={"at": "2100-01-01T00:00:00"}
    )
    reads = sesame.http.get("/me/history", headers=auth).json()["staff_reads"]
    assert [(r["staff_name"], r["what"]) for r in reads] == [
        ("Claire Support", "profil support"), ("Alain Auditeur", "historique d'audit"), (
            "Alain Auditeur", "état à une date"
        ),
    ]
    assert sesame.http.get("/me/export", headers=auth).json()["staff_reads"] == reads


def test_history_and_search_on_the_command_line(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    identity = sesame.http.get("/me", headers=auth).json()["id"]
    timeline = sesame.cli("history", creds["email"], check=True).stdout
    assert "Activation commencée" in timeline and "validée" in timeline
    state = sesame.cli("history", identity, "--at", "2100-01-01T00:00:00Z", "--json", check=True).stdout
    assert '"status": "active"' in state
    found = sesame.cli("search", creds["login_id"], check=True).stdout
    assert identity in found
    reads = sesame.http.get("/me/history", headers=auth).json()["staff_reads"]
    assert reads and reads[0]["staff_name"].startswith("ligne de commande")
    assert log_in(sesame, creds["email"], PASSWORD)


def test_an_agency_ends_its_own_contracts_only(sesame: Sesame, team: dict[str, dict[str, str]]) -> None:
    creds = contract(sesame)
    path = f"/agencies/AG1/SOC1/accounts/{creds['login_id']}"
    assert sesame.http.delete(path, headers=team["agency2"]).status_code == 403
    assert sesame.http.delete(path, headers=team["support"]).status_code == 403
    ended = sesame.http.delete(path, headers=team["agency1"])
    assert ended.status_code == 202
    again = sesame.http.delete(path, headers=team["agency1"])
    assert again.json()["ended_at"] == ended.json()["ended_at"]  # the first end date stands
    assert sesame.http.delete("/agencies/AG1/SOC1/accounts/INCONNU", headers=team["agency1"]).status_code == 404
    other = contract(sesame)
    result = sesame.cli("end-contract", "AG1/SOC1", other["login_id"], check=True)
    assert "effacé 7 jours après" in result.stdout
    sweep = sesame.cli("retention", check=True)  # nothing is due yet
    assert '"contracts_erased": 0' in sweep.stdout


def test_an_agency_sees_only_its_own_contracts_of_a_person_it_shares(
    sesame: Sesame, team: dict[str, dict[str, str]]
) -> None:
    """Issue 19, finding 5: search terms, results and the profile stay within the agency's contracts."""
    sesame.import_rows(
        "AG1,SOC1,PARTA01,135790,client.partage@exemple.fr,Armand Premier,tenant",
        "AG2,SOC2,PARTB01,246801,,Bastien Second,owner",
        name="shared.csv",
    )
    mine = {"client_code": "AG1", "company_code": "SOC1", "login_id": "PARTA01", "provisional_password": "135790",
            "email": "client.partage@exemple.fr"}
    theirs = {"client_code": "AG2", "company_code": "SOC2", "login_id": "PARTB01", "provisional_password": "246801"}
    activate(sesame, mine)
    auth = log_in(sesame, mine["email"])
    assert sesame.http.post("/me/accounts", headers=auth, json=theirs).status_code == 201
    second = [a["id"] for a in sesame.http.get("/me", headers=auth).json()["accounts"] if a["login_id"] == "PARTB01"]
    assert sesame.http.put("/me/default-account", headers=auth, json={"account": second[0]}).status_code in (200, 204)
    (both,) = wait_until_found(sesame, team["support"], "bastien armand")  # the link is in the read models
    assert {a["login_id"] for a in both["accounts"]} == {"PARTA01", "PARTB01"}
    identity = both["id"]
    for agency, own, other in (("agency1", "PARTA01", ("PARTB01", "Bastien Second", "AG2", "SOC2")),
                               ("agency2", "PARTB01", ("PARTA01", "Armand Premier", "AG1", "SOC1"))):
        headers = team[agency]
        (found,) = wait_until_found(sesame, headers, own)
        assert [a["login_id"] for a in found["accounts"]] == [own], agency
        assert wait_until_found(sesame, headers, "client.partage@exemple.fr")[0]["id"] == identity
        for query in (*other, other[1].split()[0], f"{other[2]} {other[0]}", f"{own} {other[0]}"):
            assert wait_until_found(sesame, headers, query, count=0) == [], (agency, query)
        profile = sesame.http.get(f"/support/identities/{identity}", headers=headers).json()
        assert [a["login_id"] for a in profile["accounts"]] == [own], agency
        assert not any(value in str(profile) for value in other[:2]), profile
        assert profile["default_account"] in (None, *(a["id"] for a in profile["accounts"]))
    full = sesame.http.get(f"/support/identities/{identity}", headers=team["support"]).json()
    assert {a["login_id"] for a in full["accounts"]} == {"PARTA01", "PARTB01"} and full["default_account"] == second[0]
