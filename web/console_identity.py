"""An identity's page (``/console/personnes/{id}``): the staff's file on one
person (``application/identity_file.py``: contracts, why they cannot log in,
sessions, timeline, staff reads), and for auditors the state at a chosen
moment and what changed since (the audit use case's replay). Every view is a
staff read, recorded before the page is shown."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.support_actions import ACTING_ROLES
from domain.staff import StaffMember
from web.console_pages import console_page, local_moment, refused_page, render_page
from web.pages_common import call, refusal_status
from web.use_cases import services


async def identity_page(
    request: Request, member: StaffMember, identity_id: UUID, status: int = 200, **context: Any
) -> Response:
    """The page, also shown again by an action refused (``errors``, ``values``)."""
    container = services(request)
    try:
        file = await call(container.identity_file.open, member, identity_id)
    except Refused as refusal:
        return refused_page(request, refusal)
    at, state, errors = request.query_params.get("a", "")[:40], None, dict(context.pop("errors", {}))
    if member.role == "auditor" and at:
        try:
            state = await call(container.audit.since, member, identity_id, local_moment(at))
        except Refused as refusal:
            errors["a"], status = refusal.message, refusal_status(refusal)
    return render_page(
        request,
        "console/identity.html",
        status,
        file=file,
        person=file["profile"],
        identity_id=str(identity_id),
        acts=member.role in ACTING_ROLES,
        at=at,
        state=state,
        errors=errors,
        **context,
    )


@console_page()
async def identity(request: Request, member: StaffMember) -> Response:
    try:
        identity_id = services(request).directory.resolve_uuid(request.path_params["identity"])
    except Refused as refusal:
        return refused_page(request, refusal)
    return await identity_page(request, member, identity_id)


routes = [Route("/console/personnes/{identity}", identity, methods=["GET"])]
