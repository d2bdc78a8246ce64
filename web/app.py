"""The Starlette application: API under /api/v1, the portal at the root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from adapters.bootstrap import Container
from adapters.environment import container, started
from application.errors import Refused
from web import (
    api,
    api_account,
    api_sessions,
    api_staff,
    api_two_step,
    console_routes,
    oidc,
    oidc_logout,
    openapi,
    pages,
)
from web.body_limit import BodyLimitMiddleware
from web.errors import http_error, refused, unexpected
from web.idempotency import IdempotencyMiddleware
from web.request_ids import RequestIdMiddleware
from web.security import CsrfSeedMiddleware, SecurityHeadersMiddleware
from web.use_cases import services


async def healthz(request: Request) -> Response:
    checks = await run_in_threadpool(services(request).health)
    healthy = all(state == "ok" for state in checks.values())
    return JSONResponse({"status": "ok" if healthy else "degraded", **checks}, status_code=200 if healthy else 503)


routes: list[BaseRoute] = [
    Route("/healthz", healthz),
    Mount(
        "/api/v1",
        routes=(
            api.routes + api_account.routes + api_sessions.routes + api_two_step.routes + api_staff.routes
            + openapi.routes
        ),
    ),
    *oidc.routes,
    *oidc_logout.routes,  # a protocol endpoint: a client's own POST carries no CSRF token of ours
    *console_routes.routes,
    *pages.routes,
]


def create_app(container: Container, run_background: bool = True) -> Starlette:
    """The ASGI app; with ``run_background`` the process roles run in-process."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(container.signing_keys.ensure)  # the first process creates the first key
        if run_background:
            await run_in_threadpool(container.start)
        yield
        await run_in_threadpool(container.stop)  # joins the background threads

    app = Starlette(
        routes=routes,
        exception_handlers={Refused: refused, HTTPException: http_error, Exception: unexpected},
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(BodyLimitMiddleware),
            Middleware(CsrfSeedMiddleware),
            Middleware(IdempotencyMiddleware, answers=container.idempotency, clock=container.clock),
        ],
        lifespan=lifespan,
    )
    app.state.use_cases = container.use_cases()
    return app


def from_environment() -> Starlette:
    """``sesame serve``'s app (a uvicorn factory): wired from the process environment,
    running the background roles in-process when the broker is embedded."""
    c = container()
    started(c, ("serve", *(("projections", "outbox", "worker") if c.settings.embedded else ())))
    return create_app(c, run_background=c.settings.embedded)
