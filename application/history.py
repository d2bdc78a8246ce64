"""An identity's history in plain words: what the person, support and auditors read.

Secrets recorded in events (password hashes, link nonces, keyed digests)
never leave the store: only the fields listed as public are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.identity import Identity

Timeline = Callable[[UUID, list[dict[str, Any]]], list[dict[str, Any]]]
"""(identity id, its described events) → the person's whole history (sign-ins merged in)."""

SECRET_FIELDS = {
    "password_hash", "nonce", "activation_nonce", "provisional_digest", "digest",
    "totp_secret", "recovery_digests", "recovery_digest", "time_step", "device_digest",
}

# Every event of an identity, in words; the tests hold that none is missing.
WORDS: dict[type[Aggregate.Event], str] = {
    Identity.ActivationStarted: "Activation commencée avec les identifiants provisoires du contrat {account}",
    Identity.ActivationResumed: "Activation reprise avec les identifiants provisoires",
    Identity.EmailProposed: "Adresse email proposée : {email}",
    Identity.PasswordSet: "Mot de passe personnel choisi",
    Identity.TermsAccepted: "CGU et politique de confidentialité acceptées (version {version})",
    Identity.EmailVerificationRequested: "Email de vérification envoyé à {email}",
    Identity.EmailVerified: "Adresse email {email} validée : compte activé",
    Identity.AccountLinked: "Contrat {account} rattaché au compte",
    Identity.ActivationReset: "Activation réinitialisée : les identifiants provisoires redeviennent valables",
    Identity.MergedInto: "Activation fusionnée dans un compte personnel existant",
    Identity.DefaultAccountChosen: "Contrat affiché par défaut : {account}",
    Identity.PasswordChanged: "Mot de passe modifié",
    Identity.PasswordRehashed: "Protection du mot de passe renforcée",
    Identity.PasswordResetRequested: "Réinitialisation du mot de passe demandée",
    Identity.PasswordReset: "Mot de passe réinitialisé par le lien reçu",
    Identity.EmailChangeRequested: "Changement d'adresse email demandé vers {new_email}",
    Identity.EmailChanged: "Adresse email changée de {old_email} en {new_email}",
    Identity.EmailChangeCancelled: "Changement d'adresse email annulé",
    Identity.FirstDeviceSignedIn: "Première connexion, depuis {device} (adresse {ip})",
    Identity.NewDeviceSignedIn: "Connexion depuis un nouvel appareil ({device}, adresse {ip}) : avis envoyé par email",
    Identity.SessionsEnded: "Sessions fermées depuis « Sécurité » : {devices}",
    Identity.TwoStepEnrolled: "Validation en deux étapes : mise en place commencée",
    Identity.TwoStepConfirmed: "Validation en deux étapes activée, 10 codes de secours créés",
    Identity.TwoStepChallenged: "Mot de passe vérifié : code de validation en deux étapes demandé",
    Identity.TwoStepCodeAccepted: "Code de validation en deux étapes accepté",
    Identity.RecoveryCodeUsed: "Code de secours utilisé",
    Identity.TwoStepDisabled: "Validation en deux étapes désactivée",
    Identity.Erased: "Données personnelles effacées (RGPD)",
}


def public_data(event: Any) -> dict[str, Any]:
    """The event's fields that may leave the store, JSON-ready."""
    data = {}
    for name, value in vars(event).items():
        if name in SECRET_FIELDS or name.startswith("originator") or name == "timestamp":
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value) if value is not None else None
    return data


def describe(event: Aggregate.Event, account_label: Callable[[str], str] = str) -> dict[str, Any]:
    """The event in words (its name where it has none: a sign-in's, worded by connected_apps)."""
    kind = type(event).__name__
    data = public_data(event)
    account = data.get("account_id") or ""
    words = WORDS.get(type(event), kind).format(account=account_label(account) if account else "", **data)
    return {
        "position": event.originator_version,
        "type": kind,
        "at": event.timestamp.isoformat(),
        "description": words,
        "data": data,
    }
