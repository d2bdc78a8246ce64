"""Every page of the staff console (issue 15), under /console."""

from __future__ import annotations

from web import (
    console_actions,
    console_agency,
    console_home,
    console_identity,
    console_invitation,
    console_search,
    console_sign_in,
    console_two_step,
)

routes = [
    *console_sign_in.routes,
    *console_invitation.routes,
    *console_two_step.routes,
    *console_home.routes,
    *console_search.routes,
    *console_identity.routes,
    *console_actions.routes,
    *console_agency.routes,
]
