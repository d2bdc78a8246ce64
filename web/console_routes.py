"""Every page of the staff console (issue 15), under /console."""

from __future__ import annotations

from web import console_home, console_invitation, console_sign_in, console_two_step

routes = [
    *console_sign_in.routes,
    *console_invitation.routes,
    *console_two_step.routes,
    *console_home.routes,
]
