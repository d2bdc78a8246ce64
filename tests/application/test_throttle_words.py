"""A throttled person is told how long to wait, in words (issue 16, point 9)."""

from __future__ import annotations

from datetime import timedelta

from application.french_time import french_wait
from application.throttle import LOCKED, PASSWORD, too_many_attempts


def test_the_wait_is_said_in_seconds_minutes_or_hours_rounded_up() -> None:
    assert french_wait(1) == "1\u00a0seconde" and french_wait(40) == "40\u00a0secondes"
    assert french_wait(60) == "1\u00a0minute" and french_wait(181) == "4\u00a0minutes"
    assert french_wait(3600) == "1\u00a0heure" and french_wait(3601) == "2\u00a0heures"


def test_too_many_attempts_says_when_to_try_again() -> None:
    refusal = too_many_attempts(timedelta(minutes=3, seconds=10), PASSWORD)
    assert (
        refusal.message == "Trop de tentatives. Réessayez dans 4\u00a0minutes."
        and refusal.details["retry_after"] == 190
    )
    assert "réinitialisez votre mot de passe" in too_many_attempts(LOCKED, PASSWORD).message
