"""The address typed twice is checked by the use case, for the portal and the
API alike (issue 18): the API's ``new_email_confirmation`` is optional, and
checked when sent, before any limit is spent or the password is asked."""

from __future__ import annotations

from tests.web.conftest import PASSWORD, Portal
from tests.web.test_security_page import API, api_session


def test_the_api_refuses_a_confirmation_that_differs_and_accepts_none(portal: Portal) -> None:
    person = portal.activated()
    auth = {"Authorization": f"Bearer {api_session(portal, person['email'])}"}
    differ = portal.client.post(
        f"{API}/me/email", headers=auth,
        json={"new_email": "neuf@exemple.fr", "new_email_confirmation": "autre@exemple.fr", "password": "pas-lui"},
    )
    assert differ.status_code == 422 and differ.json()["error"] == "email_mismatch"
    assert differ.json()["field"] == "new_email_confirmation"
    same = portal.client.post(
        f"{API}/me/email", headers=auth,
        json={"new_email": "neuf@exemple.fr", "new_email_confirmation": "NEUF@exemple.fr", "password": PASSWORD},
    )
    assert same.status_code == 202, same.text
    alone = portal.client.post(
        f"{API}/me/email", headers=auth, json={"new_email": "autre@exemple.fr", "password": PASSWORD}
    )
    assert alone.status_code == 202, alone.text
