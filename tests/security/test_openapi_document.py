"""The published OpenAPI document covers every API route the server has."""

from __future__ import annotations

import os
from pathlib import Path

from adapters.bootstrap import bootstrap
from application.config import Settings
from tests.e2e.harness import Sesame
from web.app import create_app
from web.openapi import OPERATIONS, served_routes


def test_every_served_api_route_is_documented(workdir: Path) -> None:
    """A route added without its description would escape the schemathesis run."""
    container = bootstrap(Settings.from_env(os.environ))
    try:
        served = served_routes(create_app(container, run_background=False).routes)
    finally:
        container.stop()
    documented = {(path, method) for path, methods in OPERATIONS.items() for method in methods}
    assert served - documented == {("/openapi.json", "get")}


def test_the_document_is_served_as_openapi_3(sesame: Sesame) -> None:
    answer = sesame.http.get("/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    document = answer.json()
    assert document["openapi"].startswith("3.")
    assert {"/activations", "/sessions", "/me", "/password-resets", "/password-resets/confirm"} <= set(
        document["paths"]
    )
    assert document["paths"]["/sessions"]["post"]["responses"]["429"]["headers"]["Retry-After"]["required"] is True
