"""The JSON API of two-step sign-in: turning it on and off from ``/me``, and
the second step of a sign-in (``/sessions/two-step``)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from application.errors import Refused
from web.api import person, signed_in_answer
from web.body_schema import OTP, SECRET, Body, read_body, text
from web.errors import error_response
from web.requests import client_address
from web.use_cases import services

ENROL = Body({"password": SECRET})
CONFIRM = Body({"code": OTP})
DISABLE = Body({"password": SECRET, "code": OTP})
SECOND_STEP = Body({"challenge": text(128), "code": OTP})


async def enrol(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, ENROL)
    result = await run_in_threadpool(
        services(request).two_step.enrol, session.identity_id, body["password"], client_address(request)
    )
    return JSONResponse(result, status_code=201)


async def confirm(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, CONFIRM)
    codes = await run_in_threadpool(
        services(request).two_step.confirm, session.identity_id, body["code"], client_address(request)
    )
    return JSONResponse({"recovery_codes": codes})


async def disable(request: Request) -> Response:
    session = await person(request)
    body = await read_body(request, DISABLE)
    await run_in_threadpool(
        services(request).two_step.disable, session.identity_id, body["password"], body["code"],
        client_address(request),
    )
    return Response(status_code=204)


async def complete_sign_in(request: Request) -> Response:
    body = await read_body(request, SECOND_STEP)
    try:
        logged_in = await run_in_threadpool(
            services(request).two_step.complete, body["challenge"], body["code"], client_address(request)
        )
    except Refused as refusal:
        if refusal.code != "invalid_code":
            raise
        # At sign-in a wrong code is a failed authentication (401), not a bad field.
        return error_response(refusal.code, refusal.message, 401)
    return signed_in_answer(logged_in)


routes = [
    Route("/me/two-step", enrol, methods=["POST"]),
    Route("/me/two-step", disable, methods=["DELETE"]),
    Route("/me/two-step/confirm", confirm, methods=["POST"]),
    Route("/sessions/two-step", complete_sign_in, methods=["POST"]),
]
