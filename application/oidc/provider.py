"""The OpenID Connect provider: Authlib's authorization server, given Sésame's
clients, sign-ins, tokens and keys.

Authlib runs the protocol (request validation, PKCE, prompt, client
authentication, error answers); this module only answers its questions
(which client, which code, which token) and decides what a person sees in
between: the sign-in form, the choice of a contract, or nothing at all. It
knows no web framework: it takes ``OAuth2Request`` objects and answers
``(status, body, headers)`` tuples, which ``web/oidc_adapter.py`` turns into
Starlette responses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError, InvalidGrantError, InvalidRequestError, InvalidScopeError, OAuth2Error,
)
from authlib.oauth2.rfc6749.resource_protector import ResourceProtector
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode
from authlib.oidc.core.errors import LoginRequiredError

from application.oidc.clients import RelyingParties
from application.oidc.sign_ins import Person, SignIns
from application.oidc.tokens import ACCESS, CODE, CODE_LIFETIME, REFRESH, REFRESH_LIFETIME, TokenRecord, Tokens
from application.ports import Session
from application.signing_keys import ALGORITHM, SigningKeys
from domain.relying_party import RelyingParty

SCOPES = ("openid", "email", "profile", "contracts", "offline_access")
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post"]
ID_TOKEN_LIFETIME = timedelta(hours=1)
Answer = tuple[int, Any, list[tuple[str, str]]]


class Client(ClientMixin):
    """A RelyingParty as Authlib asks about it."""

    def __init__(self, party: RelyingParty, parties: RelyingParties) -> None:
        self.party = party
        self.parties = parties
        self.client_id = str(party.id)
        self.client_metadata: dict[str, Any] = {}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OpenID Connect requires redirect_uri in every request

    def get_allowed_scope(self, scope: str) -> str | None:
        asked = scope_to_list(scope) or []
        if "openid" not in asked:
            return None
        return " ".join(s for s in SCOPES if s in asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.party.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.parties.check_secret(self.party, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none" if self.party.public else method in CONFIDENTIAL_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class Grant(AuthorizationCodeMixin):
    """A code as the token endpoint reads it back."""

    def __init__(self, record: TokenRecord) -> None:
        self.record = record
        self.code_challenge = record.data.get("code_challenge")
        self.code_challenge_method = record.data.get("code_challenge_method")

    def get_redirect_uri(self) -> str:
        return str(self.record.data["redirect_uri"])

    def get_scope(self) -> str:
        return self.record.scope

    def get_nonce(self) -> str | None:
        return self.record.data.get("nonce")

    def get_auth_time(self) -> int:
        return int(self.record.data["auth_time"])


class Token(TokenMixin):
    def __init__(self, record: TokenRecord, tokens: Tokens) -> None:
        self.record = record
        self.active = tokens.is_active(record)
        self.scope = record.scope

    def check_client(self, client: Client) -> bool:
        return self.record.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.record.scope

    def get_expires_in(self) -> int:
        return int((self.record.expires_at - self.record.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return not self.active and not self.record.revoked

    def is_revoked(self) -> bool:
        return self.record.revoked

    def person(self) -> Person:
        return Person.of(self.record.identity_id, self.record.client_id, self.record.data)


class S256Only(CodeChallenge):
    """PKCE with S256 only; required of public clients at the authorization endpoint too."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if grant.request.client.party.public and not data.get("code_challenge"):
            raise InvalidRequestError("A public client must use PKCE (code_challenge, S256).")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    server: Provider

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        person: Person = request.user
        party = request.client.party
        sign_in_id = self.server.sign_ins.start(person, party, scope_to_list(request.scope))
        data = request.payload.data
        carried = {
            "redirect_uri": data.get("redirect_uri"), "nonce": data.get("nonce"),
            "code_challenge": data.get("code_challenge"), "code_challenge_method": data.get("code_challenge_method"),
            **person.carried(),
        }
        tokens = self.server.tokens
        tokens.save(tokens.record(code, CODE, sign_in_id, str(party.id), person.identity_id, request.scope, carried, CODE_LIFETIME))

    def query_authorization_code(self, code: str, client: Client) -> Grant | None:
        record = self.server.tokens.spend(code, client.get_client_id(), CODE)
        return Grant(record) if record else None

    def delete_authorization_code(self, authorization_code: Grant) -> None:
        """Nothing to do: the code was spent when it was read."""

    def authenticate_user(self, authorization_code: Grant) -> Person:
        record = authorization_code.record
        return Person.of(record.identity_id, record.client_id, record.data)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: Provider

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        """Spent at once (rotation); a spent one again revokes the sign-in."""
        record = self.server.tokens.spend(refresh_token, self.request.client.get_client_id(), REFRESH)
        return Token(record, self.server.tokens) if record else None

    def authenticate_user(self, refresh_token: Token) -> Person:
        return refresh_token.person()

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Nothing to do: the refresh token was spent when it was read."""


class IdToken(OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False  # the nonce comes back in the ID token; its replay is the client's to detect

    def resolve_client_private_key(self, client: Client) -> Any:
        return self.provider.keys.current()

    def get_client_algorithm(self, client: Client) -> str:
        return ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ALGORITHM, "typ": "JWT", "kid": self.provider.keys.current().kid or ""}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.provider.issuer, "aud": [client.get_client_id()], "iat": now,
                "exp": now + int(ID_TOKEN_LIFETIME.total_seconds())}

    def generate_user_info(self, user: Person, scope: str) -> dict[str, Any]:
        return self.provider.claims_of(user, scope)


class BearerValidator(BearerTokenValidator):
    def __init__(self, provider: Provider) -> None:
        super().__init__()
        self.provider = provider

    def authenticate_token(self, token_string: str) -> Token | None:
        record = self.provider.tokens.find(token_string)
        return Token(record, self.provider.tokens) if record and record.kind == ACCESS else None


class Revocation(RevocationEndpoint):
    """RFC 7009; revoking a refresh token ends the whole sign-in (§2.1)."""

    CLIENT_AUTH_METHODS = AUTH_METHODS
    server: Provider

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        record = self.server.tokens.find(token_string)
        return Token(record, self.server.tokens) if record else None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        if token.record.kind == REFRESH:
            self.server.tokens.revoke_sign_in(token.record.sign_in_id)
        else:
            self.server.tokens.revoke(token.record)


class Introspection(IntrospectionEndpoint):
    """RFC 7662, for confidential clients and their own tokens only."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_METHODS
    server: Provider

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        record = self.server.tokens.find(token_string)
        return Token(record, self.server.tokens) if record else None

    def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        r = token.record
        return {
            "active": True, "client_id": r.client_id, "token_type": "Bearer" if r.kind == ACCESS else "refresh_token",
            "scope": r.scope, "sub": str(r.identity_id), "aud": r.client_id, "iss": self.server.issuer,
            "exp": int(r.expires_at.timestamp()), "iat": int(r.issued_at.timestamp()), "sid": r.data.get("sid"),
        }


@dataclass(frozen=True)
class ErrorPage:
    """The request cannot be trusted to name where to send the person back."""

    message: str


@dataclass(frozen=True)
class Redirect:
    url: str


@dataclass(frozen=True)
class SignInFirst:
    """The portal's sign-in form, then ``next`` again."""

    next: str
    login_hint: str


@dataclass(frozen=True)
class ChooseContract:
    client_name: str
    contracts: list[dict[str, Any]]
    default: str | None
    request: str  # the authorization request's query, sent back with the choice
    redirect_uri: str


Outcome = ErrorPage | Redirect | SignInFirst | ChooseContract


class Provider(AuthorizationServer):  # type: ignore[misc]
    def __init__(
        self, issuer: str, parties: RelyingParties, sign_ins: SignIns, tokens: Tokens, keys: SigningKeys,
    ) -> None:
        super().__init__(scopes_supported=None)
        self.issuer = issuer
        self.parties = parties
        self.sign_ins = sign_ins
        self.tokens = tokens
        self.keys = keys
        self.register_token_generator("default", self.generate_bearer)
        self.register_grant(CodeGrant, [S256Only(required=True), IdToken(self)])
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)
        self.protector = ResourceProtector()
        self.protector.register_token_validator(BearerValidator(self))

    # -- what Authlib asks ----------------------------------------------------

    def query_client(self, client_id: str) -> Client | None:
        party = self.parties.find(client_id)
        return Client(party, self.parties) if party else None

    def generate_bearer(self, grant_type: str, client: Client, user: Person | None = None, scope: str | None = None,
                        expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        """Opaque random tokens; a refresh token only with ``offline_access``."""
        token = {
            "token_type": "Bearer", "access_token": self.tokens.new_value(),
            "expires_in": int(self.tokens.access_lifetime.total_seconds()), "scope": scope or "",
        }
        if include_refresh_token and "offline_access" in (scope_to_list(scope) or []):
            token["refresh_token"] = self.tokens.new_value()
        return token

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        source = request.authorization_code or request.refresh_token
        record: TokenRecord = source.record
        person: Person = request.user
        issue = lambda value, kind, lifetime: self.tokens.record(  # noqa: E731
            value, kind, record.sign_in_id, record.client_id, record.identity_id, token["scope"], person.carried(), lifetime,
        )
        rows = [issue(token["access_token"], ACCESS, self.tokens.access_lifetime)]
        if "refresh_token" in token:
            rows.append(issue(token["refresh_token"], REFRESH, REFRESH_LIFETIME))
        self.tokens.save(*rows)

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Answer:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: what follows a grant is written by the grants themselves."""

    # -- what Sésame decides ------------------------------------------------

    def claims_of(self, person: Person, scope: str) -> dict[str, Any]:
        party = self.parties.find(person.client_id)
        claims = self.sign_ins.claims(person, party, scope_to_list(scope) or []) if party else None
        if claims is None:
            raise InvalidGrantError("The person or the contract of this sign-in is gone.")
        return claims

    def authorize(self, request: OAuth2Request, session: Session | None, chosen: str | None = None) -> Outcome:
        """The authorization endpoint: an error page, a redirect to the client
        (code or error), the sign-in form, or the choice of a contract."""
        person = self.sign_ins.person(session)
        try:
            grant = self.get_consent_grant(request, end_user=person)
            data = request.payload.data
            if grant.prompt == "login" or self._too_old(person, data.get("max_age")):
                if "none" in (data.get("prompt") or "").split():
                    raise LoginRequiredError(redirect_uri=grant.redirect_uri)
                return SignInFirst(_again(data), data.get("login_hint") or "")
            assert person is not None
            contracts, default = self.sign_ins.visible_contracts(person.identity_id, grant.client.party)
            if not contracts:
                raise AccessDeniedError(redirect_uri=grant.redirect_uri)
            ids = [c["id"] for c in contracts]
            if chosen not in ids:
                if len(contracts) > 1:
                    preselected = default if default in ids else ids[0]
                    return ChooseContract(grant.client.party.name, contracts, preselected,
                                          urlencode(dict(data)), grant.redirect_uri)
                chosen = ids[0]
            answer = self.create_authorization_response(request, grant_user=replace(person, contract_id=chosen), grant=grant)
        except OAuth2Error as error:
            if not error.redirect_uri:
                return ErrorPage(untrusted_message(error))
            error.state = request.payload.state
            answer = self.handle_error_response(request, error)
        return Redirect(dict(answer[2])["Location"])

    def _too_old(self, person: Person | None, max_age: str | None) -> bool:
        if person is None or max_age is None:
            return False
        try:
            return time.time() - person.auth_time > int(max_age)
        except ValueError:
            return False

    def userinfo(self, request: OAuth2Request) -> Answer:
        try:
            token: Token = self.protector.validate_request(["openid"], request)
            return 200, self.claims_of(token.person(), token.get_scope()), [("Content-Type", "application/json")]
        except OAuth2Error as error:
            return self.handle_error_response(request, error)


def _again(data: Any) -> str:
    """The authorization request to come back to once signed in: without
    ``prompt=login`` and ``max_age``, which the new sign-in has just met."""
    kept = {k: v for k, v in dict(data).items() if k not in ("prompt", "max_age", "login_hint")}
    return "/oidc/authorize?" + urlencode(kept)


UNTRUSTED = {
    "invalid_client": "Cette application n'est pas enregistrée auprès de Sésame.",
    "invalid_request": "L'adresse de retour de cette application n'est pas enregistrée, ou la demande est incomplète.",
}


def untrusted_message(error: OAuth2Error) -> str:
    return UNTRUSTED.get(error.error, "La demande de connexion de cette application est invalide.")
