"""What each JSON body may hold, declared once: the handler reads its body
through the declaration (``Body.read``) and the OpenAPI document publishes it
(``Body.schema``), so a field's limits live in one place and
``schemathesis --checks all`` finds the server accepting exactly what the
document says.

A field's refusals are the contract's: ``invalid_request`` (with ``field``)
for a missing, mistyped, blank, too long or control-character text,
``invalid_email`` for what is no address; an emailed token's shape is shown
and left to the use case, which counts any wrong one as a guess (400
``invalid_token``). What JSON Schema cannot state (a password's strength and its
confirmation, whether a code, token or account exists) stays with the use
cases, which give their own answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from application.emails import MAX_EMAIL_LENGTH, normalize_email
from application.errors import Refused
from web.requests import MAX_FIELD, json_body

Schema = dict[str, Any]

CONTROL = "[\\u0000-\\u0008\\u000a-\\u001f]"  # a tab is text; a newline or NUL is not
# Something that is not blank, the same in every regex dialect: Python's \s
# also holds U+001C-U+001F and U+0085, ECMAScript's also U+FEFF.
VISIBLE = "[^\\s\\u001c-\\u001f\\u0085\\ufeff]"
NUL = {"type": "string", "pattern": "\\u0000"}
# An address email-validator takes (so the document can say it): up to three
# dot-separated atoms of RFC 5322 characters or Latin-1 letters, then up to
# four host labels of letters, digits and one inner hyphen, then a top-level
# domain of ASCII letters. Latin-1 letters keep « josé@école.fr » an address.
LETTERS = "A-Za-z0-9\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u00ff"
ATOM = f"[{LETTERS}!#$%&'*+/=?^_`{{|}}~-]{{1,20}}"
LABEL = f"[{LETTERS}]{{1,20}}(-[{LETTERS}]{{1,20}})?"
EMAIL_PATTERN = f"^{ATOM}(\\.{ATOM}){{0,2}}@({LABEL}\\.){{1,4}}[A-Za-z]{{2,24}}$"
TOKEN_PATTERN = "^[A-Za-z0-9_-]{65}$"  # noqa: S105 - a shape, no secret; Keyring.mint: the owner's id then a MAC, in base64url
# Any JSON a client adds beside the declared fields, as long as no text in it
# holds a NUL (web/requests.py refuses those wherever they are).
ANY_JSON: Schema = {
    "not": NUL,
    "items": {"$ref": "#/components/schemas/AnyJson"},
    "additionalProperties": {"$ref": "#/components/schemas/AnyJson"},
    "propertyNames": {"not": NUL},
}


def _absent(name: str) -> Refused:
    return Refused("invalid_request", f"Le champ « {name} » est requis (texte).", field=name)


def _unfit(name: str, value: str = "") -> Refused:
    return Refused(
        "invalid_request", f"Le champ « {name} » est trop long ou contient des caractères interdits.", field=name
    )


def _no_email(name: str, value: str = "") -> Refused:
    """Why the address is refused, in email-validator's reasons put in French
    (``normalize_email``), else (an address outside the published pattern that
    the validator would take) the general sentence."""
    try:
        normalize_email(value)
    except Refused as refusal:
        return refusal
    return Refused("invalid_email", "Saisissez une adresse email valide.")


@dataclass(frozen=True)
class Field:
    """One field. ``text``: a non-blank string without control characters (a
    tab aside); else any string (the use case judges it) or, with ``kind``,
    any JSON value of that kind. ``pattern`` is searched as JSON Schema does;
    ``missing`` gives the refusal for an absent or mistyped value, ``unfit``
    for a string too long or with control characters, ``refuse`` for one
    outside the pattern."""

    max_length: int | None = MAX_FIELD
    text: bool = True
    pattern: str | None = None
    refuse: Callable[[str, str], Refused] = _unfit
    missing: Callable[[str], Refused] = _absent
    unfit: Callable[[str, str], Refused] = _unfit
    kind: Schema | None = None  # a JSON Schema passed through to the use case as it is
    choices: Callable[[], list[Any]] | None = None  # the values the use case takes, known at run time

    def schema(self) -> Schema:
        if self.kind is not None:
            return dict(self.kind)
        schema: Schema = {"type": "string"}
        if self.choices is not None:
            schema["enum"] = self.choices()
            return schema
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        patterns = [p for p in (VISIBLE if self.text else None, self.pattern) if p]
        if len(patterns) == 1:
            schema["pattern"] = patterns[0]
        elif patterns:
            schema["allOf"] = [{"pattern": p} for p in patterns]
        schema["not"] = {"pattern": CONTROL} if self.text else {"pattern": "\\u0000"}
        return schema

    def read(self, name: str, value: Any) -> Any:
        if self.kind is not None or self.choices is not None:
            return value
        if not isinstance(value, str):
            if not self.text and not self.pattern:
                return value  # the use case says what it wanted (a new password: « Choisissez un mot de passe. »)
            raise self.missing(name)
        if self.text and not re.search(VISIBLE, value):
            raise self.missing(name)
        too_long = self.max_length is not None and len(value) > self.max_length
        if too_long or (self.text and re.search(CONTROL, value)):
            raise self.unfit(name, value)
        if self.pattern is not None and not re.search(self.pattern, value):
            raise self.refuse(name, value)
        return value


def text(max_length: int = MAX_FIELD) -> Field:
    return Field(max_length)


def any_string(max_length: int = MAX_FIELD) -> Field:
    """A string the use case judges (a new password: its strength, its confirmation)."""
    return Field(max_length, text=False)


# An address a person proposes: whatever is wrong with it is the contract's 422 invalid_email.
EMAIL = Field(MAX_EMAIL_LENGTH, pattern=EMAIL_PATTERN, refuse=_no_email, missing=_no_email, unfit=_no_email)
# An address to sign in with: a missing, too long or odd one is a malformed request.
LOGIN_EMAIL = Field(MAX_EMAIL_LENGTH, pattern=EMAIL_PATTERN, refuse=_no_email)
# Any other value is refused by the use case (400 invalid_token) once counted as a guess.
TOKEN = Field(kind={"type": "string", "pattern": TOKEN_PATTERN})
SECRET = text()  # a password to check
CODE = text(64)  # provisional credentials and agency codes
OTP = text(64)  # a TOTP code or a recovery code


@dataclass(frozen=True)
class Body:
    """A JSON object body: its fields, all required but the ``optional`` ones,
    unless ``any_of`` names the sets of which one must be complete (the use
    case refuses a body that completes none, in its own words)."""

    fields: dict[str, Field]
    any_of: tuple[tuple[str, ...], ...] = ()
    optional: tuple[str, ...] = ()

    def needed(self) -> tuple[str, ...]:
        return () if self.any_of else tuple(name for name in self.fields if name not in self.optional)

    def schema(self) -> Schema:
        schema: Schema = {
            "type": "object",
            "properties": {name: f.schema() for name, f in self.fields.items()},
            "additionalProperties": {"$ref": "#/components/schemas/AnyJson"},
            "propertyNames": {"not": NUL},
        }
        if self.needed():
            schema["required"] = list(self.needed())
        if self.any_of:
            schema["anyOf"] = [{"required": list(names)} for names in self.any_of]
        return schema

    def read(self, body: dict[str, Any]) -> dict[str, Any]:
        """The declared fields present in ``body``, each checked (in order of
        declaration); a required one absent is read as ``None``."""
        values: dict[str, Any] = {}
        for name, declared in self.fields.items():
            if name in body:
                values[name] = declared.read(name, body[name])
            elif name in self.needed():
                values[name] = declared.read(name, None)
        return values


async def read_body(request: Request, declared: Body) -> dict[str, Any]:
    """The request's JSON object (``json_body``: size, syntax, odd text), then its declared fields."""
    return declared.read(await json_body(request))
