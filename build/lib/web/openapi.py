"""The OpenAPI 3.1 document of the JSON API, served at ``/api/v1/openapi.json``.

The calls, answers and errors are written here from CONTRACT.md; each request
body is the very declaration its handler reads the body with
(``web/body_schema.py``), so the document says exactly what the server
accepts. schemathesis checks the running server against it
(tests/security/test_openapi_fuzz.py, ``schemathesis.toml``). Only the
operations the server routes are published, so the document never promises
a call the deployment does not have, and a test fails when a route exists
that the document does not describe.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from application.support import CURSOR_PATTERN, MAX_PER_PAGE
from domain.agency_account import ROLES
from web import api, api_account, api_staff, api_two_step
from web.body_schema import ANY_JSON, Body

Schema = dict[str, Any]

UUID_TEXT = {"type": "string", "format": "uuid"}
ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "criteria": {"type": "array", "items": {"type": "string"}},
        "field": {"type": "string"},
        "terms_version": {"type": "string"},
        "challenge": {"type": "string"},
        "retry_after": {"type": "integer", "minimum": 1},
        "activation": {
            "type": "string", "description": "with `email_not_verified`: the activation's token, to resend its link",
        },
        "fields": {
            "type": "array",
            "description": "every problem of the request at once (`error` is the first): field, code, words",
            "items": {
                "type": "object", "required": ["field", "error", "message"],
                "properties": {"field": {"type": "string"}, "error": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
ERRORS = {
    400: "malformed JSON, or an emailed link that no longer works (`invalid_token`)",
    401: "`invalid_credentials`, `unauthenticated`, or at sign-in's second step `invalid_code`",
    403: "`email_not_verified`, `terms_acceptance_required` (with `terms_version`), "
    "`two_step_required` (with `challenge`), `forbidden`",
    404: "`not_found`, `activation_not_found`",
    409: "`already_activated`, `already_linked`, `email_taken`, `step_out_of_order`, `conflict`",
    413: "the body is over 1 MiB",
    422: "a missing, mistyped or unacceptable field (`invalid_request`, `invalid_email`, `weak_password`, "
    "`same_password`, `invalid_code`, ...); when several fields are wrong, `fields` lists them all",
    429: "`too_many_attempts`; `Retry-After` says in how many seconds to try again",
}
THROTTLED = {
    "secret": "checks a secret (a password, a provisional code, an emailed token): wrong tries are counted",
    "mail": "sends a mail: each call spends the mail limits of its subject and its client address",
    "oracle": "tells whether an account has an address: each question is counted like a guess",
}
ACCOUNT = {
    "type": "object",
    "required": ["id", "client_code", "company_code", "login_id", "holder_name", "role"],
    "properties": {
        "id": UUID_TEXT, "client_code": {"type": "string"}, "company_code": {"type": "string"},
        "login_id": {"type": "string"}, "holder_name": {"type": "string"},
        "role": {"type": "string", "enum": list(ROLES)},
        # import columns (contract: "Import columns"); "" when the agency left them empty
        "agency_name": {"type": "string"}, "property": {"type": "string"},
    },
}
EVENTS = {"type": "array", "items": {"type": "object", "required": ["position", "type", "at"]}}
IMPORT_REPORT = {
    "type": "object",
    "required": ["added", "updated", "rejected"],
    "properties": {
        "added": {"type": "integer"}, "updated": {"type": "integer"},
        "rejected": {"type": "array", "items": {"type": "object", "required": ["line", "reason"]}},
    },
}


def obj(required: list[str] | None = None, /, **properties: Schema) -> Schema:
    listed = required if required is not None else list(properties)
    return {"type": "object", "required": listed, "properties": properties}


SIGNED_IN = obj(token={"type": "string"}, identity=obj(id=UUID_TEXT, email={"type": "string"}))


SIGNED_IN = obj(token={"type": "string"}, identity=obj(id=UUID_TEXT, email={"type": "string"}))
MOMENT = {"type": ["string", "null"], "format": "date-time"}
SESSION = obj(
    id={"type": "string"}, current={"type": "boolean"}, created_at=MOMENT, last_seen_at=MOMENT,
    device={"type": "string"}, ip={"type": ["string", "null"]},
    applications={"type": "array", "items": {"type": "string"}},
)


# ``per_page`` above MAX_PER_PAGE is served as MAX_PER_PAGE (application/support.py)
PAGE = {"type": "integer", "minimum": 1, "maximum": 10_000, "description": f"per_page: at most {MAX_PER_PAGE} served"}


def operation(
    summary: str,
    success: tuple[int, Schema | None],
    errors: tuple[int, ...] = (),
    body: Body | Schema | None = None,
    person: bool = False,
    staff: bool = False,
    query: dict[str, Schema] | None = None,
    throttled: str | None = None,
    optional_body: bool = False,
) -> Schema:
    """One call: its body, its success answer and the errors it may give. A body
    can always be malformed or too large; a bearer can always be refused.
    ``throttled`` says why the call is counted (``x-throttled``, see THROTTLED):
    it may answer 429, and tests/security/test_every_secret_route_throttled.py
    tries it 25 times wrong."""
    status, schema = success
    codes = set(errors) | ({400, 413, 422} if body is not None else set()) | ({401} if person or staff else set())
    codes |= {429} if throttled else set()
    codes |= {403} if staff or person else set()
    responses: dict[str, Schema] = {str(status): _answer(schema)}
    for code in sorted(codes):
        responses[str(code)] = _error(code)
    spec: Schema = {"summary": summary, "responses": responses}
    if body is not None:
        schema = body.schema() if isinstance(body, Body) else body
        spec["requestBody"] = {"required": not optional_body, "content": {"application/json": {"schema": schema}}}
    if person or staff:
        spec["security"] = [{"bearer": []}]
    if throttled:
        if throttled not in THROTTLED:
            raise ValueError(f"no throttle named {throttled!r} (see THROTTLED)")
        spec["x-throttled"] = throttled
    if query:
        spec["parameters"] = [
            {"name": n, "in": "query", "required": n in ("q", "at"), "schema": s} for n, s in query.items()
        ]
    return spec


def _answer(schema: Schema | None) -> Schema:
    if schema is None:
        return {"description": "done, no body"}
    return {"description": "done", "content": {"application/json": {"schema": schema}}}


def _error(code: int) -> Schema:
    error = {"schema": {"$ref": "#/components/schemas/Error"}}
    answer: Schema = {"description": ERRORS[code], "content": {"application/json": error}}
    if code == 429:
        answer["headers"] = {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}}
    return answer


def activation_step(method: str, path: str) -> Schema:
    """An OpenAPI link: the activation token ``POST /activations`` answers
    opens its next steps (schemathesis follows them)."""
    pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
    return {"operationRef": "#" + pointer, "parameters": {"activation": "$response.body#/activation"}}


ACTIVATION_STEPS = {
    "email": activation_step("post", "/activations/{activation}/email"),
    "password": activation_step("post", "/activations/{activation}/password"),
    "link": activation_step("post", "/activations/{activation}/link"),
    "resend": activation_step("post", "/activations/{activation}/resend"),
    "reset": activation_step("delete", "/activations/{activation}"),
}


def with_links(spec: Schema, status: int, links: dict[str, Schema]) -> Schema:
    spec["responses"][str(status)]["links"] = links
    return spec


OPERATIONS: dict[str, dict[str, Schema]] = {
    "/activations": {"post": with_links(operation(
        "Start (or resume) an activation with the agency's provisional credentials",
        (201, obj(
            ["activation", "holder_name"],
            activation={"type": "string"}, suggested_email={"type": ["string", "null"]}, holder_name={"type": "string"},
        )),
        (401, 409, 429), body=api.PROVISIONAL, throttled="secret",
    ), 201, ACTIVATION_STEPS)},
    "/activations/{activation}/email": {"post": operation(
        "Choose the login email", (200, obj(next={"type": "string", "enum": ["password", "link"]})), (404, 409),
        body=api.EMAIL_STEP, throttled="oracle",
    )},
    "/activations/{activation}/password": {"post": operation(
        "Choose the password and accept the terms; a verification email goes out",
        (202, obj(next={"const": "verify_email"}, email={"type": "string"})), (404, 409),
        body=api.PASSWORD_STEP, throttled="mail",
    )},
    "/activations/{activation}/link": {"post": operation(
        "Fusion: prove the existing personal account's password", (200, obj(linked={"const": True})),
        (401, 404, 409, 429), body=api_account.PASSWORD, throttled="secret",
    )},
    "/activations/{activation}/resend": {"post": operation(
        "Send the verification link again", (202, obj(sent={"const": True})), (400, 404, 409, 413, 422, 429),
        throttled="mail",
    )},
    "/activations/{activation}": {"delete": operation(
        "Reset the activation: the provisional credentials work again", (204, None), (404, 409),
    )},
    "/email-verifications": {"post": operation(
        "Prove the email with the emailed token: the account is active", (200, obj(email={"type": "string"})), (409,),
        body=api.EMAILED_TOKEN,
        throttled="secret",
    )},
    "/sessions": {"post": operation(
        "Log in", (201, SIGNED_IN), (401, 403, 409, 429), body=api.LOG_IN, throttled="secret",
    )},
    "/sessions/two-step": {"post": operation(
        "Second step of a sign-in: the challenge and a TOTP or recovery code",
        (201, SIGNED_IN), (401, 403, 409, 429), body=api_two_step.SECOND_STEP, throttled="secret",
    )},
    "/sessions/current": {"delete": operation("Log out", (204, None), person=True)},
    "/me/two-step": {
        "post": operation(
            "Turn two-step sign-in on, behind the password: a secret not yet in force",
            (201, obj(secret={"type": "string"}, otpauth_uri={"type": "string"})), (409, 429),
            body=api_two_step.ENROL, person=True, throttled="secret",
        ),
        "delete": operation(
            "Turn two-step sign-in off, behind the password and a code", (204, None), (409, 429),
            body=api_two_step.DISABLE, person=True, throttled="secret",
        ),
    },
    "/me/two-step/confirm": {"post": operation(
        "Confirm the enrolment with a first code: 10 recovery codes, shown once",
        (200, obj(recovery_codes={"type": "array", "minItems": 10, "maxItems": 10, "items": {"type": "string"}})),
        (409, 429),
        body=api_two_step.CONFIRM, person=True, throttled="secret",
    )},
    "/me": {
        "get": operation("The person's profile", (200, obj(
            ["id", "email", "accounts", "default_account", "terms_version"], id=UUID_TEXT, email={"type": "string"},
            accounts={"type": "array", "items": ACCOUNT}, default_account={"type": ["string", "null"]},
            terms_version={"type": ["string", "null"]},
        )), person=True),
        "delete": operation("GDPR erasure, behind the password", (202, obj(erased={"const": True})), (404, 409),
                            body=api_account.ERASURE, person=True, throttled="secret"),
    },
    "/me/terms": {"post": operation(
        "Accept the current terms", (204, None), (409,), body=api_account.TERMS, person=True,
    )},
    "/me/password": {"post": operation(
        "Change the password; every other session ends", (204, None), (409, 429),
        body=api_account.PASSWORD_CHANGE, person=True,
        throttled="secret",
    )},
    "/me/email": {"post": operation(
        "Ask to change the login email; a link goes to the new address", (202, obj(sent={"const": True})), (409, 429),
        body=api_account.EMAIL_CHANGE, person=True, throttled="mail",
    )},
    "/email-changes": {"post": operation(
        "Confirm the new email with the emailed token", (200, obj(email={"type": "string"})), (409,),
        body=api.EMAILED_TOKEN, throttled="secret",
    )},
    "/me/accounts": {"post": operation(
        "Link another contract with its provisional credentials", (201, ACCOUNT), (409, 429), body=api.PROVISIONAL,
        person=True, throttled="secret",
    )},
    "/me/default-account": {"put": operation(
        "Choose the contract shown first", (204, None), (404, 409), body=api_account.DEFAULT_ACCOUNT, person=True,
    )},
    "/me/history": {"get": operation(
        "The person's own event history", (200, obj(["events"], events=EVENTS)), person=True,
    )},
    "/me/sessions": {
        "get": operation(
            "The person's portal, API and single sign-on sessions (`id` is the public sid; `applications` the clients "
            "signed in through it)",
            (200, obj(sessions={"type": "array", "items": SESSION})), person=True,
        ),
        "delete": operation("End every session but the current one", (204, None), person=True),
    },
    "/me/sessions/{session}": {"delete": operation(
        "End one of the person's sessions", (204, None), (404,), person=True,
    )},
    "/me/export": {"get": operation("The person's data (GDPR portability)", (200, {"type": "object"}), person=True)},
    "/password-resets": {"post": operation(
        "Ask for a reset link; the same answer whether or not an account matches",
        (202, obj(message={"type": "string"})), (409, 429),
        body=api_account.RESET_REQUEST,
        throttled="mail",
    )},
    "/password-resets/confirm": {"post": operation(
        "Set a new password with the emailed token; every session ends", (204, None), (409,),
        body=api_account.RESET, throttled="secret",
    )},
    "/agencies/{client_code}/{company_code}/accounts": {"post": operation(
        "An agency's provisional credentials, as import-accounts reads them", (200, IMPORT_REPORT), (404,),
        # a row that is no account is reported in the answer, with its line and reason; no body is no row
        body={"type": "array", "maxItems": api_staff.MAX_ACCOUNTS, "items": {"$ref": "#/components/schemas/AnyJson"}},
        staff=True, optional_body=True,
    )},
    "/agencies/{client_code}/{company_code}/accounts/{login_id}": {"delete": operation(
        "The agency ends a contract", (202, obj(ended_at={"type": "string"})), (404, 409), staff=True,
    )},
    "/support/identities": {"get": operation(
        "Support search over the read models", (200, obj(["results"], results={"type": "array"})), (422,), staff=True,
        query={
            "q": api_staff.QUERY.schema(), "page": PAGE, "per_page": PAGE,
            "cursor": {"type": "string", "pattern": CURSOR_PATTERN, "description": "the page before's next_cursor"},
        },
    )},
    "/support/identities/{identity}": {"get": operation(
        "An identity's profile for support", (200, {"type": "object"}), (404,), staff=True,
    )},
    "/audit/identities/{identity}/events": {"get": operation(
        "An identity's events in order", (200, obj(["events"], events=EVENTS)), (404,), staff=True,
    )},
    "/audit/identities/{identity}/state": {"get": operation(
        "An identity as it was at a moment", (200, {"type": "object"}), (404, 422), staff=True,
        query={"at": {"type": "string", "format": "date-time"}},
    )},
}


def _with_path_parameters(path: str, methods: dict[str, Schema]) -> Schema:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}} for n in names
    ]
    return {"parameters": parameters, **methods} if parameters else methods


def document(served: set[tuple[str, str]] | None = None) -> Schema:
    """The OpenAPI document, limited to the (path, method) pairs ``served``."""
    paths: dict[str, Schema] = {}
    for path, methods in OPERATIONS.items():
        kept = {m: op for m, op in methods.items() if served is None or (path, m) in served}
        if kept:
            paths[path] = _with_path_parameters(path, kept)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sésame", "version": "1", "description": "The JSON API of CONTRACT.md."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR, "AnyJson": ANY_JSON},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def served_routes(routes: list[Any], prefix: str = "/api/v1") -> set[tuple[str, str]]:
    """(path under the API prefix, method) for every route the app has there."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount) and route.path == prefix:
            for inner in route.routes:
                if isinstance(inner, Route):
                    found |= {(inner.path, m.lower()) for m in inner.methods or () if m != "HEAD"}
    return found


async def openapi_json(request: Request) -> Response:
    return JSONResponse(document(served_routes(request.app.routes) - {("/openapi.json", "get")}))


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
