"""An identity's history in plain words: what the person, support and auditors read.

Secrets recorded in events (password hashes, link nonces, keyed digests)
never leave the store: only the fields listed as public are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

Timeline = Callable[[UUID, list[dict[str, Any]]], list[dict[str, Any]]]
"""(identity id, its described events) → the person's whole history (sign-ins merged in)."""

SECRET_FIELDS = {
    "password_hash", "nonce", "activation_nonce", "provisional_digest", "digest",
    "totp_secret", "recovery_digests", "recovery_digest", "time_step", "device_digest",
}

WORDS: dict[str, str] = {
    "ActivationStarted": "Activation commencée avec les identifiants provisoires du contrat {account}",
    "ActivationResumed": "Activation reprise avec les identifiants provisoires",
    "EmailProposed": "Adresse email proposée : {email}",
    "PasswordSet": "Mot de passe personnel choisi",
    "TermsAccepted": "CGU et politique de confidentialité acceptées (version {version})",
    "EmailVerificationRequested": "Email de vérification envoyé à {email}",
    "EmailVerified": "Adresse email {email} validée : compte activé",
    "AccountLinked": "Contrat {account} rattaché au compte",
    "ActivationReset": "Activation réinitialisée : les identifiants provisoires redeviennent valables",
    "MergedInto": "Activation fusionnée dans un compte personnel existant",
    "DefaultAccountChosen": "Contrat affiché par défaut : {account}",
    "PasswordChanged": "Mot de passe modifié",
    "PasswordRehashed": "Protection du mot de passe renforcée",
    "PasswordResetRequested": "Réinitialisation du mot de passe demandée",
    "PasswordReset": "Mot de passe réinitialisé par le lien reçu",
    "EmailChangeRequested": "Changement d'adresse email demandé vers {new_email}",
    "EmailChanged": "Adresse email changée de {old_email} en {new_email}",
    "FirstDeviceSignedIn": "Première connexion, depuis {device} (adresse {ip})",
    "NewDeviceSignedIn": "Connexion depuis un nouvel appareil ({device}, adresse {ip}) : avis envoyé par email",
    "SessionsEnded": "Sessions fermées depuis « Sécurité » : {devices}",
    "TwoStepEnrolled": "Validation en deux étapes : mise en place commencée",
    "TwoStepConfirmed": "Validation en deux étapes activée, 10 codes de secours créés",
    "TwoStepChallenged": "Mot de passe vérifié : code de validation en deux étapes demandé",
    "TwoStepCodeAccepted": "Code de validation en deux étapes accepté",
    "RecoveryCodeUsed": "Code de secours utilisé",
    "TwoStepDisabled": "Validation en deux étapes désactivée",
    "StaffActionTaken": "{action} — raison donnée : « {typed_reason} »",
}

# An identity's status (``Identity.status``), in words.
STATUS_WORDS = {
    "active": "actif",
    "activating": "activation en attente",
    "erased": "effacé",
    "merged": "fusionné dans un autre compte",
    "reset": "activation abandonnée",
}

# What a staff member did (``Identity.StaffActionTaken.action``), in words.
STAFF_ACTIONS = {
    "resend_verification": "Le support a renvoyé l'email de vérification",
    "password_reset_link": "Le support a envoyé un lien de réinitialisation du mot de passe",
    "end_sessions": "Le support a fermé toutes les sessions",
}

# An agency contract's own events, seen from the person's history.
CONTRACT_WORDS = {
    "Imported": "Contrat {account} importé",
    "Updated": "Contrat {account} mis à jour",
    "Reopened": "Contrat {account} rouvert",
    "Ended": "Contrat {account} terminé",
    "Erased": "Contrat {account} effacé : fin de la durée de conservation",
}

# Who caused an event, keyed by event (``Aggregate.Event`` qualified name);
# an event not listed is the person's own doing. ``who`` refines a few.
PERSON, AGENCY_IMPORT, SESAME = "la personne", "import de l'agence", "Sésame (automatique)"
WHO: dict[str, str] = {
    "Identity.PasswordRehashed": SESAME,
    "AgencyAccount.Imported": AGENCY_IMPORT,
    "AgencyAccount.Updated": AGENCY_IMPORT,
    "AgencyAccount.Reopened": AGENCY_IMPORT,
    "AgencyAccount.Ended": "l'agence",
    "AgencyAccount.Erased": SESAME,
}
ERASED_BY = {"person": PERSON, "operator": "un opérateur (ligne de commande)", "retention": SESAME}
SIGNED_OUT_BY = {"end_session": "l'application", "refresh_replay": SESAME, "support": "le support"}
STAFF_ROLES = {"support": "support", "auditor": "audit", "agency": "agence"}
BY_STAFF = ("EmailVerificationRequested", "PasswordResetRequested")  # what a staff action writes after its record


def public_data(event: Any) -> dict[str, Any]:
    """The event's fields that may leave the store, JSON-ready."""
    data = {}
    for name, value in vars(event).items():
        if name in SECRET_FIELDS or name.startswith("originator") or name == "timestamp":
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value) if value is not None else None
    return data


def staff_words(event: Any) -> str:
    """« Nom (rôle) » of the staff member an event records."""
    return f"{event.staff_name} ({STAFF_ROLES.get(event.role, event.role)})"


def who(event: Any, before: Any = None) -> str:
    """Who caused ``event``, in words; ``before`` is the event just before it in
    the same stream: a link a staff action requested is that member's doing."""
    kind = type(event).__name__
    if kind == "StaffActionTaken":
        return staff_words(event)
    if kind in BY_STAFF and type(before).__name__ == "StaffActionTaken":
        return staff_words(before)
    if type(event).__qualname__ == "Identity.Erased":
        return ERASED_BY.get(event.reason, PERSON)
    if kind == "SignedOut":
        return SIGNED_OUT_BY.get(event.reason, PERSON)
    return WHO.get(type(event).__qualname__, PERSON)


def describe(event: Any, account_label: Callable[[str], str] = str) -> dict[str, Any]:
    kind = type(event).__name__
    data = public_data(event)
    account = data.get("account_id") or ""
    shown = {**data, "action": STAFF_ACTIONS.get(str(data.get("action")), data.get("action"))}
    words = WORDS.get(kind, kind).format(account=account_label(account) if account else "", **shown)
    return {
        "position": event.originator_version,
        "type": kind,
        "at": event.timestamp.isoformat(),
        "description": words,
        "data": data,
    }


def describe_contract(event: Any, account_label: Callable[[str], str]) -> dict[str, Any]:
    """An agency contract's event in the words of a person's history (the
    contract named as the reader may see it)."""
    kind = type(event).__name__
    return {
        "position": event.originator_version,
        "type": f"Contract{kind}",
        "at": event.timestamp.isoformat(),
        "description": CONTRACT_WORDS.get(kind, kind).format(account=account_label(str(event.originator_id))),
        "data": {"account_id": str(event.originator_id)},
    }
