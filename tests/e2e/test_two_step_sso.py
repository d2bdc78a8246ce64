"""Single sign-on goes through two-step sign-in: a client sends the person to
the portal, whose password page is followed by the code page, and only then
back to the client (``next`` carried through both)."""

from __future__ import annotations

import html
import re
import time
from typing import Any

from tests.e2e.flows import person
from tests.e2e.harness import Sesame
from tests.e2e.oidc_flows import Browser, answer, authorization, exchange, rp, verified_claims
from tests.e2e.test_two_step_api import enrol


def test_a_person_with_two_step_gives_a_code_on_the_way_to_the_client(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, auth = person(op)
    totp, _, _ = enrol(op, auth, creds["email"])
    browser, oauth = Browser(op), rp(op, extranet)
    url, verifier, _ = authorization(oauth, op)
    code_page = browser.sign_in(browser.go(url), creds["email"])
    assert str(code_page.url).startswith(op.url + "/login/code?next=%2Foidc%2F"), code_page.url
    assert "Validation en deux étapes" in code_page.text
    next_path = re.search(r'name="next" value="([^"]+)"', code_page.text)
    assert next_path and html.unescape(next_path.group(1)).startswith("/oidc/authorize")
    form = {
        "csrf": browser.csrf(code_page),
        "code": totp.at(time.time() + 30),
        "next": html.unescape(next_path.group(1)),
    }
    back = answer(browser.follow(browser.http.post("/login/code", data=form)))
    token = exchange(oauth, op, back["code"], verifier)
    _, claims = verified_claims(op, token["id_token"], extranet["client_id"])
    assert claims["email"] == creds["email"]
