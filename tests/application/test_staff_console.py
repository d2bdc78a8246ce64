"""Staff accounts and console sign-in over a real event store (issue 15):
the address held by one member through the store, the sign-in's answers and
counts, the console sessions' deadlines and their end at disabling."""

from __future__ import annotations

import pyotp
import pytest

from adapters.bootstrap import Container
from application.errors import Refused
from application.staff import STAFF_INVITATION
from domain.staff import StaffMember
from tests.application.conftest import FakeClock

PASSWORD = "Tr3s-Secret!"
EMAIL = "claire@sesame.fr"


def enrolled(app: Container, email: str = EMAIL) -> tuple[StaffMember, pyotp.TOTP]:
    member = app.staff.add("Claire", "support", None, email).member
    assert member.invitation is not None
    token = app.directory.keys.mint(STAFF_INVITATION, member.id, member.invitation.nonce)
    app.console.invitations.accept(token, PASSWORD, PASSWORD)
    totp = pyotp.TOTP(app.console.two_step.enrol(member.id)["secret"])
    app.console.two_step.confirm(member.id, totp.at(app.clock.now()))
    return member, totp


def test_two_invitations_racing_for_one_address_cannot_both_win(
    app: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not check-then-write: even when the second one saw no claim, the store
    refuses its claim, and its retry finds the address taken."""
    app.staff.add("Première", "support", None, EMAIL)
    looked = []
    real_claim = app.directory.claim

    def stale_once(digest: str):  # type: ignore[no-untyped-def]
        looked.append(digest)
        return None if len(looked) == 1 else real_claim(digest)

    monkeypatch.setattr(app.directory, "claim", stale_once)
    with pytest.raises(Refused) as refused:
        app.staff.add("Seconde", "auditor", None, "Claire@Sesame.fr")
    assert refused.value.code == "email_taken" and len(looked) == 2
    assert [m.name for m in app.staff.all()] == ["Première"]  # the loser left nothing


def test_sign_in_needs_the_password_and_a_code_and_says_the_same_for_every_failure(
    app: Container, clock: FakeClock
) -> None:
    member, totp = enrolled(app)
    clock.advance(seconds=30)
    sign_in = app.console.sign_in.sign_in
    for email, password, code in ((EMAIL, "Pas-le-bon-1!", totp.at(clock.now())), (EMAIL, PASSWORD, ""),
                                  ("inconnu@sesame.fr", PASSWORD, "123456"), ("pas une adresse", PASSWORD, "1")):
        with pytest.raises(Refused) as refused:
            sign_in(email, password, code)
        assert refused.value.code == "invalid_credentials"
        assert refused.value.message == "Adresse email, mot de passe ou code incorrect."
    token = sign_in(EMAIL.upper(), PASSWORD, totp.at(clock.now()))
    current = app.console.sessions.current(token)
    assert current is not None and current.id == member.id


def test_a_right_password_with_a_wrong_code_keeps_the_password_count(app: Container, clock: FakeClock) -> None:
    _, totp = enrolled(app)
    clock.advance(seconds=30)
    for _ in range(5):
        with pytest.raises(Refused):
            app.console.sign_in.sign_in(EMAIL, PASSWORD, "000000" if totp.at(clock.now()) != "000000" else "111111")
    with pytest.raises(Refused) as refused:
        app.console.sign_in.sign_in(EMAIL, PASSWORD, totp.at(clock.now()))
    assert refused.value.code == "too_many_attempts"  # no fresh guesses for whoever knows the password


def test_a_member_without_two_step_signs_in_to_the_set_up_only(app: Container) -> None:
    member = app.staff.add("Claire", "support", None, EMAIL).member
    assert member.invitation is not None
    token = app.directory.keys.mint(STAFF_INVITATION, member.id, member.invitation.nonce)
    app.console.invitations.accept(token, PASSWORD, PASSWORD)
    session = app.console.sign_in.sign_in(EMAIL, PASSWORD, "")
    current = app.console.sessions.current(session)
    assert current is not None and not current.may_enter_console  # the gate sends it to the set-up


def test_console_sessions_end_unused_at_their_deadline_and_all_at_disabling(app: Container, clock: FakeClock) -> None:
    member, totp = enrolled(app)
    clock.advance(seconds=30)
    first = app.console.sign_in.sign_in(EMAIL, PASSWORD, totp.at(clock.now()))
    clock.advance(seconds=30)
    second = app.console.sign_in.sign_in(EMAIL, PASSWORD, totp.at(clock.now()))
    clock.advance(minutes=10)
    assert app.console.sessions.current(first) is not None
    clock.advance(minutes=10)
    assert app.console.sessions.current(first) is not None  # used 10 minutes ago
    assert app.console.sessions.current(second) is None  # unused for 20 minutes
    app.staff.disable(str(member.id))
    assert app.console.sessions.current(first) is None
    with app.db.read() as tx:
        rows = tx.execute("SELECT token_digest FROM console_sessions WHERE staff_id = :s", {"s": str(member.id)}).all()
    assert rows == []  # both sessions deleted at once
    with pytest.raises(Refused):
        app.console.two_step.enrol(member.id)


def test_raised_argon2_parameters_rehash_a_staff_password_at_sign_in(
    app: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the people's (tests/application/test_sessions.py): the stored hash follows the configured cost."""
    member, totp = enrolled(app)
    old_hash = app.staff.member(str(member.id)).password_hash
    monkeypatch.setattr(app.console.sign_in.passwords, "needs_rehash", lambda stored: stored == old_hash)
    clock.advance(seconds=30)
    app.console.sign_in.sign_in(EMAIL, PASSWORD, totp.at(clock.now()))
    rehashed = app.staff.member(str(member.id)).password_hash
    assert rehashed not in (None, old_hash) and app.console.sign_in.passwords.verify(rehashed, PASSWORD)
    events = [type(e).__name__ for e in app.store.events.get(member.id)]
    clock.advance(seconds=30)
    app.console.sign_in.sign_in(EMAIL, PASSWORD, totp.at(clock.now()))
    assert [type(e).__name__ for e in app.store.events.get(member.id)].count("PasswordRehashed") == 1
    assert events.count("PasswordRehashed") == 1
