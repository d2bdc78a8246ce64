"""The console's two-step set-up (``/console/deux-etapes``), right after the
password and before any other console page: a QR code drawn server-side with
the secret as text (the portal's ``qr_svg``), a first code, the recovery codes
shown once. There is no page to turn it off.

The secret is shown only in the answer to « Afficher le QR code »: a reload
never shows it again; « Recommencer » draws a new one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from domain.staff import StaffMember
from web.console_gate import enrolment_page, refused_console_form, render_console
from web.pages_common import call, origin, required
from web.pages_two_step import grouped, qr_svg
from web.security import checked_form
from web.use_cases import services

PAGE = "console/two_step.html"


@enrolment_page
async def two_step_page(request: Request, member: StaffMember) -> Response:
    return render_console(request, PAGE)


@enrolment_page
async def enrol_submit(request: Request, member: StaffMember) -> Response:
    setup = await call(services(request).console.two_step.enrol, member.id)
    return render_console(request, PAGE, qr=qr_svg(setup["otpauth_uri"]), secret=grouped(setup["secret"]))


@enrolment_page
async def confirm_submit(request: Request, member: StaffMember) -> Response:
    form = await checked_form(request)
    errors = required(form, {"code": "Indiquez le code à 6 chiffres affiché par votre application."})
    if errors:
        return render_console(request, PAGE, 422, errors=errors)
    try:
        codes = await call(services(request).console.two_step.confirm, member.id, form.get("code", ""), origin(request))
    except Refused as refusal:
        return refused_console_form(request, PAGE, refusal, {"invalid_code": "code", "too_many_attempts": "code"})
    request.state.console_member = member  # in the console from now on: the header shows who
    return render_console(request, "console/two_step_codes.html", codes=codes)


routes = [
    Route("/console/deux-etapes", two_step_page, methods=["GET"]),
    Route("/console/deux-etapes", enrol_submit, methods=["POST"]),
    Route("/console/deux-etapes/confirmer", confirm_submit, methods=["POST"]),
]
