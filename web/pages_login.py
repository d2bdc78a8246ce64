"""Logging in and out with the session cookie (seed 001 §1.2).

The cookie holds the same token the API hands out as a bearer token, HttpOnly
so no script can read it. Logging in always opens a new session (the one the
browser had ends) and a new CSRF seed (OWASP ASVS 5.0 V7.2.4); the portal's
sessions also end after a while unused (V7.3.1).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from web.pages_common import (
    SESSION_COOKIE, agency_codes, call, origin, page, redirect, refused_form, render, required, services,
)
from web.oidc_return import on_the_way, safe_next
from web.security import checked_form, delete_cookie, read_cookie, renew_csrf, set_cookie

MISSING = {"email": "Indiquez votre adresse email.", "password": "Indiquez votre mot de passe."}
PORTAL_COOKIES = ("activation", "bien")


@page
async def login_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    hint = request.query_params.get("login_hint", "")[:320]
    return await on_the_way(request, render(request, "login.html", next=next_path, values={"email": hint}), next_path)


@page
async def login_submit(request: Request) -> Response:
    form = await checked_form(request)
    email = form.get("email", "").strip()
    values, codes, next_path = {"email": email}, agency_codes(form), safe_next(form.get("next"))
    missing = required(form, MISSING)
    if missing:
        return await on_the_way(
            request, render(request, "login.html", 422, errors=missing, values=values, codes=codes, next=next_path),
            next_path,
        )
    try:
        logged_in = await call(services(request).sessions.log_in, email, form.get("password", ""), origin(request), True)
    except Refused as refusal:
        if refusal.code == "terms_acceptance_required":  # a session, but the new terms come first
            terms = "/cgu/accepter" + (f"?{urlencode({'next': next_path})}" if next_path else "")
            return await open_session(request, redirect(terms), refusal.details["token"])
        return await on_the_way(request, refused_form(
            request, "login.html", refusal, {}, values=values, codes=codes,
            activate_hint=refusal.code == "invalid_credentials", next=next_path,
        ), next_path)
    return await open_session(request, redirect(next_path or "/espace"), logged_in.token)


async def open_session(request: Request, response: Response, token: str) -> Response:
    """The new session's cookie; the browser's previous session, if any, ends."""
    previous = read_cookie(request, SESSION_COOKIE)
    if previous:
        await call(services(request).sessions.log_out, previous)
    set_cookie(response, request, SESSION_COOKIE, token)
    renew_csrf(response, request)
    for name in PORTAL_COOKIES:
        if read_cookie(request, name) is not None:
            delete_cookie(response, request, name)
    return response


@page
async def logout_submit(request: Request) -> Response:
    await checked_form(request)
    token = read_cookie(request, SESSION_COOKIE)
    if token:
        await call(services(request).sessions.log_out, token)
    response = redirect("/login?info=deconnecte")
    for name in (SESSION_COOKIE, *PORTAL_COOKIES):
        delete_cookie(response, request, name)
    return response


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/deconnexion", logout_submit, methods=["POST"]),
]
