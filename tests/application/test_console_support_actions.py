"""Support actions of the staff console (issue 15): each needs a reason, is
recorded with the member's id, stays within an agency's people, and auditors
cannot act. The identity's file says why a person cannot log in and who
caused each event; auditors see the state at a moment and what changed since."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.bootstrap import Container
from application.errors import Refused
from domain.identity import Identity
from domain.staff import StaffMember
from tests.application.conftest import FakeClock
from tests.application.test_retention import PASSWORD, activated, imported

REASON = "Appel du 24/11 : ne reçoit pas le mail"


@pytest.fixture
def clock() -> FakeClock:
    """The clock at the real time: the event store stamps events with it, and
    the file compares those stamps with the clock."""
    clock = FakeClock()
    clock.current = datetime.now(UTC)
    return clock


@pytest.fixture
def app(app: Container) -> Container:
    app.start(("projections",))
    return app


def member(app: Container, role: str, agency: str | None = None) -> StaffMember:
    return app.staff.add(f"Agent {role}", role, agency).member


def pending(app: Container, n: int, email: str) -> Any:
    """An activation waiting for its email to be verified."""
    row = imported(app, n)
    started = app.activation.start(
        row["client_code"], row["company_code"], row["login_id"], row["provisional_password"]
    )
    app.activation.propose_email(started["activation"], email)
    app.activation.choose_password(started["activation"], PASSWORD, PASSWORD, True)
    app.read_models.wait_for(app.store.position())
    return app.directory.identity(app.directory.keys.owner_of(started["activation"]))


def staff_events(app: Container, identity_id: Any) -> list[Any]:
    return [e for e in app.store.events.get(identity_id) if isinstance(e, Identity.StaffActionTaken)]


def test_a_reset_link_needs_a_reason_and_records_the_member(app: Container) -> None:
    person = activated(app, imported(app, 1), "reset@exemple.fr")
    app.read_models.wait_for(app.store.position())
    support = member(app, "support")
    for reason in (None, "", "   ", "oui", "x" * 501):
        with pytest.raises(Refused) as refused:
            app.support_actions.send_reset_link(support, person.id, reason)
        assert refused.value.code == "invalid_request" and refused.value.details["field"] == "reason"
    assert staff_events(app, person.id) == []

    assert app.support_actions.send_reset_link(support, person.id, f"  {REASON}\n") == "reset@exemple.fr"
    events = list(app.store.events.get(person.id))
    note, request = events[-2:]
    assert isinstance(note, Identity.StaffActionTaken) and isinstance(request, Identity.PasswordResetRequested)
    assert (note.staff_id, note.role, note.action, note.typed_reason) == (
        support.id,
        "support",
        "password_reset_link",
        REASON,
    )


def test_a_verification_link_is_sent_again_within_the_mail_limits(app: Container) -> None:
    person = pending(app, 2, "attente@exemple.fr")
    support = member(app, "support")
    assert app.support_actions.resend_verification(support, person.id, REASON) == "attente@exemple.fr"
    app.support_actions.resend_verification(support, person.id, REASON)  # the first link was the activation's
    with pytest.raises(Refused) as refused:
        app.support_actions.resend_verification(support, person.id, REASON)
    assert refused.value.code == "too_many_attempts"
    assert [e.action for e in staff_events(app, person.id)] == ["resend_verification"] * 2
    with pytest.raises(Refused) as refused:
        app.support_actions.send_reset_link(support, person.id, REASON)
    assert refused.value.code == "step_out_of_order"


def test_ending_the_sessions_goes_through_the_sign_out_cascade(app: Container) -> None:
    person = activated(app, imported(app, 3), "sessions@exemple.fr")
    first = app.sessions.log_in("sessions@exemple.fr", PASSWORD)
    second = app.sessions.log_in("sessions@exemple.fr", PASSWORD, None, True)
    app.read_models.wait_for(app.store.position())
    app.support_actions.end_sessions(member(app, "support"), person.id, REASON)
    assert app.sessions.current(first.token) is None and app.sessions.current(second.token) is None
    assert [e.action for e in staff_events(app, person.id)] == ["end_sessions"]


def test_auditors_read_and_never_act(app: Container) -> None:
    person = activated(app, imported(app, 4), "audit@exemple.fr")
    app.read_models.wait_for(app.store.position())
    auditor = member(app, "auditor")
    for action in (app.support_actions.send_reset_link, app.support_actions.end_sessions):
        with pytest.raises(Refused) as refused:
            action(auditor, person.id, REASON)
        assert refused.value.code == "forbidden"
    assert staff_events(app, person.id) == []


def test_an_agency_acts_only_on_its_own_people(app: Container) -> None:
    ours = activated(app, imported(app, 5), "nous@exemple.fr")
    row = {
        "client_code": "AG2",
        "company_code": "SOC2",
        "login_id": "X001",
        "provisional_password": "123456",
        "email": "",
        "holder_name": "Autre Agence",
        "role": "tenant",
    }
    app.importer.run([(2, row)])
    theirs = activated(app, row, "eux@exemple.fr")
    app.read_models.wait_for(app.store.position())
    agency = member(app, "agency", "AG1/SOC1")
    with pytest.raises(Refused) as refused:
        app.support_actions.send_reset_link(agency, theirs.id, REASON)
    assert refused.value.code == "not_found"
    with pytest.raises(Refused):
        app.identity_file.open(agency, theirs.id)
    app.support_actions.send_reset_link(agency, ours.id, REASON)
    assert [(e.staff_id, e.role) for e in staff_events(app, ours.id)] == [(agency.id, "agency")]


def test_the_file_says_why_and_who(app: Container, clock: FakeClock) -> None:
    person = pending(app, 6, "pourquoi@exemple.fr")
    clock.advance(days=3, hours=2)
    support = member(app, "support")
    app.support_actions.resend_verification(support, person.id, REASON)
    app.read_models.wait_for(app.store.position())
    file = app.identity_file.open(support, person.id)
    assert file["status"] == "activation en attente"
    assert file["login"].startswith("Ne peut pas encore se connecter")
    assert file["pending"][0].startswith("Email non vérifié depuis 3 jours : dernier lien envoyé à pourquoi@exemple.fr")
    by = {e["type"]: e["who"] for e in file["timeline"]}
    assert by["ContractImported"] == "import de l'agence"
    assert by["ActivationStarted"] == by["EmailProposed"] == "la personne"
    assert by["StaffActionTaken"] == "Agent support (support)"
    assert [e["who"] for e in file["timeline"] if e["type"] == "EmailVerificationRequested"] == [
        "Agent support (support)",
        "la personne",
    ]  # newest first
    assert f"raison donnée : « {REASON} »" in file["timeline"][1]["description"]
    assert [r["what"] for r in file["staff_reads"]] == ["fiche dans la console"]


def test_an_unverified_email_says_since_when(app: Container, clock: FakeClock) -> None:
    person = pending(app, 7, "lent@exemple.fr")
    clock.advance(days=3, hours=1)  # the events stay 3 days in the past
    file = app.identity_file.open(member(app, "support"), person.id)
    assert file["pending"][0].startswith("Email non vérifié depuis 3 jours")
    assert "le lien a expiré le" in file["pending"][0]


def test_an_auditor_sees_the_state_at_a_moment_and_what_changed_since(app: Container, clock: FakeClock) -> None:
    person = pending(app, 8, "avant@exemple.fr")
    moment = datetime.now(UTC)  # the event store stamps events with the real time
    link = person.verification
    assert link is not None
    token = app.directory.keys.mint("verify-email", person.id, link.nonce)
    app.activation.verify_email(token)
    clock.advance(hours=1)
    view = app.audit.since(member(app, "auditor"), person.id, moment)
    assert view["then"]["status"] == "activating" and view["now"]["status"] == "active"
    changed = {c["label"]: (c["then"], c["now"]) for c in view["changed"]}
    assert changed["Statut"] == ("activation en attente", "actif")
    assert changed["Adresse email de connexion"] == ("—", "avant@exemple.fr")
    assert [e["type"] for e in view["events_since"]] == ["EmailVerified", "AccountLinked"]


def test_wrong_passwords_say_why_an_active_person_cannot_log_in(app: Container) -> None:
    person = activated(app, imported(app, 9), "oublie@exemple.fr")
    for _ in range(6):
        with pytest.raises(Refused):
            app.sessions.log_in("oublie@exemple.fr", "Pas-le-bon-1!")
    app.read_models.wait_for(app.store.position())
    file = app.identity_file.open(member(app, "support"), person.id)
    assert file["login"].startswith(
        "Ne peut pas se connecter pour l'instant avec oublie@exemple.fr : trop d'essais erronés"
    )
    assert (
        file["pending"][0]
        == "5 essais de mot de passe erronés d'affilée : prochain essai possible dans moins d'une minute."
    )  # the 6th waits


def test_a_pending_email_change_is_said_with_its_new_address(app: Container) -> None:
    person = activated(app, imported(app, 10), "ancienne@exemple.fr")
    app.account_settings.request_email_change(person.id, "nouvelle@exemple.fr", PASSWORD)
    app.read_models.wait_for(app.store.position())
    file = app.identity_file.open(member(app, "support"), person.id)
    assert file["login"] == "Peut se connecter avec ancienne@exemple.fr et son mot de passe."
    assert file["pending"][0].startswith("Changement d'adresse vers nouvelle@exemple.fr demandé le ")
    assert "pas encore confirmé (valable jusqu'au" in file["pending"][0]
