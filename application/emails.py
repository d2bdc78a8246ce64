"""Email addresses as keys: one normal form, so Jean@Exemple.fr is jean@exemple.fr."""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from application.email_words import in_french
from application.errors import Refused

MAX_EMAIL_LENGTH = 254

# The common case, plain ASCII, recognised without email-validator (an import checks a million):
# dot-separated atoms of letters, digits, _ + - (64 at most) @ dot-separated host labels, a
# top-level domain of letters. Anything else (an accent, a quote, "--", a reserved name, a long
# label) takes the full check; tests/application/test_emails.py proves the two agree.
PLAIN = re.compile(
    r"(?=[^@]{1,64}@)[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
RESERVED = tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES)  # and their subdomains


def plain_email(address: str) -> str | None:
    """The normal form of a plain ASCII address email-validator would accept, else None."""
    if not PLAIN.fullmatch(address) or "--" in address:
        return None
    normal = address.lower()
    return None if ("." + normal.partition("@")[2]).endswith(RESERVED) else normal


def normalize_email(raw: object) -> str:
    """The address in its canonical form, or ``invalid_email``."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_EMAIL_LENGTH:
        raise Refused("invalid_email", "Saisissez une adresse email valide.")
    address = raw.strip()
    plain = plain_email(address)
    if plain is not None:
        return plain
    try:
        checked = validate_email(address, check_deliverability=False)
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
