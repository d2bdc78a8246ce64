"""The JSON API of a person's own sessions (``/me/sessions``, CONTRACT « A person's own security »)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.api import person
from web.use_cases import services


async def list_sessions(request: Request) -> Response:
    session = await person(request)
    sessions = await run_in_threadpool(services(request).my_sessions.listed, session)
    return JSONResponse({"sessions": sessions})


async def end_session(request: Request) -> Response:
    session = await person(request)
    await run_in_threadpool(services(request).my_sessions.end, session, request.path_params["session"])
    return Response(status_code=204)


async def end_other_sessions(request: Request) -> Response:
    session = await person(request)
    await run_in_threadpool(services(request).my_sessions.end_others, session)
    return Response(status_code=204)


routes = [
    Route("/me/sessions", list_sessions, methods=["GET"]),
    Route("/me/sessions", end_other_sessions, methods=["DELETE"]),
    Route("/me/sessions/{session}", end_session, methods=["DELETE"]),
]
