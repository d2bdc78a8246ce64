"""The JSON API of the person's own account (``/me``), fusion and password reset."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.api import person, services
from web.requests import client_address, json_body, provisional_credentials, text


async def accept_terms(request: Request) -> Response:
    session = await person(request)
    body = await json_body(request)
    await run_in_threadpool(services(request).account_settings.accept_terms, session.identity_id, body.get("version"))
    return Response(status_code=204)


async def change_password(request: Request) -> Response:
    session = await person(request)
    body = await json_body(request)
    await run_in_threadpool(
        services(request).account_settings.change_password,
        session.identity_id,
        text(body, "current_password"),
        body.get("new_password"),
        body.get("new_password_confirmation"),
        session.token_digest,
        client_address(request),
    )
    return Response(status_code=204)


async def request_email_change(request: Request) -> Response:
    session = await person(request)
    body = await json_body(request)
    await run_in_threadpool(
        services(request).account_settings.request_email_change,
        session.identity_id, body.get("new_email"), text(body, "password"), client_address(request),
        body.get("new_email_confirmation"),
    )
    return JSONResponse({"sent": True}, status_code=202)


async def confirm_email_change(request: Request) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(
        services(request).account_settings.confirm_email_change, body.get("token"), client_address(request)
    )
    return JSONResponse(result)


async def link_account(request: Request) -> Response:
    session = await person(request)
    body = await json_body(request)
    fields = provisional_credentials(body)
    result = await run_in_threadpool(
        services(request).fusion.link_from_session, session.identity_id, *fields, client_address(request)
    )
    return JSONResponse(result, status_code=201)


async def link_during_activation(request: Request) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(
        services(request).fusion.link_during_activation, request.path_params["activation"], text(body, "password"),
        client_address(request),
    )
    return JSONResponse({"linked": result["linked"]})


async def choose_default_account(request: Request) -> Response:
    session = await person(request)
    body = await json_body(request)
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
    body = await json_body(request)
    await run_in_threadpool(
        services(request).password_reset.request,
        text(body, "email", 254) if body.get("email") is not None else None,
        body.get("login_id"),
        body.get("client_code"),
        body.get("company_code"),
        client_address(request),
    )
    return JSONResponse(
        {"message": "Si un compte correspond, un email de réinitialisation vient d'être envoyé à son adresse."},
        status_code=202,
    )


async def confirm_password_reset(request: Request) -> Response:
    body = await json_body(request)
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
    body = await json_body(request)
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
