"""Logging in and out with the session cookie (seed 001 §1.2), and the code
page of two-step sign-in (its challenge in a short-lived HttpOnly cookie).

The cookie holds the same token the API hands out as a bearer token, HttpOnly
so no script can read it. Logging in always opens a new session (the one the
browser had ends) and a new CSRF seed (OWASP ASVS 5.0 V7.2.4); the portal's
sessions also end after a while unused (V7.3.1).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.sessions import LoggedIn
from web.oidc_return import on_the_way, safe_next
from web.pages_activation_state import save_state
from web.pages_common import (
    SESSION_COOKIE,
    agency_codes,
    call,
    home_if_signed_in,
    origin,
    page,
    redirect,
    refused_form,
    render,
    required,
)
from web.requests import sign_in_device
from web.security import checked_form, delete_cookie, read_cookie, renew_csrf, set_cookie
from web.use_cases import services

MISSING = {"email": "Indiquez votre adresse email.", "password": "Indiquez votre mot de passe."}
CHALLENGE_COOKIE = "deux-etapes"
CHALLENGE_AGE = 5 * 60  # as long as the challenge lives (application.sessions.CHALLENGE_TTL)
PORTAL_COOKIES = ("activation", "bien", CHALLENGE_COOKIE)
DEVICE_COOKIE, DEVICE_DAYS = "appareil", 400  # kept across logouts: the browser, not the session


@page
async def login_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    home = None if next_path else await home_if_signed_in(request)  # single sign-on may ask to sign in again
    if home is not None:
        return home
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
    device_key = read_cookie(request, DEVICE_COOKIE) or secrets.token_urlsafe(32)
    signed = await sign_in(
        request, next_path, services(request).sessions.log_in, email, form.get("password", ""), origin(request), True,
        sign_in_device(request, device_key),
    )
    if isinstance(signed, Refused):
        refused = refused_form(
            request, "login.html", signed, {}, values=values, codes=codes, next=next_path,
            wrong=signed.code == "invalid_credentials", resend="activation" in signed.details,
        )
        if "activation" in signed.details:  # the password of an activation waiting for its link: offer to resend it
            save_state(refused, request, {"token": signed.details["activation"], "email": email})
        return await on_the_way(request, refused, next_path)
    return remember_device(request, signed, device_key)


def remember_device(request: Request, response: Response, device_key: str) -> Response:
    """The device cookie, set (or its lifetime renewed) once the password proved right."""
    set_cookie(response, request, DEVICE_COOKIE, device_key, max_age=DEVICE_DAYS * 24 * 3600)
    return response


def with_next(path: str, next_path: str | None, **query: str) -> str:
    """``path`` carrying the way back to a single sign-on client, if any."""
    carried = {**query, **({"next": next_path} if next_path else {})}
    return f"{path}?{urlencode(carried)}" if carried else path


async def sign_in(
    request: Request, next_path: str | None, use_case: Callable[..., LoggedIn], *args: object
) -> Response | Refused:
    """Either step of a sign-in, both on the way to ``next_path`` (single sign-on)
    or the person's space: the new session, the code page when two-step sign-in
    asks for one, or the refusal for the form to show."""
    try:
        logged_in = await call(use_case, *args)
    except Refused as refusal:
        if refusal.code == "two_step_required":  # the password was right; the challenge waits in a cookie
            response = redirect(with_next("/login/code", next_path))
            set_cookie(response, request, CHALLENGE_COOKIE, refusal.details["challenge"], CHALLENGE_AGE)
            return response
        if refusal.code == "terms_acceptance_required":  # a session, but the new terms come first
            return await open_session(
                request, redirect(with_next("/cgu/accepter", next_path)), refusal.details["token"]
            )
        return refusal
    return await open_session(request, redirect(next_path or "/espace"), logged_in.token)


@page
async def code_page(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if read_cookie(request, CHALLENGE_COOKIE) is None:
        return redirect(with_next("/login", next_path))
    return await on_the_way(request, code_form(request, next_path), next_path)


def code_form(request: Request, next_path: str | None, status: int = 200, **context: object) -> Response:
    return render(
        request, "login_code.html", status, next=next_path, login_url=with_next("/login", next_path), **context
    )


@page
async def code_submit(request: Request) -> Response:
    """The second step: the challenge from its cookie and the code typed."""
    form = await checked_form(request)
    challenge, next_path = read_cookie(request, CHALLENGE_COOKIE), safe_next(form.get("next"))
    if challenge is None:
        return redirect(with_next("/login", next_path, info="expire"))
    errors = required(form, {"code": "Indiquez le code à 6 chiffres de votre application, ou un code de secours."})
    if errors:
        return await on_the_way(request, code_form(request, next_path, 422, errors=errors), next_path)
    signed = await sign_in(
        request, next_path, services(request).two_step.complete, challenge, form.get("code", ""), origin(request), True
    )
    if isinstance(signed, Refused):
        expired = signed.details.get("field") == "challenge"  # back to the password
        field = "form" if expired else "code"
        refused = refused_form(
            request,
            "login_code.html",
            signed,
            {"invalid_code": field, "too_many_attempts": field},
            expired=expired,
            next=next_path,
            login_url=with_next("/login", next_path),
        )
        return await on_the_way(request, refused, next_path)
    return signed


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
    Route("/login/code", code_page, methods=["GET"]),
    Route("/login/code", code_submit, methods=["POST"]),
    Route("/deconnexion", logout_submit, methods=["POST"]),
]
