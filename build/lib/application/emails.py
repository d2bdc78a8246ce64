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


def check_confirmation(address: object, confirmation: object) -> None:
    """An address typed twice (the portal's form; the API when it sends
    ``new_email_confirmation``) must be the same, case aside: else ``email_mismatch``."""
    if not (
        isinstance(address, str) and isinstance(confirmation, str)
        and address.strip().casefold() == confirmation.strip().casefold()
    ):
        raise Refused(
            "email_mismatch", "Les deux adresses ne sont pas identiques.", field="new_email_confirmation"
        )
