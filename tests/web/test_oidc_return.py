"""The way back to a single sign-on client: only paths of the flow, never another site."""

from __future__ import annotations

import pytest

from web.oidc_return import csp_sending_to, safe_next


@pytest.mark.parametrize("value", [
    None, "", "https://evil.test/oidc/authorize", "//evil.test/oidc/authorize", "/\\evil.test/oidc/x",
    "/oidc", "/login", "/api/v1/me", "javascript:alert(1)", "/oidc/authorize\n", "http:/oidc/authorize",
])
def test_anything_but_a_path_of_the_flow_is_not_followed(value: str | None) -> None:
    assert safe_next(value) is None


@pytest.mark.parametrize("value", ["/espace", "/biens?info=defaut", "/profil/historique"])
def test_a_deep_link_into_the_persons_pages_is_followed(value: str) -> None:
    assert safe_next(value) == value


def test_a_path_of_the_flow_is_followed() -> None:
    path = "/oidc/authorize?client_id=c&redirect_uri=https%3A%2F%2Fex.test%2Fcb"
    assert safe_next(path) == path


def test_a_page_on_the_way_lets_its_form_end_at_the_client_only() -> None:
    policy = csp_sending_to("https://ex.test:8443/cb?x=1")
    assert "form-action 'self' https://ex.test:8443;" in policy and "frame-ancestors 'none'" in policy
