"""Agency codes and login ids in their one canonical form.

Agencies print their client code, company code and login ids in capitals
(« AGLYON / SOC01 », « LOC001234 »), and people type them as they come:
``aglyon``, `` soc01 ``, ``loc 001234``. A code holds only letters, digits and
``. _ -`` (the import refuses anything else), so it is compared in one form:
every space removed, every letter in upper case. Every digest that names a
contract (its aggregate id, its claim, its provisional code's digest) is
computed from that form, and so is every comparison of an agency's codes
(staff scope, an agency client's scope). Upper case keeps the digests of the
contracts imported before this rule, whose codes were in capitals, as they were.
"""

from __future__ import annotations


def canonical_code(raw: str) -> str:
    """A client code, company code or login id as Sésame keys it: ``" ag1 "`` → ``"AG1"``."""
    return "".join(raw.split()).upper()


def agency_pair(text: str) -> tuple[str, str]:
    """``CLIENT/COMPANY`` as typed on a command line (``aglyon/soc01``), canonical."""
    client, _, company = text.partition("/")
    return canonical_code(client), canonical_code(company)


def same_agency(codes: tuple[str, str], client_code: str, company_code: str) -> bool:
    """Whether ``codes`` name the agency of (client_code, company_code), whatever their case."""
    return (canonical_code(codes[0]), canonical_code(codes[1])) == (
        canonical_code(client_code),
        canonical_code(company_code),
    )
