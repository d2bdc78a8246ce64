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
from authlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidGrantError, OAuth2Error
from authlib.oauth2.rfc6749.resource_protector import ResourceProtector
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750.errors import InvalidTokenError
from authlib.oidc.core.errors import InteractionRequiredError, LoginRequiredError

from application.oidc.clients import RelyingParties
from application.oidc.grants import (
    BearerValidator,
    Client,
    CodeGrant,
    IdToken,
    Introspection,
    RefreshGrant,
    Revocation,
    S256Only,
    Token,
)
from application.oidc.sign_ins import Person, SignIns
from application.oidc.tokens import ACCESS, REFRESH, REFRESH_LIFETIME, TokenRecord, Tokens
from application.ports import Session
from application.signing_keys import SigningKeys

Answer = tuple[int, Any, list[tuple[str, str]]]


@dataclass(frozen=True)
class ErrorPage:
    """The request cannot be trusted to name where to send the person back."""

    message: str


@dataclass(frozen=True)
class Redirect:
    url: str


@dataclass(frozen=True)
class PortalFirst:
    """A page of the portal first (``/login``, or ``/cgu/accepter`` for new
    terms), then the authorization request ``next`` again."""

    page: str
    next: str
    login_hint: str = ""


@dataclass(frozen=True)
class ChooseContract:
    client_name: str
    contracts: list[dict[str, Any]]
    default: str | None
    request: str  # the authorization request's query, sent back with the choice
    redirect_uri: str


Outcome = ErrorPage | Redirect | PortalFirst | ChooseContract


class Provider(AuthorizationServer):
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
        """The presented code or refresh token spent and the new tokens saved, in one transaction."""
        source = request.authorization_code or request.refresh_token
        record: TokenRecord = source.record
        person: Person = request.user

        def issue(value: str, kind: str, lifetime: timedelta) -> TokenRecord:
            return self.tokens.record(
                value, kind, record.sign_in_id, record.client_id, record.identity_id, token["scope"], person.carried(),
                lifetime,
            )

        rows = [issue(token["access_token"], ACCESS, self.tokens.access_lifetime)]
        if "refresh_token" in token:
            rows.append(issue(token["refresh_token"], REFRESH, REFRESH_LIFETIME))
        if not self.tokens.exchange(record, *rows):  # another request spent it first: a reuse
            raise InvalidGrantError("Invalid 'code' in request." if request.authorization_code else None)

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
            silent = "none" in (data.get("prompt") or "").split()
            if grant.prompt == "login" or self._too_old(person, data.get("max_age")):
                if silent:
                    raise LoginRequiredError(redirect_uri=grant.redirect_uri)
                return PortalFirst("/login", _again(data), data.get("login_hint") or "")
            if person is None:
                raise RuntimeError("broken invariant: person is None")
            if self.sign_ins.terms_outdated(person.identity_id):
                if silent:
                    raise InteractionRequiredError(redirect_uri=grant.redirect_uri)
                return PortalFirst("/cgu/accepter", _again(data))
            contracts, default = self.sign_ins.visible_contracts(person.identity_id, grant.client.party)
            if not contracts:
                raise AccessDeniedError(redirect_uri=grant.redirect_uri)
            ids = [c["id"] for c in contracts]
            if chosen is None or chosen not in ids:
                if len(contracts) > 1:
                    preselected = default if default in ids else ids[0]
                    return ChooseContract(grant.client.party.name, contracts, preselected,
                                          urlencode(dict(data)), grant.redirect_uri)
                chosen = ids[0]
            answer = self.create_authorization_response(
                request, grant_user=replace(person, contract_id=chosen), grant=grant
            )
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
        """The claims of the access token's sign-in; a token whose person or
        contract is gone is as invalid as an expired one."""
        try:
            token: Token = self.protector.validate_request(["openid"], request)
            try:
                claims = self.claims_of(token.person(), token.get_scope())
            except InvalidGrantError as gone:
                raise InvalidTokenError() from gone
            return 200, claims, [("Content-Type", "application/json")]
        except OAuth2Error as error:
            refused: Answer = self.handle_error_response(request, error)
            return refused


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
