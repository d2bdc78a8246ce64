"""The JSON API of the person's own account (``/me``), fusion and password reset."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from application.terms import current_terms_version
from web.api import EMAILED_TOKEN, PROVISIONAL, person
from web.body_schema import CODE, EMAIL, SECRET, TOKEN, Body, Field, any_string, read_body
from web.requests import client_address
from web.use_cases import services

TERMS = Body({"version": Field(choices=lambda: [current_terms_version()])})
NEW_PASSWORD = {"new_password": any_string(), "new_password_confirmation": any_string()}
PASSWORD_CHANGE = Body({"current_password": SECRET, **NEW_PASSWORD})
EMAIL_CHANGE = Body(
    {"password": SECRET, "new_email": EMAIL, "new_email_confirmation": EMAIL}, optional=("new_email_confirmation",)
)
PASSWORD = Body({"password": SECRET})
DEFAULT_ACCOUNT = Body({"account": Field(kind={"type": "string", "format": "uuid"})})
RESET_REQUEST = Body(
    {"email": EMAIL, "login_id": CODE, "client_code": CODE, "company_code": CODE},
    any_of=(("email",), ("login_id", "client_code", "company_code")),
)
RESET = Body({"token": TOKEN, **NEW_PASSWORD})
ERASURE = Body({"password": any_string()})


async def accept_terms(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, TERMS)
    await run_in_threadpool(services(request).account_settings.accept_terms, session.identity_id, body.get("version"))
    return Response(status_code=204)


async def change_password(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, PASSWORD_CHANGE)
    await run_in_threadpool(
        services(request).account_settings.change_password,
        session.identity_id,
        body["current_password"],
        body.get("new_password"),
        body.get("new_password_confirmation"),
        session.token_digest,
        client_address(request),
    )
    return Response(status_code=204)


async def request_email_change(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, EMAIL_CHANGE)
    await run_in_threadpool(
        services(request).account_settings.request_email_change,
        session.identity_id, body["new_email"], body["password"], client_address(request),
        body.get("new_email_confirmation"),
    )
    return JSONResponse({"sent": True}, status_code=202)


async def confirm_email_change(request: Request) -> Response:
    body = await read_body(request, EMAILED_TOKEN)
    result = await run_in_threadpool(
        services(request).account_settings.confirm_email_change, body.get("token"), client_address(request)
    )
    return JSONResponse(result)


async def link_account(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, PROVISIONAL)
    result = await run_in_threadpool(
        services(request).fusion.link_from_session, session.identity_id,
        body["client_code"], body["company_code"], body["login_id"], body["provisional_password"],
        client_address(request),
    )
    return JSONResponse(result, status_code=201)


async def link_during_activation(request: Request) -> Response:
    body = await read_body(request, PASSWORD)
    result = await run_in_threadpool(
        services(request).fusion.link_during_activation, request.path_params["activation"], body["password"],
        client_address(request),
    )
    return JSONResponse({"linked": result["linked"]})


async def choose_default_account(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, DEFAULT_ACCOUNT)
    await run_in_threadpool(
        services(request).account_settings.choose_default_account, session.identity_id, body.get("account")
    )
    return Response(status_code=204)


async def history(request: Request) -> Response:
    session = await person(request)
    events = await run_in_threadpool(services(request).account_settings.history, session.identity_id)
    reads = await run_in_threadpool(services(request).export.staff_reads, session.identity_id)
    return JSONResponse({"events": events, "staff_reads": reads})


async def request_password_reset(request: Request) -> Response:
    body = await read_body(request, RESET_REQUEST)
    await run_in_threadpool(
        services(request).password_reset.request,
        body.get("email"), body.get("login_id"), body.get("client_code"), body.get("company_code"),
        client_address(request),
    )
    return JSONResponse(
        {"message": "Si un compte correspond, un email de réinitialisation vient d'être envoyé à son adresse."},
        status_code=202,
    )


async def confirm_password_reset(request: Request) -> Response:
    body = await read_body(request, RESET)
    await run_in_threadpool(
        services(request).password_reset.confirm,
        body.get("token"),
        body.get("new_password"),
        body.get("new_password_confirmation"),
        client_address(request),
    )
    return Response(status_code=204)


async def export(request: Request) -> Response:
    session = await person(request)
    document = await run_in_threadpool(services(request).export.export, session.identity_id)
    return JSONResponse(document)


async def erase_me(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, ERASURE)
    await run_in_threadpool(
        services(request).erasure.erase_mine, session.identity_id, body.get("password"), client_address(request)
    )
    return JSONResponse({"erased": True}, status_code=202)


routes = [
    Route("/me", erase_me, methods=["DELETE"]),
    Route("/me/export", export, methods=["GET"]),
    Route("/activations/{activation}/link", link_during_activation, methods=["POST"]),
    Route("/me/terms", accept_terms, methods=["POST"]),
    Route("/me/password", change_password, methods=["POST"]),
    Route("/me/email", request_email_change, methods=["POST"]),
    Route("/email-changes", confirm_email_change, methods=["POST"]),
    Route("/me/accounts", link_account, methods=["POST"]),
    Route("/me/default-account", choose_default_account, methods=["PUT"]),
    Route("/me/history", history, methods=["GET"]),
    Route("/password-resets", request_password_reset, methods=["POST"]),
    Route("/password-resets/confirm", confirm_password_reset, methods=["POST"]),
]
