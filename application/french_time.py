"""A moment as a French reader writes it: « 30 novembre 2026 à 14 h 05 », Paris time.

Babel holds the month names and the time zone rules, so mails and pages
written at any hour of the year say the same as the person's clock.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime, get_timezone

PARIS = get_timezone("Europe/Paris")


def french_moment(moment: datetime | str) -> str:
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    text = format_datetime(at, "d MMMM y 'à' H 'h' mm", tzinfo=PARIS, locale="fr_FR")
    return f"1er{text[1:]}" if text.startswith("1 ") else text
