"""The portal's "prove it's you" forms: a change behind the password (and,
for turning two-step off, a code), written once for « Sécurité »'s ending of
the other sessions, a passkey's removal and two-step's turning off.

Each asks for its fields, shows the same page with an error next to each one
left empty (422), calls its use case, and on a refusal shows the page again
with the refusal next to its field (``pages_common.refused_form``, which
keeps a throttled answer's Retry-After); done, it goes where it says.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from application.errors import Refused
from web.pages_common import redirect, refused_form, render, required


@dataclass(frozen=True)
class ProofForm:
    """What a proof form is: its template, the message for each empty field,
    the field each refusal's code belongs to, and where it goes once done."""

    page: str
    labels: Mapping[str, str]
    fields: Mapping[str, str]
    destination: str


async def proven(
    request: Request,
    proof: ProofForm,
    form: Mapping[str, str],
    act: Callable[[], Awaitable[object]],
    *,
    empty: Callable[[dict[str, str]], Awaitable[Response]] | None = None,
    special: Callable[[Refused], Response | None] = lambda refusal: None,
    **context: Any,
) -> Response:
    """The form's answer: ``act`` (the use case) runs only when every field is
    filled; ``empty`` renders the 422 when the page needs more than
    ``context``, ``special`` answers a refusal that is not the form's."""
    errors = required(form, proof.labels)
    if errors:
        return await empty(errors) if empty else render(request, proof.page, 422, errors=errors, **context)
    try:
        await act()
    except Refused as refusal:
        return special(refusal) or refused_form(request, proof.page, refusal, proof.fields, **context)
    return redirect(proof.destination)
