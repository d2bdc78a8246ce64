"""The French portal's pages (issue 8 grows them); each calls the same use cases."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from application.errors import Refused

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


async def welcome(request: Request) -> Response:
    return templates.TemplateResponse(request, "welcome.html")


async def verify_email_page(request: Request) -> Response:
    """Opening the emailed link shows a button; it never consumes the token
    (mail scanners open links too)."""
    return templates.TemplateResponse(request, "verify_email.html", {"token": request.query_params.get("token", "")})


async def verify_email_submit(request: Request) -> Response:
    form = await request.form()
    token = str(form.get("token", ""))
    try:
        result = await run_in_threadpool(request.app.state.container.activation.verify_email, token)
    except Refused as refusal:
        return templates.TemplateResponse(
            request, "verify_email.html", {"token": token, "error": refusal.message}, status_code=400
        )
    return templates.TemplateResponse(
        request,
        "message.html",
        {
            "heading": "Adresse email validée",
            "text": f"Votre compte est activé. Connectez-vous avec {result['email']} et votre mot de passe.",
            "link": "/login",
            "link_text": "Se connecter",
        },
    )


routes = [
    Route("/", welcome),
    Route("/verify-email", verify_email_page, methods=["GET"]),
    Route("/verify-email", verify_email_submit, methods=["POST"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]
