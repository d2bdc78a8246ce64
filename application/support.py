"""Support staff and agencies searching the read models (issue 5).

Agency staff only ever see identities linked to (or activating) one of
their own contracts; every profile they open is recorded for the person.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from application.access_records import AccessRecords, Scoped
from application.errors import Refused
from application.ports import ReadModels
from application.staff import Staff
from domain.staff import StaffMember

NEXT_STEPS = {
    "email": "saisir son adresse email",
    "password": "choisir son mot de passe et accepter les CGU",
    "verify_email": "valider son adresse email par le lien reçu",
}
MAX_PER_PAGE = 100


def no_query(field: str) -> Refused:
    return Refused("invalid_request", "Indiquez ce que vous cherchez (email, identifiant, nom, codes).", field=field)


class Support:
    def __init__(self, read_models: ReadModels, access: AccessRecords, fold_query: Any) -> None:
        self.read_models = read_models
        self.access = access
        self.fold_query = fold_query

    def search(
        self, member: Scoped, query: object, page: object = 1, per_page: object = 20, cursor: object = None
    ) -> dict[str, Any]:
        """A page of results: after ``cursor`` (the ``next_cursor`` of the page
        before: the database resumes where it stopped) or else the ``page``-th."""
        if not isinstance(query, str) or not query.strip():
            raise no_query("q")
        words = self.fold_query(query)  # none (punctuation alone): nothing can match
        page_number, size = _positive(page, "page"), min(_positive(per_page, "per_page"), MAX_PER_PAGE)
        after = _cursor(cursor)
        offset = 0 if after is not None else (page_number - 1) * size
        found = self.read_models.search(words, Staff.scope(member), size + 1, offset, after) if words else []
        shown = found[:size]
        more = len(found) > size
        return {
            "results": [_public(r) for r in shown],
            "page": page_number,
            "per_page": size,
            "next_page": page_number + 1 if more else None,
            "next_cursor": _cursor_of(shown[-1]["key"]) if more else None,
        }

    def profile(self, member: StaffMember, identity_id: UUID, what: str = "profil support") -> dict[str, Any]:
        """One identity in ``member``'s scope; the read is recorded as ``what``."""
        profile = self.read_models.support_profile(identity_id, Staff.scope(member))
        if profile is None:
            raise Refused("not_found", "Aucune identité visible sous cet identifiant.")
        self.access.record(member, identity_id, what)
        view = _public(profile)
        view["pending_steps"] = [
            text
            for text in (
                NEXT_STEPS.get(profile.get("next_step") or ""),
                f"confirmer la nouvelle adresse {profile['pending_email']}" if profile.get("pending_email") else None,
                "réinitialiser son mot de passe par le lien reçu" if profile.get("reset_pending_until") else None,
            )
            if text
        ]
        view["default_account"] = profile.get("default_account")
        view["terms_version"] = profile.get("terms_version")
        view["started_at"] = profile.get("started_at")
        return view


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["identity_id"],
        "status": row["status"],
        "email": row.get("email") or row.get("proposed_email"),
        "email_verified": row["status"] == "active",
        "updated_at": row.get("updated_at"),
        "accounts": row.get("accounts", []),
    }


# rank.seq, as _cursor_of writes it, or empty (a form's blank field: the first page); the API document publishes it
CURSOR_PATTERN = "^([0-9]{1,18}\\.[0-9]{1,18})?$"


def _cursor_of(key: tuple[int, int]) -> str:
    return f"{key[0]}.{key[1]}"


def _cursor(value: object) -> tuple[int, int] | None:
    """The (rank, seq) a ``next_cursor`` stands for; absent or empty is None."""
    if value is None:
        return None
    if not re.fullmatch(CURSOR_PATTERN, str(value)):
        raise Refused(
            "invalid_request", "« cursor » est la valeur « next_cursor » d'une page précédente.", field="cursor"
        )
    if value == "":
        return None
    rank, _, seq = str(value).partition(".")
    return int(rank), int(seq)


def _positive(value: object, name: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if number < 1 or number > 10_000:
        raise Refused("invalid_request", f"« {name} » est un entier positif.", field=name)
    return number
