"""The one gate of a person's session, for the JSON API and the portal alike.

When newer CGU are out, a person's sessions (the one login hands out with
``terms_acceptance_required``, and those opened before) may only accept them
or log out. That is an allow-list of routes kept here: every other route that
asks for a session is refused ``terms_acceptance_required`` (the portal shows
the acceptance page instead), so a new route is gated without anyone
remembering it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from application.errors import Refused
from application.ports import Session
from application.terms import current_terms_version
from web.request_ids import route_template
from web.use_cases import services

# (method, route) a session may use while the current terms wait for acceptance.
WHILE_TERMS_PENDING = frozenset({
    ("POST", "/api/v1/me/terms"),  # accept them
    ("DELETE", "/api/v1/sessions/current"),  # log out
    ("GET", "/cgu/accepter"),
    ("POST", "/cgu/accepter"),
    ("POST", "/deconnexion"),
    ("GET", "/oidc/logout"),  # a client's end-session request logs out too
    ("POST", "/oidc/logout"),
    ("POST", "/oidc/logout/confirmer"),
    # single sign-on: the provider itself sends the person to the new terms
    # first (or answers interaction_required to prompt=none)
    ("GET", "/oidc/authorize"),
    ("POST", "/oidc/authorize"),
    ("POST", "/oidc/authorize/contrat"),
})


class TermsPending(Refused):
    """The person must accept the current terms before anything else."""

    def __init__(self) -> None:
        super().__init__(
            "terms_acceptance_required",
            "Acceptez la nouvelle version des CGU et de la politique de confidentialité pour continuer.",
            terms_version=current_terms_version(),
        )


async def alive(request: Request, token: str | None) -> Session | None:
    """The session ``token`` opens while it lives (neither expired, idle too
    long nor logged out), whatever the terms: who is signed in."""
    if token is None:
        return None
    session: Session | None = await run_in_threadpool(services(request).sessions.current, token)
    return session


async def signed_in(request: Request, token: str | None) -> Session | None:
    """The live session ``token`` opens (None if none), or ``TermsPending``
    when the route is not one a session with terms to accept may use."""
    session = await alive(request, token)
    if session is None or (request.method, route_template(request.scope)) in WHILE_TERMS_PENDING:
        return session
    if await run_in_threadpool(services(request).account_settings.terms_outdated, session.identity_id):
        raise TermsPending()
    return session
