"""A moment as a French reader writes it: « 30 novembre 2026 à 14 h 05 », Paris time.

Babel holds the month names and the time zone rules, so mails and pages
written at any hour of the year say the same as the person's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_datetime, get_timezone

PARIS = get_timezone("Europe/Paris")


def french_moment(moment: datetime | str) -> str:
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    text = format_datetime(at, "d MMMM y 'à' H 'h' mm", tzinfo=PARIS, locale="fr_FR")
    return f"1er{text[1:]}" if text.startswith("1 ") else text


def french_duration(delta: timedelta) -> str:
    """How long, roughly, as a support desk says it: « 3 jours », « 5 heures »,
    « 12 minutes », « moins d'une minute »."""
    seconds = max(0, int(delta.total_seconds()))
    for size, one, many in ((86_400, "jour", "jours"), (3_600, "heure", "heures"), (60, "minute", "minutes")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {one if count == 1 else many}"
    return "moins d'une minute"
