"""Bad input through a running server: refused in the contract's error shape,
never a 500, never a stack trace.

Each case names what a careless client or an attacker sends first; every
answer must be ``{"error", "message"}`` JSON with the expected status.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.flows import PASSWORD, person
from tests.e2e.harness import Sesame

MIB = 1024 * 1024
TRACE_MARKERS = (b"Traceback", b'File "', b"site-packages", b"Error:")


def refused(answer: httpx.Response, status: int, error: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) >= {"error", "message"} and isinstance(body["message"], str) and body["message"]
    if error:
        assert body["error"] == error
    assert not any(marker in answer.content for marker in TRACE_MARKERS)


CREDENTIALS = {"client_code": "A", "company_code": "S", "login_id": "L", "provisional_password": "123456"}


def raw(
    sesame: Sesame, path: str, content: bytes | Iterator[bytes], method: str = "POST", **headers: str
) -> httpx.Response:
    return sesame.http.request(method, path, content=content, headers={"Content-Type": "application/json", **headers})


def test_bodies_over_one_mib_are_refused_with_413(sesame: Sesame) -> None:
    """CONTRACT.md: a body over 1 MiB answers 413, announced, chunked or behind an Idempotency-Key."""
    big = b'{"email": "' + b"a" * MIB + b'"}'
    refused(raw(sesame, "/sessions", big), 413, "payload_too_large")
    refused(raw(sesame, "/password-resets", iter([big[:MIB // 2], big[MIB // 2:]])), 413, "payload_too_large")
    refused(raw(sesame, "/password-resets", big, **{"Idempotency-Key": "big"}), 413, "payload_too_large")
    refused(raw(sesame, "/me", big, method="GET"), 413, "payload_too_large")  # a route that never reads a body


@pytest.mark.parametrize(
    ("content", "status", "error"),
    [
        (b'{"email": "a@exemple.fr", "password": ', 400, "malformed_json"),
        (b"\xff\xfe{}", 400, "malformed_json"),
        (b"[1, 2]", 400, "malformed_json"),
        (b'"texte"', 400, "malformed_json"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "malformed_json"),
        (b'{"email": "a@exemple.fr", "password": "\\ud800"}', 400, "malformed_json"),
        (b'{"email": "a@exemple.fr", "password": "x\\u0000y"}', 422, "invalid_request"),
        (b'{"email": 42, "password": "x"}', 422, "invalid_request"),
        (b'{"email": "a@exemple.fr", "password": ["x"]}', 422, "invalid_request"),
        (b'{"email": "a@exemple.fr"}', 422, "invalid_request"),
        (b"{}", 422, "invalid_request"),
        (b'{"email": "' + b"a" * 300 + b'@exemple.fr", "password": "x"}', 422, "invalid_request"),
        (b'{"email": "a@exemple.fr", "password": "' + b"x" * 5000 + b'"}', 422, "invalid_request"),
        (b'{"email": 1e999, "password": 123456789012345678901234567890}', 422, "invalid_request"),
    ],
    ids=["truncated", "not-utf8", "array", "string", "deep-nesting", "lone-surrogate", "nul", "number-email",
         "array-password", "missing-password", "empty-object", "long-email", "long-password", "huge-numbers"],
)
def test_malformed_bodies_at_login(sesame: Sesame, content: bytes, status: int, error: str) -> None:
    """ASVS 5.0 V6.3 (the login endpoint survives whatever it is sent) and NIST SP 800-63B
    §5.1.1.2 (a password field takes any printable text up to a generous length)."""
    refused(raw(sesame, "/sessions", content), status, error)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/activations", {**CREDENTIALS, "client_code": 1}, 422),
        ("/activations", {**CREDENTIALS, "client_code": "A\u0000"}, 422),
        ("/activations", {**CREDENTIALS, "client_code": "A" * 65}, 422),
        (
            "/activations",
            {
                "client_code": "\u202eA", "company_code": "S\u200b", "login_id": "L\ufeff",
                "provisional_password": "١٢٣٤٥٦",
            },
            401,
        ),
        ("/email-verifications", {"token": ["x"]}, 400),
        ("/email-verifications", {"token": "é" * 65}, 400),
        ("/email-changes", {"token": None}, 400),
        ("/password-resets", {"email": {"$ne": ""}}, 422),
        ("/password-resets", {"login_id": "L"}, 422),
        ("/password-resets/confirm", {"token": 1, "new_password": 2, "new_password_confirmation": 3}, 400),
        ("/activations/pas-un-jeton/email", {"email": "a@exemple.fr"}, 404),
        (
            "/activations/" + "A" * 65 + "/password",
            {"password": "x", "password_confirmation": "x", "accept_terms": "yes"},
            404,
        ),
    ],
)
def test_wrong_types_missing_fields_and_odd_unicode(sesame: Sesame, path: str, body: object, status: int) -> None:
    refused(sesame.http.post(path, json=body), status)


def test_wrong_types_behind_a_session(sesame: Sesame) -> None:
    _, auth = person(sesame)
    refused(sesame.http.post("/me/password", headers=auth, json={"current_password": 1}), 422, "invalid_request")
    refused(
        sesame.http.post("/me/email", headers=auth, json={"new_email": ["x"], "password": PASSWORD}),
        422,
        "invalid_email",
    )
    refused(sesame.http.post("/me/terms", headers=auth, json={"version": {"v": 1}}), 422)
    refused(sesame.http.put("/me/default-account", headers=auth, json={"account": [1]}), 404)
    refused(sesame.http.post("/me/accounts", headers=auth, json={"login_id": "\U0001f600" * 100}), 422)
    refused(sesame.http.get("/me", headers={b"Authorization": ("Bearer " + "\u00e9" * 50).encode("latin-1")}), 401)
    refused(sesame.http.get("/me", headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401)


def test_unknown_routes_and_wrong_methods_answer_in_the_error_shape(sesame: Sesame) -> None:
    """CONTRACT.md: an unknown route answers 404 in the error shape; a wrong method 405
    (with Allow), in the same shape."""
    refused(sesame.http.get("/nulle-part"), 404, "not_found")
    refused(sesame.http.post("/activations/x/y/z", json={}), 404, "not_found")
    answer = sesame.http.request("PATCH", "/sessions", json={})
    refused(answer, 405, "method_not_allowed")
    assert "POST" in answer.headers["allow"]
    refused(sesame.http.get("/password-resets"), 405, "method_not_allowed")


def test_the_server_log_shows_no_unexpected_error(sesame: Sesame) -> None:
    """After all of the above (this module's server): nothing reached the 500 handler."""
    log = (sesame.root / "serve.log").read_text()
    assert "unexpected error" not in log and "Traceback" not in log
