"""RelyingParty: an application (an agency extranet, the mobile app) that
signs people in through Sésame with OpenID Connect.

Its registration, changes and removal are events. The rules on its addresses
live here: a redirect or logout address is https, or plain http only on the
loopback (a native app or a developer's machine, RFC 8252 §7.3), absolute and
without fragment (RFC 6749 §3.1.2). A confidential client keeps only a keyed
digest of its secret; a public one (the mobile app) has none and must use PKCE.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from eventsourcing.domain import Aggregate, event

from domain.agency_codes import same_agency
from domain.errors import DomainError

LOOPBACK = ("localhost", "127.0.0.1", "::1")


class InvalidClient(DomainError):
    code = "invalid_request"


class ClientRemoved(DomainError):
    code = "not_found"


def check_uri(uri: str, what: str) -> str:
    """The address as registered, or InvalidClient in plain French."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError as error:
        raise InvalidClient(f"{what} « {uri} » n'est pas une adresse valide") from error
    if parts.fragment or "#" in uri:
        raise InvalidClient(f"{what} « {uri} » ne doit pas contenir de fragment (#)")
    if not host:
        raise InvalidClient(f"{what} « {uri} » doit être une adresse absolue (https://...)")
    if parts.scheme == "http" and host not in LOOPBACK:
        raise InvalidClient(f"{what} « {uri} » doit être en https (http seulement pour localhost ou 127.0.0.1)")
    if parts.scheme not in ("https", "http"):
        raise InvalidClient(f"{what} « {uri} » doit être en https")
    return uri


class RelyingParty(Aggregate):
    class Registered(Aggregate.Created):
        name: str
        redirect_uris: list[str]
        post_logout_redirect_uris: list[str]
        backchannel_logout_uri: str | None
        public: bool
        agency: tuple[str, str] | None
        secret_digest: str | None

    @event(Registered)
    def __init__(
        self,
        name: str,
        redirect_uris: list[str],
        post_logout_redirect_uris: list[str],
        backchannel_logout_uri: str | None,
        public: bool,
        agency: tuple[str, str] | None,
        secret_digest: str | None,
    ) -> None:
        if not name.strip():
            raise InvalidClient("le nom de l'application est obligatoire")
        if not redirect_uris:
            raise InvalidClient("au moins une adresse de retour (--redirect-uri) est obligatoire")
        for uri in redirect_uris:
            check_uri(uri, "L'adresse de retour")
        for uri in post_logout_redirect_uris:
            check_uri(uri, "L'adresse après déconnexion")
        if backchannel_logout_uri is not None:
            check_uri(backchannel_logout_uri, "L'adresse de déconnexion back-channel")
        if public != (secret_digest is None):
            raise InvalidClient("un client public n'a pas de secret, un client confidentiel en a un")
        if agency is not None and not all(agency):
            raise InvalidClient("l'agence s'écrit CLIENT/SOCIETE")
        self.name = name.strip()
        self.redirect_uris = list(redirect_uris)
        self.post_logout_redirect_uris = list(post_logout_redirect_uris)
        self.backchannel_logout_uri = backchannel_logout_uri
        self.public = public
        self.agency = tuple(agency) if agency else None
        self.secret_digest = secret_digest
        self.removed = False

    def sees(self, client_code: str, company_code: str) -> bool:
        """An agency client sees only its agency's contracts; others see all."""
        return self.agency is None or same_agency((self.agency[0], self.agency[1]), client_code, company_code)

    def change(
        self,
        redirect_uris: list[str] | None = None,
        post_logout_redirect_uris: list[str] | None = None,
        backchannel_logout_uri: str | None = None,
    ) -> None:
        """New addresses; each one given replaces the registered ones."""
        if self.removed:
            raise ClientRemoved("cette application a été supprimée")
        redirects = self.redirect_uris if redirect_uris is None else redirect_uris
        if not redirects:
            raise InvalidClient("au moins une adresse de retour (--redirect-uri) est obligatoire")
        for uri in redirects:
            check_uri(uri, "L'adresse de retour")
        logouts = self.post_logout_redirect_uris if post_logout_redirect_uris is None else post_logout_redirect_uris
        for uri in logouts:
            check_uri(uri, "L'adresse après déconnexion")
        backchannel = backchannel_logout_uri or self.backchannel_logout_uri
        if backchannel is not None:
            check_uri(backchannel, "L'adresse de déconnexion back-channel")
        self._changed(list(redirects), list(logouts), backchannel)

    class Changed(Aggregate.Event):
        redirect_uris: list[str]
        post_logout_redirect_uris: list[str]
        backchannel_logout_uri: str | None

    @event(Changed)
    def _changed(
        self, redirect_uris: list[str], post_logout_redirect_uris: list[str], backchannel_logout_uri: str | None
    ) -> None:
        self.redirect_uris = redirect_uris
        self.post_logout_redirect_uris = post_logout_redirect_uris
        self.backchannel_logout_uri = backchannel_logout_uri

    def remove(self) -> None:
        if self.removed:
            raise ClientRemoved("cette application a déjà été supprimée")
        self._removed()

    class Removed(Aggregate.Event):
        pass

    @event(Removed)
    def _removed(self) -> None:
        self.removed = True
        self.secret_digest = None
