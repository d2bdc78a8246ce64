"""What the staff console's pages call, in one place of the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from application.staff_invitations import StaffInvitations
from application.staff_sessions import ConsoleSessions
from application.staff_sign_in import ConsoleSignIn
from application.staff_two_step import StaffTwoStep


@dataclass(frozen=True)
class Console:
    sessions: ConsoleSessions
    sign_in: ConsoleSignIn
    invitations: StaffInvitations
    two_step: StaffTwoStep
