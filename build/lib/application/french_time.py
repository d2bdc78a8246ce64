"""A moment as a French reader writes it: « 30 novembre 2026 à 14 h 05 », Paris
time, and a day: « 1er novembre 2026 ».

Babel holds the month names and the time zone rules, so mails and pages
written at any hour of the year say the same as the person's clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime, get_timezone

PARIS = get_timezone("Europe/Paris")


def french_wait(seconds: int) -> str:
    """How long to wait, as one says it: « 40 secondes », « 4 minutes », « 1 heure »
    (rounded up: a person told 4 minutes who tries again then is let in)."""
    if seconds < 60:
        return _plural(seconds, "seconde")
    if seconds < 3600:
        return _plural(-(-seconds // 60), "minute")
    return _plural(-(-seconds // 3600), "heure")


def _plural(count: int, word: str) -> str:
    return f"{count}\u00a0{word}{'s' if count > 1 else ''}"


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


def french_date(value: date | datetime | str | None) -> str:
    """« 1er novembre 2026 »: a day (a CGU version, an end date) in words; a
    text that is no date is given back as it is."""
    if not value:
        return ""
    day: date | datetime
    if isinstance(value, str):
        try:
            day = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    if isinstance(day, datetime):
        day = day.astimezone(PARIS).date() if day.tzinfo else day.date()
    text = format_date(day, "d MMMM y", locale="fr_FR")
    return f"1er{text[1:]}" if text.startswith("1 ") else text
