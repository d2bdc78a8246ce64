"""Issue 19 on the activation and reset calls, through a running server on
every topology: mail requests spend the mail limits whatever the step (3),
the email step is counted like a guess (4), a reset request cancels no one's
activation (8), and a reset for what is no email is refused (12)."""

from __future__ import annotations

import itertools

from tests.e2e.flows import PASSWORD, address_of, awaiting_verification, contract, person, start
from tests.e2e.harness import Sesame
from tests.security.test_throttling_api import throttled

_origins = itertools.count(1)
CHOSEN = {"password": PASSWORD, "password_confirmation": PASSWORD, "accept_terms": True}


def origin() -> dict[str, str]:
    """An address of this test's own, so that its counts are its alone."""
    n = next(_origins)
    return {"X-Forwarded-For": f"192.0.2.{n}"}


def test_choosing_the_password_again_and_again_sends_three_verification_mails(sesame: Sesame) -> None:
    """Issue 19 finding 3: 30 calls sent 33 mails to one victim. Every verification
    link spends the activation's mail limit, the first one included."""
    creds = contract(sesame, email=f"victime-{next(_origins)}@exemple.fr")
    activation = start(sesame, creds)
    here = origin()
    sesame.http.post(f"/activations/{activation}/email", headers=here, json={"email": creds["email"]})
    answers = [sesame.http.post(f"/activations/{activation}/password", headers=here, json=CHOSEN) for _ in range(30)]
    assert [a.status_code for a in answers[:4]] == [202, 202, 202, 429]
    assert {a.status_code for a in answers[3:]} == {429}
    throttled(answers[3])
    sesame.wait_for_mail(creds["email"], count=3)
    assert sesame.http.post(f"/activations/{activation}/resend", headers=here).status_code == 429


def test_proposing_many_addresses_mails_few_of_them(sesame: Sesame) -> None:
    """Issue 19 finding 3: proposing 20 addresses, each followed by the password step,
    sent 20 mails; the activation's limit holds whichever address the link goes to."""
    activation = start(sesame, contract(sesame))
    here = origin()
    sent = 0
    for n in range(5):
        sesame.http.post(
            f"/activations/{activation}/email", headers=here, json={"email": f"cible{n}-{activation[:8]}@exemple.fr"}
        )
        sent += sesame.http.post(f"/activations/{activation}/password", headers=here, json=CHOSEN).status_code == 202
    assert sent == 3


def test_the_email_step_is_counted_per_activation(sesame: Sesame) -> None:
    """Issue 19 finding 4: ``next: link`` tells that an address has an account; an
    activation may ask about 5 addresses, then it waits (Retry-After)."""
    known, _ = person(sesame)
    activation = start(sesame, contract(sesame))
    here = origin()
    answers = [
        sesame.http.post(f"/activations/{activation}/email", headers=here, json={"email": known["email"]})
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0].json() == {"next": "link"}
    throttled(answers[-1])


def test_the_email_step_is_counted_per_client_address(sesame: Sesame) -> None:
    """Issue 19 finding 4: from one client address, 20 questions across activations,
    then a wait; another address still gets its answer."""
    here = origin()
    activations = [start(sesame, contract(sesame)) for _ in range(5)]
    for n, activation in enumerate(activations):
        for k in range(4):
            asked = sesame.http.post(
                f"/activations/{activation}/email", headers=here, json={"email": f"q{n}-{k}@exemple.fr"}
            )
            assert asked.status_code == 200, asked.text
    last = start(sesame, contract(sesame))
    throttled(sesame.http.post(f"/activations/{last}/email", headers=here, json={"email": "encore@exemple.fr"}))
    assert (
        sesame.http.post(
            f"/activations/{last}/email", headers=origin(), json={"email": "encore@exemple.fr"}
        ).status_code
        == 200
    )


def test_a_reset_request_by_login_id_leaves_an_unfinished_activation_alone(sesame: Sesame) -> None:
    """Issue 19 finding 8: the login id and the agency codes, which others may know,
    cancelled someone's activation. Now the answer is the usual 202 and the
    activation goes on; only its own token (or the code) resets it."""
    creds = contract(sesame)
    activation, token = awaiting_verification(sesame, creds)
    body = {"login_id": creds["login_id"], "client_code": creds["client_code"], "company_code": creds["company_code"]}
    answer = sesame.http.post("/password-resets", headers=origin(), json=body)
    unknown = sesame.http.post("/password-resets", headers=origin(), json={**body, "login_id": "PERSONNE"})
    assert answer.status_code == unknown.status_code == 202 and answer.json() == unknown.json()
    assert sesame.http.post(f"/activations/{activation}/resend", headers=address_of(activation)).status_code == 202
    assert sesame.http.delete(f"/activations/{activation}").status_code == 204
    assert sesame.http.post(f"/activations/{activation}/resend").status_code == 404
    assert sesame.http.post("/email-verifications", json={"token": token}).status_code == 400


def test_a_reset_for_what_is_no_email_address_is_refused(sesame: Sesame) -> None:
    """Issue 19 finding 12: a malformed address leaks nothing, so it is told plainly."""
    for wrong in ("pas-un-email", "jean@", "@exemple.fr", "jean dupont@exemple.fr"):
        answer = sesame.http.post("/password-resets", headers=origin(), json={"email": wrong})
        assert answer.status_code == 422, (wrong, answer.text)
        assert answer.json()["error"] == "invalid_email"
        assert answer.json()["message"].startswith(("Adresse email invalide", "Saisissez une adresse email valide"))
