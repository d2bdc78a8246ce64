"""Support actions from an identity's page (``POST /console/personnes/{id}/{action}``),
each behind the reason the member types (``application/support_actions.py``
holds the rules: who may, on whom, and the record). A refused action shows
the page again with the refusal next to the reason; a done one goes back to
the page with a notice (POST, redirect, GET)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from domain.staff import StaffMember
from web.console_identity import identity_page
from web.console_pages import console_page, refused_page
from web.pages_common import call, redirect, refusal_status
from web.security import checked_form
from web.use_cases import services

# The address's word → the use case (``SupportActions``' method).
ACTIONS = {"verification": "resend_verification", "reinitialisation": "send_reset_link", "sessions": "end_sessions"}


@console_page("support", "agency")
async def act(request: Request, member: StaffMember) -> Response:
    form = await checked_form(request)
    action = request.path_params["action"]
    try:
        identity_id = services(request).directory.resolve_uuid(request.path_params["identity"])
        if action not in ACTIONS:
            raise Refused("not_found", "Cette action n'existe pas.")
    except Refused as refusal:
        return refused_page(request, refusal)
    try:
        await call(getattr(services(request).support_actions, ACTIONS[action]), member, identity_id, form.get("reason"))
    except Refused as refusal:
        if refusal.code in ("not_found", "forbidden"):
            return refused_page(request, refusal)
        return await identity_page(
            request,
            member,
            identity_id,
            refusal_status(refusal),
            errors={action: refusal.message},
            values={action: form.get("reason", "")[:600]},
        )
    return redirect(f"/console/personnes/{identity_id}?fait={action}#actions")


routes = [Route("/console/personnes/{identity}/{action}", act, methods=["POST"])]
