"""RP-Initiated Logout 1.0: reading a client's request to end the portal session.

The ``id_token_hint`` names the client (its ``aud``), the person (``sub``)
and the portal session (``sid``) it was issued for; its signature is checked
against the published keys, its expiry is not (§2: an expired ID token is a
fine hint). A ``post_logout_redirect_uri`` is followed only when registered
for that client (§3), else the person lands on Sésame's own page. Whether to
ask the person first is the web layer's call: only a hint naming the current
session makes asking unnecessary (§2, "the OP MUST ask ... if an
id_token_hint was not provided or ... does not belong to the current session").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from application.errors import Refused
from domain.relying_party import RelyingParty

ALGORITHMS = ["RS256", "ES256"]


def invalid(message: str) -> Refused:
    return Refused("invalid_request", message)


@dataclass(frozen=True)
class LogoutRequest:
    client_id: str | None
    client_name: str | None
    sub: str | None  # from the hint
    sid: str | None  # from the hint
    redirect_uri: str | None  # registered for the client, else None
    state: str | None

    def names_session(self, identity_id: object, sid: str | None) -> bool:
        """Whether the hint was issued for this very portal session."""
        return self.sid is not None and self.sid == sid and self.sub == str(identity_id)

    def redirect(self) -> str | None:
        """Where the person goes afterwards: the registered address, with ``state``."""
        if self.redirect_uri is None:
            return None
        if not self.state:
            return self.redirect_uri
        parts = urlsplit(self.redirect_uri)
        query = "&".join(q for q in (parts.query, urlencode({"state": self.state})) if q)
        return urlunsplit(parts._replace(query=query))


class EndSession:
    def __init__(
        self, issuer: str, jwks: Callable[[], KeySetSerialization], client: Callable[[object], RelyingParty | None]
    ) -> None:
        self.issuer = issuer
        self.jwks = jwks
        self.client = client

    def understand(self, params: Mapping[str, str]) -> LogoutRequest:
        """The request's meaning, or ``invalid_request`` in French."""
        claims = self._hint(params.get("id_token_hint") or None)
        client_id = params.get("client_id") or None
        if claims is not None:
            audience = claims.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if client_id is not None and client_id not in audiences:
                raise invalid("Le jeton d'identité fourni n'a pas été émis pour cette application.")
            client_id = client_id or str(audiences[0])
        redirect_uri = params.get("post_logout_redirect_uri") or None
        client = self.client(client_id) if client_id else None
        if redirect_uri is not None and (client is None or redirect_uri not in client.post_logout_redirect_uris):
            redirect_uri = None  # never redirect to an unregistered address
        return LogoutRequest(
            client_id=str(client.id) if client else None,
            client_name=client.name if client else None,
            sub=str(claims["sub"]) if claims and "sub" in claims else None,
            sid=str(claims["sid"]) if claims and "sid" in claims else None,
            redirect_uri=redirect_uri,
            state=params.get("state") or None,
        )

    def _hint(self, token: str | None) -> dict[str, Any] | None:
        if token is None:
            return None
        try:
            claims = jwt.decode(token, KeySet.import_key_set(self.jwks()), algorithms=ALGORITHMS).claims
        except (JoseError, ValueError, TypeError) as error:
            raise invalid("Le jeton d'identité fourni (id_token_hint) n'est pas valide.") from error
        if claims.get("iss") != self.issuer:
            raise invalid("Le jeton d'identité fourni (id_token_hint) n'a pas été émis par ce service.")
        return dict(claims)
