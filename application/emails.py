"""Email addresses as keys: one normal form, so Jean@Exemple.fr is jean@exemple.fr."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from application.email_words import in_french
from application.errors import Refused

MAX_EMAIL_LENGTH = 254


def normalize_email(raw: object) -> str:
    """The address in its canonical form, or ``invalid_email``."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_EMAIL_LENGTH:
        raise Refused("invalid_email", "Saisissez une adresse email valide.")
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise Refused("invalid_email", in_french(str(error))) from error
    return checked.normalized.casefold()
