"""An identity's history in plain words: what the person, support and auditors read.

Secrets recorded in events (password hashes, link nonces, keyed digests)
never leave the store: only the fields listed as public are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.french_time import french_date
from domain.agency_account import AgencyAccount
from domain.client_sign_in import ClientSignIn
from domain.identity import Identity
from domain.passkeys import Passkey

Timeline = Callable[[UUID, list[dict[str, Any]]], list[dict[str, Any]]]
"""(identity id, its described events) → the person's whole history (sign-ins merged in)."""

SECRET_FIELDS = {
    "password_hash", "nonce", "activation_nonce", "provisional_digest", "digest",
    "totp_secret", "recovery_digests", "recovery_digest", "time_step", "device_digest",
    "credential_id", "public_key", "sign_count",  # a passkey's: harmless, but no one's business
}

# Every event of an identity, in words; the tests hold that none is missing.
WORDS: dict[type[Aggregate.Event], str] = {
    Identity.ActivationStarted: "Activation commencée avec les identifiants provisoires du bien : {account}",
    Identity.ActivationResumed: "Activation reprise avec les identifiants provisoires",
    Identity.EmailProposed: "Adresse email proposée : {email}",
    Identity.PasswordSet: "Mot de passe personnel choisi",
    Identity.TermsAccepted: "CGU et politique de confidentialité acceptées (version du {version_day})",
    Identity.EmailVerificationRequested: "Email de vérification envoyé à {email}",
    Identity.EmailVerified: "Adresse email {email} validée : compte activé",
    Identity.AccountLinked: "Bien rattaché au compte : {account}",
    Identity.ActivationReset: "Activation réinitialisée : les identifiants provisoires redeviennent valables",
    Identity.MergedInto: "Activation fusionnée dans un compte personnel existant",
    Identity.DefaultAccountChosen: "Bien affiché par défaut : {account}",
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
    Identity.PasskeyRegistered: "Clé d'accès ajoutée : {passkey_name}",
    Identity.PasskeyUsed: "Connexion avec la clé d'accès {passkey_name}",
    Identity.PasskeyRemoved: "Clé d'accès supprimée : {passkey_name}",
    Identity.Erased: "Données personnelles effacées (RGPD)",
    Identity.StaffActionTaken: "{action} — raison donnée : « {typed_reason} »",
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
CONTRACT_WORDS: dict[type[Aggregate.Event], str] = {
    AgencyAccount.Imported: "Contrat {account} importé",
    AgencyAccount.Updated: "Contrat {account} mis à jour",
    AgencyAccount.Reopened: "Contrat {account} rouvert",
    AgencyAccount.Ended: "Contrat {account} terminé",
    AgencyAccount.Erased: "Contrat {account} effacé : fin de la durée de conservation",
}

# Who caused an event, keyed by event; an event not listed is the person's
# own doing. ``who`` refines a few by their fields.
PERSON, AGENCY_IMPORT, SESAME = "la personne", "import de l'agence", "Sésame (automatique)"
WHO: dict[type[Aggregate.Event], str] = {
    Identity.PasswordRehashed: SESAME,
    AgencyAccount.Imported: AGENCY_IMPORT,
    AgencyAccount.Updated: AGENCY_IMPORT,
    AgencyAccount.Reopened: AGENCY_IMPORT,
    AgencyAccount.Ended: "l'agence",
    AgencyAccount.Erased: SESAME,
}
ERASED_BY = {"person": PERSON, "operator": "un opérateur (ligne de commande)", "retention": SESAME}
SIGNED_OUT_BY = {"end_session": "l'application", "refresh_replay": SESAME, "support": "le support"}
STAFF_ROLES = {"support": "support", "auditor": "audit", "agency": "agence"}
BY_STAFF = (Identity.EmailVerificationRequested, Identity.PasswordResetRequested)  # written after a staff record


def public_data(event: Any) -> dict[str, Any]:
    """The event's fields that may leave the store, JSON-ready."""
    data = {}
    for name, value in vars(event).items():
        if name in SECRET_FIELDS or name.startswith("originator") or name == "timestamp":
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value) if value is not None else None
    return data


def staff_words(event: Identity.StaffActionTaken) -> str:
    """« Nom (rôle) » of the staff member an event records."""
    return f"{event.staff_name} ({STAFF_ROLES.get(event.role, event.role)})"


def who(event: Aggregate.Event, before: Aggregate.Event | None = None) -> str:
    """Who caused ``event``, in words; ``before`` is the event just before it in
    the same stream: a link a staff action requested is that member's doing."""
    if isinstance(event, Identity.StaffActionTaken):
        return staff_words(event)
    if isinstance(event, BY_STAFF) and isinstance(before, Identity.StaffActionTaken):
        return staff_words(before)
    if isinstance(event, Identity.Erased):
        return ERASED_BY.get(event.reason, PERSON)
    if isinstance(event, ClientSignIn.SignedOut):
        return SIGNED_OUT_BY.get(event.reason, PERSON)
    return WHO.get(type(event), PERSON)


def describe(event: Aggregate.Event, account_label: Callable[[str], str] = str) -> dict[str, Any]:
    """The event in words (its name where it has none: a sign-in's, worded by connected_apps)."""
    kind = type(event).__name__
    data = public_data(event)
    account = data.get("account_id") or ""
    shown = {**data, "action": STAFF_ACTIONS.get(str(data.get("action")), data.get("action"))}
    day = french_date(data["version"]) if isinstance(event, Identity.TermsAccepted) and data.get("version") else ""
    named = account_label(account) if account else ""
    words = WORDS.get(type(event), kind).format(account=named, version_day=day, **shown)
    return {
        "position": event.originator_version,
        "type": kind,
        "at": event.timestamp.isoformat(),
        "description": words,
        "data": data,
    }


def describe_contract(event: Aggregate.Event, account_label: Callable[[str], str]) -> dict[str, Any]:
    """An agency contract's event in the words of a person's history (the
    contract named as the reader may see it)."""
    kind = type(event).__name__
    return {
        "position": event.originator_version,
        "type": f"Contract{kind}",
        "at": event.timestamp.isoformat(),
        "description": CONTRACT_WORDS.get(type(event), kind).format(account=account_label(str(event.originator_id))),
        "data": {"account_id": str(event.originator_id)},
    }


def passkey_view(passkey: Passkey) -> dict[str, Any]:
    """A passkey as the person, the export and the audit show it: its name and
    dates, never its key or credential id."""
    return {
        "name": passkey.name, "registered_at": passkey.registered_at.isoformat(),
        "last_used_at": passkey.last_used_at.isoformat() if passkey.last_used_at else None,
    }
