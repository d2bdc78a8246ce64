"""Retention driven by an injected clock: seven days after the last contract
ends, the identity and the contract records are erased without anyone asking."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import Container
from application.errors import Refused
from domain.identity import ACTIVE, ERASED, Identity
from tests.application.conftest import FakeClock

PASSWORD = "Tr3s-Secret!"


def imported(app: Container, n: int, email: str = "") -> dict[str, str]:
    row = {
        "client_code": "AG1", "company_code": "SOC1", "login_id": f"R{n:03d}", "provisional_password": f"{n:06d}",
        "email": email, "holder_name": f"Titulaire Retenu {n}", "role": "tenant",
    }
    assert app.importer.run([(2, row)]).added == 1
    return row


def activated(app: Container, row: dict[str, str], email: str) -> Identity:
    started = app.activation.start(
        row["client_code"], row["company_code"], row["login_id"], row["provisional_password"]
    )
    app.activation.propose_email(started["activation"], email)
    app.activation.choose_password(started["activation"], PASSWORD, PASSWORD, True)
    identity = app.directory.identity(app.directory.keys.owner_of(started["activation"]))
    assert identity is not None and identity.verification is not None
    token = app.directory.keys.mint("verify-email", identity.id, identity.verification.nonce)
    app.activation.verify_email(token)
    return identity_of(app, identity.id)


def identity_of(app: Container, identity_id: UUID) -> Identity:
    """The identity, which the test knows exists."""
    identity = app.directory.identity(identity_id)
    assert identity is not None
    return identity


@pytest.fixture
def app(app: Container) -> Container:
    """The use cases with their read models kept up to date, as in ``serve``."""
    app.start(("projections",))
    return app


def raw_store() -> bytes:
    return b"".join(p.read_bytes() for p in Path("var").glob("sesame.db*"))


def sweep(app: Container) -> dict[str, Any]:
    app.read_models.wait_for(app.store.position())
    result: dict[str, Any] = app.retention.sweep()
    return result


def test_an_identity_is_erased_seven_days_after_its_last_contract_ended(app: Container, clock: FakeClock) -> None:
    first, second = imported(app, 1), imported(app, 2)
    person = activated(app, first, "retenu@exemple.fr")
    session = app.sessions.log_in("retenu@exemple.fr", PASSWORD)
    app.fusion.link_from_session(
        person.id, second["client_code"], second["company_code"], second["login_id"], second["provisional_password"]
    )

    app.retention.end_contract("AG1", "SOC1", "R001")
    clock.advance(days=8)
    assert sweep(app) == {"identities_erased": [], "contracts_erased": 0}  # one contract is still open
    app.retention.end_contract("AG1", "SOC1", "R002")
    clock.advance(days=6, hours=23)
    assert sweep(app)["identities_erased"] == []
    clock.advance(hours=2)
    result = sweep(app)
    assert result == {"identities_erased": [str(person.id)], "contracts_erased": 2}
    assert identity_of(app, person.id).status == ERASED
    assert app.sessions.current(session.token) is None
    for row in (first, second):
        account = app.directory.account("AG1", "SOC1", row["login_id"])
        assert account is not None and account.erased
    raw = raw_store()
    for secret in (b"retenu@exemple.fr", b"Titulaire Retenu", b"R001", b"R002"):
        assert secret not in raw, secret
    assert sweep(app) == {"identities_erased": [], "contracts_erased": 0}  # idempotent


def test_a_never_activated_contract_is_erased_after_it_ends(app: Container, clock: FakeClock) -> None:
    imported(app, 3, email="suggere@exemple.fr")
    app.retention.end_contract("AG1", "SOC1", "R003")
    clock.advance(days=7, minutes=1)
    assert sweep(app) == {"identities_erased": [], "contracts_erased": 1}
    raw = raw_store()
    assert b"suggere@exemple.fr" not in raw and b"Titulaire Retenu 3" not in raw
    with pytest.raises(Refused):
        app.retention.end_contract("AG1", "SOC1", "R003")


def test_a_reopened_contract_is_kept(app: Container, clock: FakeClock) -> None:
    row = imported(app, 4)
    person = activated(app, row, "garde@exemple.fr")
    app.retention.end_contract("AG1", "SOC1", "R004")
    clock.advance(days=3)
    assert app.importer.run([(2, row)]).updated == 1  # the agency exports it again
    clock.advance(days=10)
    assert sweep(app) == {"identities_erased": [], "contracts_erased": 0}
    assert identity_of(app, person.id).status == ACTIVE


def test_the_sweep_deletes_expired_sessions(app: Container, clock: FakeClock) -> None:
    person = activated(app, imported(app, 5), "expire@exemple.fr")
    session = app.sessions.log_in("expire@exemple.fr", PASSWORD)
    clock.advance(hours=13)
    sweep(app)
    with app.db.read() as tx:
        rows = tx.execute("SELECT * FROM sessions WHERE identity_id = :id", {"id": str(person.id)}).all()
    assert rows == [] and app.sessions.current(session.token) is None
