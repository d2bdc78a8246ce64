"""Signing in to the console and out of it (``/console``): email, password and
two-step code in one form, one answer for every failure.

The session's cookie is the console's own (``console_gate``): HttpOnly,
SameSite=Strict, path /console, so the portal's pages never carry it. Signing
in always opens a new session (the browser's previous one ends) and a new
CSRF seed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from web.console_gate import (
    HOME,
    TWO_STEP_SETUP,
    console_form,
    delete_console_cookie,
    read_console_cookie,
    refused_console_form,
    render_console,
    safe_console_next,
    set_console_cookie,
    signed_in_member,
)
from web.pages_common import call, kept, origin, redirect, required
from web.security import checked_form, renew_csrf
from web.use_cases import services

PAGE = "console/sign_in.html"
MISSING = {"email": "Indiquez votre adresse email.", "password": "Indiquez votre mot de passe."}


@console_form
async def sign_in_page(request: Request) -> Response:
    next_path = safe_console_next(request.query_params.get("next"))
    member = await signed_in_member(request)
    if member is not None:  # signed in already: on to the console, or to the two-step set-up first
        return redirect((next_path or HOME) if member.two_step_on else TWO_STEP_SETUP)
    return render_console(request, PAGE, next=next_path)


@console_form
async def sign_in_submit(request: Request) -> Response:
    form = await checked_form(request)
    next_path = safe_console_next(form.get("next"))
    values = kept(form, "email")
    missing = required(form, MISSING)
    if missing:
        return render_console(request, PAGE, 422, errors=missing, values=values, next=next_path)
    try:
        token = await call(
            services(request).console.sign_in.sign_in, form.get("email", ""), form.get("password", ""),
            form.get("code", ""), origin(request),
        )
    except Refused as refusal:
        return refused_console_form(request, PAGE, refusal, {}, values=values, next=next_path)
    return await open_console_session(request, redirect(next_path or HOME), token)


async def open_console_session(request: Request, response: Response, token: str) -> Response:
    """The new session's cookie; the browser's previous console session ends."""
    previous = read_console_cookie(request)
    if previous:
        await call(services(request).console.sessions.log_out, previous)
    set_console_cookie(response, request, token)
    renew_csrf(response, request)
    return response


@console_form
async def sign_out(request: Request) -> Response:
    token = read_console_cookie(request)
    if token:
        await call(services(request).console.sessions.log_out, token)
    response = redirect("/console?info=deconnecte")
    delete_console_cookie(response, request)
    return response


routes = [
    Route("/console", sign_in_page, methods=["GET"]),
    Route("/console", sign_in_submit, methods=["POST"]),
    Route("/console/deconnexion", sign_out, methods=["POST"]),
]
