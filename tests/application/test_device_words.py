"""The device in words (ua-parser) and French moments (Babel, Europe/Paris)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.device_words import device_words
from application.french_time import french_moment

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"


@pytest.mark.parametrize(("user_agent", "words"), [
    (ANDROID, "Chrome sur Android"), (IPHONE, "Safari sur iPhone"), (WINDOWS, "Firefox sur Windows"),
    ("", "Appareil inconnu"), ("python-httpx/0.28.1", "Appareil inconnu"), ("x" * 100_000, "Appareil inconnu"),
])
def test_device_words(user_agent: str, words: str) -> None:
    assert device_words(user_agent) == words


def test_french_moment_in_paris_time() -> None:
    assert french_moment(datetime(2026, 11, 30, 13, 5, tzinfo=UTC)) == "30 novembre 2026 à 14 h 05"
    assert french_moment("2026-07-01T08:00:00+00:00") == "1er juillet 2026 à 10 h 00"  # summer time
