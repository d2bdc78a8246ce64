"""Passkeys (WebAuthn, py_webauthn): registering one behind the password,
signing in with one, removing one behind the password.

The relying party is ``PUBLIC_URL``: its host is the RP id, the URL itself the
only origin accepted. Registration asks for a discoverable credential with
user verification, so a sign-in needs no email (the browser offers the
person's passkeys) and is already two factors: it satisfies two-step sign-in
and opens the session exactly as a password would (the device noted, the
new-device notice, new terms first). Each step's challenge comes from
``passkey_ceremonies`` (single-use, five minutes, bound to the browser).

A credential is found at sign-in through a ``UniqueClaim`` on the keyed
digest of its id, saved in the same atomic write as ``PasskeyRegistered`` and
released with ``PasskeyRemoved`` or the erasure: no read model to wait for,
and two registrations of one credential cannot both win. Failed sign-ins
count as guesses from the client address (``throttle``), like every secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit
from uuid import UUID

import webauthn
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from application.directory import Directory
from application.errors import Refused
from application.event_store import retrying
from application.passkey_ceremonies import CEREMONY_TTL, REGISTRATION, SIGN_IN, Ceremonies
from application.password_proof import PasswordProof
from application.passwords import Passwords
from application.ports import Clock
from application.sessions import LoggedIn, Sessions, SignInDevice
from application.throttle import Throttle
from application.use_case import UseCase
from domain.errors import AlreadyOwned, DomainError
from domain.identity import Identity
from domain.passkeys import MAX_NAME, MAX_PASSKEYS, PasskeyRefused, SignCountWentBack, TooManyPasskeys, passkey_name

RP_NAME = "Mon compte immobilier"
MAX_CREDENTIAL = 16 * 1024  # a passkey's answer is a few hundred bytes to a few kilobytes
T = TypeVar("T")


@dataclass(frozen=True)
class CeremonyStart:
    """What the browser needs to run a ceremony: its token (a cookie) and the
    options for ``navigator.credentials`` (JSON, binary fields in base64url)."""

    token: str
    options: str


def not_recognised() -> Refused:
    return Refused(
        "invalid_passkey",
        "Cette clé d'accès n'a pas été reconnue : elle a peut-être été supprimée de votre compte. "
        "Connectez-vous avec votre mot de passe.",
    )


def bad_name() -> Refused:
    return Refused(
        "invalid_request",
        f"Donnez à la clé un nom de 1 à {MAX_NAME} caractères, par exemple « Téléphone de Camille ».",
        field="name",
    )


def too_many() -> Refused:
    return Refused(
        "too_many_passkeys",
        f"Vous avez déjà {MAX_PASSKEYS} clés d'accès : supprimez-en une avant d'en ajouter une autre.",
    )


def refused_answer(verify: Callable[[], T], refusal: Refused) -> T:
    """A ceremony's answer verified by py_webauthn, or ``refusal``: the answer
    comes from the browser, and whatever is wrong with it (bad JSON, base64,
    CBOR, signature, origin...) is the same refusal. Verification reads no
    store, so nothing but the answer's faults is caught here."""
    try:
        return verify()
    except Exception as error:
        raise refusal from error


def credential_text(credential: object) -> str:
    if not isinstance(credential, str) or not credential or len(credential) > MAX_CREDENTIAL:
        raise Refused(
            "invalid_passkey", "La réponse de la clé d'accès est illisible : recommencez.", field="credential"
        )
    return credential


class Passkeys(UseCase):
    def __init__(
        self, directory: Directory, passwords: Passwords, clock: Clock, throttle: Throttle, proof: PasswordProof,
        sessions: Sessions, ceremonies: Ceremonies, public_url: str,
    ) -> None:
        super().__init__(directory, passwords, clock, throttle)
        self.proof = proof
        self.sessions = sessions
        self.ceremonies = ceremonies
        parts = urlsplit(public_url)
        self.rp_id = parts.hostname or "localhost"
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def listed(self, identity_id: UUID) -> list[dict[str, Any]]:
        """The person's passkeys, oldest first: id, name, when added, last used."""
        passkeys = sorted(self.person(identity_id).passkeys.values(), key=lambda p: p.registered_at)
        return [
            {"id": p.passkey_id, "name": p.name, "registered_at": p.registered_at, "last_used_at": p.last_used_at}
            for p in passkeys
        ]

    # -- registration ---------------------------------------------------------------

    def start_registration(
        self, identity_id: UUID, password: object, name: object, origin: str | None = None
    ) -> CeremonyStart:
        """Behind the password (the one throttled proof): a ceremony creating a
        discoverable credential with user verification, this person's own
        passkeys excluded (an authenticator holding one says so at once)."""
        self._name(name)
        identity = self.proof.prove(self.person(identity_id), password, origin)
        try:
            identity.may_add_passkey()
        except TooManyPasskeys as error:
            raise too_many() from error
        token, challenge = self.ceremonies.open(REGISTRATION, identity.id)
        options = webauthn.generate_registration_options(
            rp_id=self.rp_id, rp_name=RP_NAME, user_id=identity.id.bytes, user_name=identity.email or "",
            challenge=challenge, timeout=int(CEREMONY_TTL.total_seconds() * 1000),
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(p.credential_id))
                for p in identity.passkeys.values()
            ],
        )
        return CeremonyStart(token, webauthn.options_to_json(options))

    def finish_registration(self, identity_id: UUID, token: object, credential: object, name: object) -> str:
        """The authenticator's answer to this person's ceremony: the passkey is
        theirs, under ``name``. Returns the name as kept."""
        kept = self._name(name)
        challenge = self.ceremonies.take(token, REGISTRATION, identity_id)
        verified = refused_answer(
            lambda: webauthn.verify_registration_response(
                credential=credential_text(credential), expected_challenge=challenge, expected_rp_id=self.rp_id,
                expected_origin=self.origin, require_user_verification=True,
            ),
            Refused("invalid_passkey", "La clé d'accès n'a pas pu être enregistrée : recommencez."),
        )
        self._register(
            identity_id, bytes_to_base64url(verified.credential_id), bytes_to_base64url(verified.credential_public_key),
            verified.sign_count, kept,
        )
        return kept

    @retrying()
    def _register(self, identity_id: UUID, credential_id: str, public_key: str, sign_count: int, name: str) -> None:
        identity = self.person(identity_id)
        try:
            passkey_id, now = secrets.token_hex(8), self.clock.now()
            identity.register_passkey(passkey_id, credential_id, public_key, sign_count, name, now)
            claim = self.directory.claim_for(self.directory.passkey_digest(credential_id), identity.id)
        except TooManyPasskeys as error:
            raise too_many() from error
        except (PasskeyRefused, AlreadyOwned) as error:
            raise Refused("invalid_passkey", "Cette clé d'accès est déjà enregistrée.") from error
        self.store.commit(identity, claim)

    @staticmethod
    def _name(name: object) -> str:
        try:
            return passkey_name(name if isinstance(name, str) else "")
        except PasskeyRefused as error:
            raise bad_name() from error

    # -- sign-in --------------------------------------------------------------------

    def start_sign_in(self) -> CeremonyStart:
        """A ceremony for whichever passkey of this site the person picks
        (discoverable credentials: no email asked), user verification required."""
        token, challenge = self.ceremonies.open(SIGN_IN)
        options = webauthn.generate_authentication_options(
            rp_id=self.rp_id, challenge=challenge, timeout=int(CEREMONY_TTL.total_seconds() * 1000),
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        return CeremonyStart(token, webauthn.options_to_json(options))

    def sign_in(
        self, token: object, credential: object, origin: str | None = None, idle_timeout: bool = False,
        device: SignInDevice | None = None,
    ) -> LoggedIn:
        """The authenticator's signature over this ceremony's challenge, by a
        passkey a person holds: a session, as a password and a code would open
        one. Each try counts as a guess from the client address."""
        attempt = self.throttle.attempt(*self.throttle.guesses_from(origin))
        challenge = self.ceremonies.take(token, SIGN_IN)
        answer = refused_answer(
            lambda: parse_authentication_credential_json(credential_text(credential)), not_recognised()
        )
        identity = self.directory.holder(self.directory.passkey_digest(answer.id))
        try:
            passkey = identity.passkey(answer.id) if identity is not None else None
        except PasskeyRefused:
            passkey = None
        handle = answer.response.user_handle
        if identity is None or passkey is None or (handle is not None and handle != identity.id.bytes):
            raise not_recognised()
        public_key = webauthn.base64url_to_bytes(passkey.public_key)
        verified = refused_answer(
            lambda: webauthn.verify_authentication_response(
                credential=answer, expected_challenge=challenge, expected_rp_id=self.rp_id, expected_origin=self.origin,
                credential_public_key=public_key, credential_current_sign_count=0,  # the counter is the domain's rule
                require_user_verification=True,
            ),
            not_recognised(),
        )
        device = device or SignInDevice(origin)
        identity = self._use(identity.id, answer.id, verified.new_sign_count, device)
        attempt.passed()
        return self.sessions.open_for(identity, idle_timeout, device)

    @retrying()
    def _use(self, identity_id: UUID, credential_id: str, sign_count: int, device: SignInDevice) -> Identity:
        """Record the use (its counter must have grown) and the device, in one write."""
        identity = self.directory.identity(identity_id)
        try:
            if identity is None:
                raise PasskeyRefused("no such identity")
            identity.use_passkey(credential_id, sign_count, self.clock.now())
        except SignCountWentBack as error:
            raise Refused(
                "invalid_passkey",
                "Cette clé d'accès est refusée : elle semble avoir été copiée. Connectez-vous avec votre mot de passe, "
                "puis supprimez-la dans « Sécurité ».",
            ) from error
        except DomainError as error:
            raise not_recognised() from error
        self.sessions.note_device(identity, device)
        self.store.commit(identity)
        return identity

    # -- removal --------------------------------------------------------------------

    @retrying()
    def remove(self, identity_id: UUID, passkey_id: object, password: object, origin: str | None = None) -> str:
        """Behind the password: the passkey is no longer the person's, its
        credential no longer signs anyone in. Returns its name."""
        identity = self.proof.prove(self.person(identity_id), password, origin)
        try:
            passkey = identity.remove_passkey(passkey_id if isinstance(passkey_id, str) else "")
        except PasskeyRefused as error:
            raise Refused("not_found", "Cette clé d'accès n'existe pas ou a déjà été supprimée.") from error
        claim = self.directory.claim(self.directory.passkey_digest(passkey.credential_id))
        if claim is not None:
            claim.release(identity.id)
        self.store.commit(identity, *([claim] if claim is not None else []))
        return passkey.name
