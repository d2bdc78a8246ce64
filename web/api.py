"""The JSON API of CONTRACT.md (``/api/v1``): requests to use cases and back."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from application.errors import Refused
from application.ports import Session
from application.sessions import LoggedIn
from web.body_schema import CODE, EMAIL, LOGIN_EMAIL, SECRET, TOKEN, Body, Field, any_string, read_body
from web.requests import bearer, client_address, json_body, sign_in_device
from web.session_gate import signed_in
from web.use_cases import services


async def person(request: Request) -> Session:
    """The bearer's session, through the one gate (``session_gate``)."""
    session = await signed_in(request, bearer(request))
    if session is None:
        raise Refused("unauthenticated", "Connectez-vous pour continuer.")
    return session


PROVISIONAL = Body({name: CODE for name in ("client_code", "company_code", "login_id", "provisional_password")})
EMAIL_STEP = Body({"email": EMAIL})
PASSWORD_STEP = Body({
    "password": any_string(), "password_confirmation": any_string(), "accept_terms": Field(kind={"const": True}),
})
EMAILED_TOKEN = Body({"token": TOKEN})
LOG_IN = Body({"email": LOGIN_EMAIL, "password": SECRET})


async def start_activation(request: Request) -> Response:
    body = await read_body(request, PROVISIONAL)
    result = await run_in_threadpool(
        services(request).activation.start,
        body["client_code"], body["company_code"], body["login_id"], body["provisional_password"],
        client_address(request),
    )
    return JSONResponse(result, status_code=201)


async def propose_email(request: Request) -> Response:
    body = await read_body(request, EMAIL_STEP)
    result = await run_in_threadpool(
        services(request).activation.propose_email,
        request.path_params["activation"],
        body.get("email"),
        client_address(request),
    )
    return JSONResponse(result)


async def choose_password(request: Request) -> Response:
    body = await read_body(request, PASSWORD_STEP)
    result = await run_in_threadpool(
        services(request).activation.choose_password,
        request.path_params["activation"],
        body["password"],
        body["password_confirmation"],
        body["accept_terms"],
        client_address(request),
    )
    return JSONResponse(result, status_code=202)


async def resend_verification(request: Request) -> Response:
    await json_body(request)
    await run_in_threadpool(
        services(request).activation.resend, request.path_params["activation"], client_address(request)
    )
    return JSONResponse({"sent": True}, status_code=202)


async def reset_activation(request: Request) -> Response:
    await run_in_threadpool(services(request).activation.reset, request.path_params["activation"])
    return Response(status_code=204)


async def verify_email(request: Request) -> Response:
    body = await read_body(request, EMAILED_TOKEN)
    result = await run_in_threadpool(
        services(request).activation.verify_email, body.get("token"), client_address(request)
    )
    return JSONResponse(result)


async def log_in(request: Request) -> Response:
    body = await read_body(request, LOG_IN)
    logged_in = await run_in_threadpool(
        services(request).sessions.log_in, body["email"], body["password"], client_address(request),
        False, sign_in_device(request),
    )
    return signed_in_answer(logged_in)


def signed_in_answer(logged_in: LoggedIn) -> Response:
    """201 with the new session's token: every way of signing in answers so."""
    return JSONResponse(
        {"token": logged_in.token, "identity": {"id": str(logged_in.identity_id), "email": logged_in.email}},
        status_code=201,
    )


async def log_out(request: Request) -> Response:
    await person(request)
    token = bearer(request)
    if token is None:
        raise RuntimeError("broken invariant: token is None")
    await run_in_threadpool(services(request).sessions.log_out, token)
    return Response(status_code=204)


async def me(request: Request) -> Response:
    session = await person(request)
    profile: dict[str, Any] = await run_in_threadpool(services(request).sessions.me, session)
    return JSONResponse(profile)


routes = [
    Route("/activations", start_activation, methods=["POST"]),
    Route("/activations/{activation}/email", propose_email, methods=["POST"]),
    Route("/activations/{activation}/password", choose_password, methods=["POST"]),
    Route("/activations/{activation}/resend", resend_verification, methods=["POST"]),
    Route("/activations/{activation}", reset_activation, methods=["DELETE"]),
    Route("/email-verifications", verify_email, methods=["POST"]),
    Route("/sessions", log_in, methods=["POST"]),
    Route("/sessions/current", log_out, methods=["DELETE"]),
    Route("/me", me, methods=["GET"]),
]
