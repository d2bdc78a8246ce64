"""What every portal page shares: templates, forms, errors next to fields, sessions.

A page reads its form, calls a use case (the same ones the JSON API calls),
and renders either the next page or the same form with each refusal next to
the field it concerns. Nothing here decides anything the use cases decide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from adapters import french_text
from application.agencies import Look
from application.errors import Refused
from application.ports import Session
from domain.agency_codes import canonical_code
from web.errors import STATUS
from web.requests import client_address
from web.security import CSRF_FIELD, FormRefused, checked_form, csrf_token, delete_cookie, read_cookie
from web.session_gate import TermsPending, alive, signed_in
from web.use_cases import services

HERE = Path(__file__).parent
SESSION_COOKIE = "sesame"
T = TypeVar("T")

# Short notices a redirect may ask the next page to show (``?info=...``): only
# these words can appear, whatever the address says. Those in SUCCESSES say
# that something the person asked for was done, and only they are green.
NOTICES = {
    "deconnecte": "Vous êtes déconnecté. À bientôt !",
    "expire": "Votre session a expiré : reconnectez-vous.",
    "reinitialise": "L'activation a été réinitialisée : les liens déjà envoyés ne fonctionnent plus. "
    "Saisissez à nouveau votre mot de passe provisoire, puis vous pourrez corriger votre adresse email.",
    "renvoye": "Un nouvel email de vérification vient de vous être envoyé : le lien du précédent ne fonctionne plus.",
    "rattache": "Contrat rattaché à votre compte.",
    "defaut": "Ce bien s'affichera désormais à votre connexion.",
    "mot-de-passe": "Votre mot de passe a été modifié. Vos autres sessions ont été fermées.",
    "deux-etapes-desactivee": (
        "La validation en deux étapes est désactivée : votre mot de passe suffit de nouveau pour vous connecter."
    ),
    "cgu": "Merci : la nouvelle version des CGU et de la politique de confidentialité est acceptée.",
    "session-fermee": "La session a été fermée sur cet appareil.",
    "autres-fermees": "Vos autres appareils ont été déconnectés.",
    "cle-ajoutee": "Votre clé d'accès est enregistrée : vous pouvez l'utiliser à votre prochaine connexion.",
    "cle-supprimee": "La clé d'accès a été supprimée : elle ne permet plus de vous connecter.",
    "nouveau-lien": "Connectez-vous avec votre adresse email et le mot de passe choisi : si l'adresse n'est pas encore "
    "vérifiée, un bouton vous proposera d'en recevoir un nouveau lien.",
    "lien-renvoye": "Un nouveau lien de confirmation vient d'être envoyé à votre nouvelle adresse : "
    "le précédent ne fonctionne plus.",
    "changement-annule": "Le changement d'adresse est annulé : votre adresse de connexion reste la même "
    "et le lien envoyé ne fonctionne plus.",
}
SUCCESSES = {
    "reinitialise", "renvoye", "rattache", "defaut", "mot-de-passe", "cgu", "session-fermee", "autres-fermees",
    "lien-renvoye", "changement-annule", "cle-ajoutee", "cle-supprimee",
}


def page_context(request: Request) -> dict[str, Any]:
    """What every template may use: the CSRF field, who is signed in (the
    header says it on every page) and where the page is (the menu marks it)."""
    viewer = getattr(request.state, "viewer", None)
    return {
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "signed_in": viewer is not None,
        "viewer": viewer,
        "here": request.url.path,
    }


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[page_context])
french_text.install(templates.env)


async def call(function: Callable[..., T], *args: Any) -> T:
    """A use case, off the event loop (they block on the store and on argon2)."""
    return await run_in_threadpool(function, *args)


def origin(request: Request) -> str | None:
    return client_address(request)


def agency_codes(source: Mapping[str, str]) -> dict[str, str]:
    """The agency's client and company codes carried from its login address."""
    return {name: canonical_code(source.get(name, ""))[:64] for name in ("client", "societe")}


def with_codes(path: str, codes: Mapping[str, str]) -> str:
    """``path`` with the agency codes, so each link keeps them."""
    carried = {k: v for k, v in codes.items() if v}
    return f"{path}?{urlencode(carried)}" if carried else path


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("codes", agency_codes(request.query_params))
    codes = context["codes"] if isinstance(context["codes"], Mapping) else agency_codes(request.query_params)
    context.setdefault("look", agency_look(request, codes))
    context.setdefault("values", {})
    context.setdefault("errors", {})
    info = request.query_params.get("info", "")
    context.setdefault("notice", NOTICES.get(info))
    context.setdefault("notice_tone", "success" if info in SUCCESSES else "info")
    context["with_codes"] = with_codes
    return templates.TemplateResponse(request, name, context, status_code=status)


def agency_look(request: Request, codes: Mapping[str, str]) -> Look | None:
    """The look of the agency whose codes the page carries (its sign-in
    address), if it set one; kept in memory a few seconds (application.agencies).
    The page's own codes were looked up off the event loop (``page``)."""
    if not (codes.get("client") and codes.get("societe")):
        return None
    if dict(codes) == getattr(request.state, "looked_up", None):
        look: Look | None = request.state.look
        return look
    return services(request).agencies.look(codes["client"], codes["societe"])


async def look_up_agency(request: Request) -> None:
    """The look of the address's agency codes, read before the page renders:
    a miss of the agencies' cache reads the store, which must not block the loop."""
    codes = agency_codes(request.query_params)
    if codes["client"] and codes["societe"]:
        request.state.look = await call(services(request).agencies.look, codes["client"], codes["societe"])
        request.state.looked_up = codes


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def refusal_status(refusal: Refused) -> int:
    return STATUS.get(refusal.code, 400)


def field_errors(refusal: Refused, fields: Mapping[str, str], default: str = "form") -> dict[str, str]:
    """Each of the refusal's problems (all of them when the use case found
    several: ``Problems``) placed next to the field it concerns: the one
    ``fields`` names for its code, the one it names itself, or the form's top;
    in the order ``fields`` lists them, the form's own order."""
    problems = refusal.details.get("fields") or [
        {"field": refusal.details.get("field"), "error": refusal.code, "message": refusal.message}
    ]
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(fields.get(problem["error"]) or problem["field"] or default, problem["message"])
    order = list(fields.values())
    return dict(sorted(errors.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def refused_form(request: Request, name: str, refusal: Refused, fields: Mapping[str, str], **context: Any) -> Response:
    """The same form again with the refusal next to its field; a throttled
    answer keeps its Retry-After (RFC 9110 §10.2.3)."""
    response = render(request, name, refusal_status(refusal), errors=field_errors(refusal, fields), **context)
    if "retry_after" in refusal.details:
        response.headers["Retry-After"] = str(refusal.details["retry_after"])
    return response


def required(form: Mapping[str, str], labels: Mapping[str, str]) -> dict[str, str]:
    """An error for each empty field, in the words of its label."""
    return {name: message for name, message in labels.items() if not form.get(name, "").strip()}


def kept(form: Mapping[str, str], *names: str) -> dict[str, str]:
    """What the form shows again after a refusal: never a password."""
    return {name: form.get(name, "") for name in names}


def message(request: Request, heading: str, text: str, status: int = 200, **context: Any) -> Response:
    return render(request, "message.html", status, heading=heading, text=text, **context)


Handler = Callable[[Request], Awaitable[Response]]
PersonHandler = Callable[[Request, Session], Awaitable[Response]]


def form_guard(refused: Callable[[Request, FormRefused], Response]) -> Callable[[Handler], Handler]:
    """Endpoints whose POST's CSRF token is checked before anything else runs
    (OWASP ASVS 5.0 V3.5.1); a refused form (CSRF, size, encoding) is
    answered by ``refused`` (the portal's page, or the console's)."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                if request.method == "POST":
                    await checked_form(request)
                return await handler(request)
            except FormRefused as refusal:
                return refused(request, refusal)

        return endpoint

    return decorate


def page(handler: Handler) -> Handler:
    """A portal endpoint (see ``form_guard``): it knows who is viewing
    (``request.state.viewer``); a refused form becomes a French page."""

    @wraps(handler)
    async def with_viewer(request: Request) -> Response:
        request.state.viewer = await viewer(request)
        await look_up_agency(request)
        return await handler(request)

    return form_guard(
        lambda request, refusal: message(
            request, "Demande refusée", refusal.message, refusal.status, link="/", link_text="Accueil"
        )
    )(with_viewer)


def form_page(template: str) -> Handler:
    """A page that only shows its form (what it needs comes from the address)."""

    @page
    async def endpoint(request: Request) -> Response:
        return render(request, template)

    return endpoint


async def viewer(request: Request) -> str | None:
    """The signed-in person's address for the header, on any page (a session
    waiting for new terms included); None when nobody is signed in."""
    session = await alive(request, read_cookie(request, SESSION_COOKIE))
    if session is None:
        return None
    profile = await call(services(request).read_models.profile, session.identity_id)
    return str(profile["email"]) if profile else None


async def home_if_signed_in(request: Request) -> Response | None:
    """Where a signed-in person goes instead of the welcome or sign-in page:
    their space, or the new terms first; None for anyone signed out."""
    if request.state.viewer is None:
        return None
    try:
        return redirect("/espace") if await current_session(request) is not None else None
    except TermsPending:
        return redirect("/cgu/accepter")


def signed_out(request: Request) -> None:
    """The page being written follows a sign-out or an erasure: no signed-in header."""
    request.state.viewer = None


def deep_link(request: Request) -> str | None:
    """Where a signed-out person was going, to return there after signing in."""
    if request.method != "GET":
        return None
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def current_session(request: Request) -> Session | None:
    """The browser's session, through the one gate (``session_gate``): raises
    ``TermsPending`` on a route newer terms keep it from."""
    return await signed_in(request, read_cookie(request, SESSION_COOKIE))


def person_page(handler: PersonHandler) -> Handler:
    """A page for a signed-in person: the login page when the session is gone
    (idle, expired or logged out), the new terms first when they changed."""

    @page
    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            session = await current_session(request)
        except TermsPending:
            return redirect("/cgu/accepter")
        if session is None:
            had_cookie = read_cookie(request, SESSION_COOKIE) is not None
            query = {"info": "expire"} if had_cookie else {}
            going = deep_link(request)
            if going and going != "/espace":
                query["next"] = going
            response = redirect(f"/login?{urlencode(query)}" if query else "/login")
            delete_cookie(response, request, SESSION_COOKIE)
            return response
        request.state.session = session
        return await handler(request, session)

    return endpoint
