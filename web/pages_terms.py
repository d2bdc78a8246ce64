"""The CGU and the privacy policy: read at any time, accepted again when a new
version appears (login answers ``terms_acceptance_required``)."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.ports import Session
from application.terms import current_terms_version, terms_text, versions
from web.oidc_return import on_the_way, safe_next
from web.pages_common import Handler, call, page, person_page, redirect, refused_form, render
from web.security import checked_form
from web.use_cases import services

# CommonMark without raw HTML: the texts are ours, but a page never trusts markup it did not escape.
MARKDOWN = MarkdownIt("commonmark", {"html": False})
TITLES = {"cgu": "Conditions générales d'utilisation", "confidentialite": "Politique de confidentialité"}


def document_html(version: str, document: str) -> Markup:
    # The project's own terms files, rendered with raw HTML turned off: markup made by markdown-it, not by a person.
    return Markup(MARKDOWN.render(terms_text(version, document)))  # noqa: S704


def document_page(document: str) -> Handler:
    """The current version of a document, or an older one by ``?version=``."""

    @page
    async def endpoint(request: Request) -> Response:
        version = request.query_params.get("version") or current_terms_version()
        if version not in versions():
            version = current_terms_version()
        return render(
            request, "terms.html", heading=TITLES[document], document_html=document_html(version, document),
            version=version, versions=versions(), document=document,
        )

    return endpoint


def acceptance_context() -> dict[str, Any]:
    """The version to accept and both its texts, shown on the page itself."""
    version = current_terms_version()
    return {
        "version": version, "cgu_html": document_html(version, "cgu"),
        "privacy_html": document_html(version, "confidentialite"),
    }


@person_page
async def accept_page(request: Request, session: Session) -> Response:
    """On the way back to a single sign-on client, ``next`` leads there after."""
    next_path = safe_next(request.query_params.get("next"))
    return await on_the_way(
        request, render(request, "terms_accept.html", next=next_path, **acceptance_context()), next_path
    )


@person_page
async def accept_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    next_path = safe_next(form.get("next"))
    if form.get("accept_terms") != "oui":
        error = "Cochez la case pour accepter les CGU et la politique de confidentialité."
        page_ = render(
            request, "terms_accept.html", 422, errors={"accept_terms": error}, next=next_path, **acceptance_context()
        )
        return await on_the_way(request, page_, next_path)
    try:
        await call(services(request).account_settings.accept_terms, session.identity_id, form.get("version"))
    except Refused as refusal:  # a newer version appeared while the page was open
        page_ = refused_form(request, "terms_accept.html", refusal, {}, next=next_path, **acceptance_context())
        return await on_the_way(request, page_, next_path)
    return redirect(next_path or "/espace?info=cgu")


routes = [
    Route("/cgu", document_page("cgu"), methods=["GET"]),
    Route("/confidentialite", document_page("confidentialite"), methods=["GET"]),
    Route("/cgu/accepter", accept_page, methods=["GET"]),
    Route("/cgu/accepter", accept_submit, methods=["POST"]),
]
