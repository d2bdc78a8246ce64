"""An identity's history in plain words: what the person, support and auditors read.

Secrets recorded in events (password hashes, link nonces, keyed digests)
never leave the store: only the fields listed as public are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from application.french_time import french_date

Timeline = Callable[[UUID, list[dict[str, Any]]], list[dict[str, Any]]]
"""(identity id, its described events) → the person's whole history (sign-ins merged in)."""

SECRET_FIELDS = {
    "password_hash", "nonce", "activation_nonce", "provisional_digest", "digest",
    "totp_secret", "recovery_digests", "recovery_digest", "time_step", "device_digest",
}

WORDS: dict[str, str] = {
    "ActivationStarted": "Activation commencée avec les identifiants provisoires du bien : {account}",
    "ActivationResumed": "Activation reprise avec les identifiants provisoires",
    "EmailProposed": "Adresse email proposée : {email}",
    "PasswordSet": "Mot de passe personnel choisi",
    "TermsAccepted": "CGU et politique de confidentialité acceptées (version du {version_day})",
    "EmailVerificationRequested": "Email de vérification envoyé à {email}",
    "EmailVerified": "Adresse email {email} validée : compte activé",
    "AccountLinked": "Bien rattaché au compte : {account}",
    "ActivationReset": "Activation réinitialisée : les identifiants provisoires redeviennent valables",
    "MergedInto": "Activation fusionnée dans un compte personnel existant",
    "DefaultAccountChosen": "Bien affiché par défaut : {account}",
    "PasswordChanged": "Mot de passe modifié",
    "PasswordRehashed": "Protection du mot de passe renforcée",
    "PasswordResetRequested": "Réinitialisation du mot de passe demandée",
    "PasswordReset": "Mot de passe réinitialisé par le lien reçu",
    "EmailChangeRequested": "Changement d'adresse email demandé vers {new_email}",
    "EmailChanged": "Adresse email changée de {old_email} en {new_email}",
    "EmailChangeCancelled": "Changement d'adresse email annulé",
    "FirstDeviceSignedIn": "Première connexion, depuis {device} (adresse {ip})",
    "NewDeviceSignedIn": "Connexion depuis un nouvel appareil ({device}, adresse {ip}) : avis envoyé par email",
    "SessionsEnded": "Sessions fermées depuis « Sécurité » : {devices}",
    "TwoStepEnrolled": "Validation en deux étapes : mise en place commencée",
    "TwoStepConfirmed": "Validation en deux étapes activée, 10 codes de secours créés",
    "TwoStepChallenged": "Mot de passe vérifié : code de validation en deux étapes demandé",
    "TwoStepCodeAccepted": "Code de validation en deux étapes accepté",
    "RecoveryCodeUsed": "Code de secours utilisé",
    "TwoStepDisabled": "Validation en deux étapes désactivée",
}


def public_data(event: Any) -> dict[str, Any]:
    """The event's fields that may leave the store, JSON-ready."""
    data = {}
    for name, value in vars(event).items():
        if name in SECRET_FIELDS or name.startswith("originator") or name == "timestamp":
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value) if value is not None else None
    return data


def describe(event: Any, account_label: Callable[[str], str] = str) -> dict[str, Any]:
    kind = type(event).__name__
    data = public_data(event)
    account = data.get("account_id") or ""
    day = french_date(data["version"]) if kind == "TermsAccepted" and data.get("version") else ""
    words = WORDS.get(kind, kind).format(account=account_label(account) if account else "", version_day=day, **data)
    return {
        "position": event.originator_version,
        "type": kind,
        "at": event.timestamp.isoformat(),
        "description": words,
        "data": data,
    }
