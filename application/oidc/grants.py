"""Authlib's models, grants and endpoints, answered from Sésame's stores.

Each class answers the questions Authlib asks (which client, which code,
which token, which key) and nothing more; the protocol is Authlib's. A code
or refresh token is read when presented and spent, atomically, by the one
transaction that saves the tokens issued for it (``Provider.save_token``; see
``application.oidc.tokens``), so a reuse is caught even under a race.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode

from application.oidc.clients import RelyingParties
from application.oidc.sign_ins import Person
from application.oidc.tokens import ACCESS, CODE, CODE_LIFETIME, REFRESH, TokenRecord, Tokens
from application.signing_keys import ALGORITHM
from domain.relying_party import RelyingParty

if TYPE_CHECKING:
    from application.oidc.provider import Provider

SCOPES = ("openid", "email", "profile", "contracts", "offline_access")
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post"]
ID_TOKEN_LIFETIME = timedelta(hours=1)


class Client(ClientMixin):
    """A RelyingParty as Authlib asks about it."""

    def __init__(self, party: RelyingParty, parties: RelyingParties) -> None:
        self.party = party
        self.parties = parties
        self.client_id = str(party.id)
        self.client_metadata: dict[str, Any] = {}
        self.signing_key: Any = None  # one key for a token's header and signature, even across a rotation

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

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if grant.request.client.party.public and not data.get("code_challenge"):
            raise InvalidRequestError("A public client must use PKCE (code_challenge, S256).")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class SpentWhenRefused(grants.BaseGrant):
    """A presented code or refresh token that a later check refuses (PKCE,
    redirect_uri, scope) is spent all the same, as if spending came first:
    presented again, it is a reuse."""

    presented: TokenRecord | None = None
    server: Provider

    def validate_token_request(self) -> None:
        try:
            super().validate_token_request()
        except OAuth2Error:
            if self.presented is not None:
                self.server.tokens.exchange(self.presented)
            raise


class CodeGrant(SpentWhenRefused, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        """The code's row, in the transaction of its sign-in's ``SignedIn`` event."""
        person: Person = request.user
        party = request.client.party
        data = request.payload.data
        carried = {
            "redirect_uri": data.get("redirect_uri"), "nonce": data.get("nonce"),
            "code_challenge": data.get("code_challenge"), "code_challenge_method": data.get("code_challenge_method"),
            **person.carried(),
        }
        tokens = self.server.tokens
        self.server.sign_ins.start(person, party, scope_to_list(request.scope), lambda sign_in_id: tokens.writes(
            tokens.record(
                code, CODE, sign_in_id, str(party.id), person.identity_id, request.scope, carried, CODE_LIFETIME
            )
        ))

    def query_authorization_code(self, code: str, client: Client) -> Grant | None:
        self.presented = self.server.tokens.presented(code, client.get_client_id(), CODE)
        return Grant(self.presented) if self.presented else None

    def delete_authorization_code(self, authorization_code: Grant) -> None:
        """Nothing to do: the code was spent with the tokens' rows."""

    def authenticate_user(self, authorization_code: Grant) -> Person:
        record = authorization_code.record
        return Person.of(record.identity_id, record.client_id, record.data)


class RefreshGrant(SpentWhenRefused, grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        """Spent with the new tokens' rows (rotation); a spent one again revokes the sign-in."""
        self.presented = self.server.tokens.presented(refresh_token, self.request.client.get_client_id(), REFRESH)
        return Token(self.presented, self.server.tokens) if self.presented else None

    def authenticate_user(self, refresh_token: Token) -> Person:
        return refresh_token.person()

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Nothing to do: the refresh token was spent with the new tokens' rows."""


class IdToken(OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False  # the nonce comes back in the ID token; its replay is the client's to detect

    def resolve_client_private_key(self, client: Client) -> Any:
        if client.signing_key is None:
            client.signing_key = self.provider.keys.current()
        return client.signing_key

    def get_client_algorithm(self, client: Client) -> str:
        return ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ALGORITHM, "typ": "JWT", "kid": self.resolve_client_private_key(client).kid or ""}

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


class TokenLookup:
    """An access or refresh token, whatever the hint says (RFC 7009 §2.1, RFC 7662 §2.1)."""

    server: Provider

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        record = self.server.tokens.find(token_string)
        return Token(record, self.server.tokens) if record else None


class Revocation(TokenLookup, RevocationEndpoint):
    """RFC 7009; revoking a refresh token ends the whole sign-in (§2.1)."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        if token.record.kind == REFRESH:
            self.server.tokens.revoke_sign_in(token.record.sign_in_id)
        else:
            self.server.tokens.revoke(token.record)


class Introspection(TokenLookup, IntrospectionEndpoint):
    """RFC 7662, for confidential clients and their own tokens only."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_METHODS

    def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        r = token.record
        return {
            "active": True, "client_id": r.client_id, "token_type": "Bearer" if r.kind == ACCESS else "refresh_token",
            "scope": r.scope, "sub": str(r.identity_id), "aud": r.client_id, "iss": self.server.issuer,
            "exp": int(r.expires_at.timestamp()), "iat": int(r.issued_at.timestamp()), "sid": r.data.get("sid"),
        }
