"""Support staff and agencies searching the read models (issue 5).

Agency staff only ever see identities linked to (or activating) one of
their own contracts; every profile they open is recorded for the person.
"""

from __future__ import annotations

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


class Support:
    def __init__(self, read_models: ReadModels, access: AccessRecords, fold_query: Any) -> None:
        self.read_models = read_models
        self.access = access
        self.fold_query = fold_query

    def search(self, member: Scoped, query: object, page: object = 1, per_page: object = 20) -> dict[str, Any]:
        words = self.fold_query(query) if isinstance(query, str) else []
        if not words:
            raise Refused(
                "invalid_request", "Indiquez ce que vous cherchez (email, identifiant, nom, codes).", field="q"
            )
        page_number, size = _positive(page, "page"), min(_positive(per_page, "per_page"), MAX_PER_PAGE)
        found = self.read_models.search(words, Staff.scope(member), size + 1, (page_number - 1) * size)
        return {
            "results": [_public(r) for r in found[:size]],
            "page": page_number,
            "per_page": size,
            "next_page": page_number + 1 if len(found) > size else None,
        }

    def profile(self, member: StaffMember, identity_id: UUID) -> dict[str, Any]:
        profile = self.read_models.support_profile(identity_id, Staff.scope(member))
        if profile is None:
            raise Refused("not_found", "Aucune identité visible sous cet identifiant.")
        self.access.record(member, identity_id, "profil support")
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


def _positive(value: object, name: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if number < 1 or number > 10_000:
        raise Refused("invalid_request", f"« {name} » est un entier positif.", field=name)
    return number
