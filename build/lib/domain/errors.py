"""Refusals raised by aggregates; the application maps each to a contract error."""


class DomainError(Exception):
    """A command the aggregate's current state does not allow."""

    code = "invalid_state"


class StepOutOfOrder(DomainError):
    """A step of the activation was attempted before the one it depends on."""

    code = "step_out_of_order"


class AlreadyActivated(DomainError):
    """The identity (or the contract it claims) has finished its activation."""

    code = "already_activated"


class AlreadyOwned(DomainError):
    """A unique key (email, contract) is held by someone else."""

    code = "already_owned"


class InvalidToken(DomainError):
    """An emailed link is unknown, superseded, used or expired."""

    code = "invalid_token"


class AlreadyLinked(DomainError):
    """The contract is already one of this person's."""

    code = "already_linked"


class NotLinked(DomainError):
    """The contract is not one of this person's."""

    code = "not_found"


class InvalidCode(DomainError):
    """A two-step code that is wrong, already used, or asked for while two-step sign-in is off."""

    code = "invalid_code"
