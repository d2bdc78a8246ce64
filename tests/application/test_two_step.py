"""Two-step sign-in over a real event store, with the clock in the test's hands
so each time step is chosen: codes once, recovery codes once, erasure shreds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest

from adapters.bootstrap import Container
from application.audit import state_view
from application.errors import Refused
from application.history import describe
from application.personal_data import ERASED
from domain.identity import Identity
from tests.application.conftest import FakeClock
from tests.application.test_retention import PASSWORD, activated, identity_of, imported

EMAIL = "deux-etapes@exemple.fr"


@pytest.fixture
def app(app: Container) -> Container:
    """With the read models kept up to date (logging in reads them)."""
    app.start(("projections",))
    return app


def enrolled(app: Container, clock: FakeClock) -> tuple[Identity, pyotp.TOTP, list[str]]:
    person = activated(app, imported(app, 41), EMAIL)
    answer = app.two_step.enrol(person.id, PASSWORD)
    totp = pyotp.TOTP(answer["secret"])
    assert answer["otpauth_uri"] == totp.provisioning_uri(name=EMAIL, issuer_name="Sésame")
    codes = app.two_step.confirm(person.id, totp.at(clock.now()))
    return person, totp, codes


def challenge(app: Container) -> str:
    with pytest.raises(Refused) as refused:
        app.sessions.log_in(EMAIL, PASSWORD)
    assert refused.value.code == "two_step_required"
    return str(refused.value.details["challenge"])


def refused_code(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(Refused) as refused:
        call(*args)
    return refused.value.code


def test_a_code_is_accepted_once_and_never_an_earlier_one(app: Container, clock: FakeClock) -> None:
    person, totp, _ = enrolled(app, clock)
    confirming = totp.at(clock.now())
    assert refused_code(app.two_step.complete, challenge(app), confirming) == "invalid_code"
    clock.advance(seconds=30)
    ch = challenge(app)
    assert app.two_step.complete(ch, totp.at(clock.now())).identity_id == person.id
    later = totp.at(clock.now() + timedelta(seconds=30))
    assert refused_code(app.two_step.complete, ch, later) == "invalid_code"  # challenge used
    same_step = totp.at(clock.now())
    assert refused_code(app.two_step.complete, challenge(app), same_step) == "invalid_code"
    assert app.two_step.complete(challenge(app), totp.at(clock.now() + timedelta(seconds=30)))  # the drift ahead


def test_a_recovery_code_opens_one_sign_in_ever(app: Container, clock: FakeClock) -> None:
    _, _, codes = enrolled(app, clock)
    assert len(set(codes)) == 10
    assert app.two_step.complete(challenge(app), codes[0].upper().replace("-", " "))
    assert refused_code(app.two_step.complete, challenge(app), codes[0]) == "invalid_code"
    assert app.two_step.complete(challenge(app), codes[1])


def test_a_challenge_lives_five_minutes(app: Container, clock: FakeClock) -> None:
    _, totp, _ = enrolled(app, clock)
    ch = challenge(app)
    clock.advance(minutes=5, seconds=1)
    assert refused_code(app.two_step.complete, ch, totp.at(clock.now())) == "invalid_code"


def test_turning_off_takes_the_password_and_a_code(app: Container, clock: FakeClock) -> None:
    person, _, codes = enrolled(app, clock)
    assert refused_code(app.two_step.disable, person.id, "Faux-mot-de-passe1", codes[0]) == "invalid_credentials"
    assert refused_code(app.two_step.disable, person.id, PASSWORD, "123") == "invalid_code"
    app.two_step.disable(person.id, PASSWORD, codes[0])
    assert app.sessions.log_in(EMAIL, PASSWORD).identity_id == person.id


def test_nothing_secret_in_the_history_or_the_audit_and_erasure_shreds_the_secret(
    app: Container, clock: FakeClock
) -> None:
    person, totp, codes = enrolled(app, clock)
    app.two_step.complete(challenge(app), codes[2])
    described = str([describe(e) for e in app.store.stream(person.id)])
    assert totp.secret not in described and not [c for c in codes if c in described]
    assert "Validation en deux étapes activée" in described
    audited = state_view(identity_of(app, person.id), clock.now())
    assert audited["two_step"] == "on" and totp.secret not in str(audited)
    app.erasure.erase_mine(person.id, PASSWORD)
    enrolment = next(e for e in app.store.stream(person.id) if isinstance(e, Identity.TwoStepEnrolled))
    assert enrolment.totp_secret == ERASED
