"""Races through a running server, with threads: the event store's unique claims
decide, so one contract and one email never get two owners.

The deployment runs with THROTTLE_DELAY_SCALE=0 so that the throttle (which
counts these concurrent failures too) never answers in place of the race.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.flows import PASSWORD, choose_password, contract, log_in, person, provisional, start
from tests.e2e.harness import Sesame, link_token
from tests.e2e.test_two_step_api import challenge, enrol
from tests.security.conftest import deployment

THREADS = 8
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sesame]:
    yield from deployment(tmp_path_factory, THROTTLE_DELAY_SCALE="0")


def posting(path: str, **kw: Any) -> Callable[[httpx.Client], httpx.Response]:
    """A call for ``together``: this POST, on the connection it is given."""
    return lambda client: client.post(path, **kw)


def together(sesame: Sesame, calls: list[Callable[[httpx.Client], httpx.Response]]) -> list[httpx.Response]:
    """Run every call at once, each on its own connection, released by one barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[httpx.Client], httpx.Response]) -> httpx.Response:
        with httpx.Client(base_url=sesame.url + "/api/v1", timeout=60) as client:
            barrier.wait()
            return call(client)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def statuses(answers: list[httpx.Response]) -> list[int]:
    return sorted(a.status_code for a in answers)


def no_server_error(answers: list[httpx.Response]) -> None:
    """Called once the invariants are checked: a race is lost with a 409 or a
    retry, never a 5xx (projection followers read the store before they take
    SQLite's write lock, so writers queued on it never starve them)."""
    assert all(a.status_code < 500 for a in answers), [a.text for a in answers if a.status_code >= 500]


def test_concurrent_starts_of_one_contract_open_one_activation(server: Sesame) -> None:
    """One contract, many simultaneous first logins: one identity holds it, and only
    the newest activation token works."""
    creds = contract(server)
    answers = together(server, [lambda c: c.post("/activations", json=provisional(creds))] * THREADS)
    tokens = [a.json()["activation"] for a in answers if a.status_code == 201]
    assert len({token[:22] for token in tokens}) == 1  # every token names the same identity
    working = [
        t
        for t in tokens
        if server.http.post(f"/activations/{t}/email", json={"email": creds["email"]}).status_code == 200
    ]
    assert len(working) == 1
    no_server_error(answers)
    assert set(statuses(answers)) <= {201, 409}


def test_two_contracts_verifying_one_email_at_once_make_one_account(server: Sesame) -> None:
    """One email, two activations proving it at the same moment: exactly one account."""
    email = "disputee@exemple.fr"
    tokens = []
    for n, creds in enumerate((contract(server), contract(server)), start=1):
        activation = start(server, creds)
        server.http.post(f"/activations/{activation}/email", json={"email": email})
        choose_password(server, activation)
        tokens.append(link_token(server.wait_for_mail(email, count=n), "/verify-email"))
    answers = together(
        server, [posting("/email-verifications", json={"token": t}) for t in tokens * (THREADS // 2)]
    )
    assert statuses(answers).count(200) == 1
    me = server.http.get("/me", headers=log_in(server, email)).json()
    assert len(me["accounts"]) == 1
    no_server_error(answers)
    assert set(statuses(answers)) <= {200, 400, 409}


def test_one_contract_linked_by_two_people_at_once_has_one_owner(server: Sesame) -> None:
    """Fusion race: two logged-in people give the same contract's credentials at once."""
    target = contract(server)
    sessions = [person(server)[1] for _ in range(2)]
    answers = together(
        server,
        [posting("/me/accounts", headers=s, json=provisional(target)) for s in sessions * (THREADS // 2)],
    )
    assert statuses(answers).count(201) == 1
    owners = [
        s
        for s in sessions
        if any(a["login_id"] == target["login_id"] for a in server.http.get("/me", headers=s).json()["accounts"])
    ]
    assert len(owners) == 1
    no_server_error(answers)


def test_concurrent_password_changes_keep_exactly_one(server: Sesame) -> None:
    """ASVS 5.0 V6.2 (password change): racing changes, each proving the same current
    password, leave exactly one new password working."""
    creds, auth = person(server)
    candidates = [f"Nouve@u-Secret-{n}" for n in range(THREADS)]

    def change(new: str) -> Callable[[httpx.Client], httpx.Response]:
        body = {"current_password": PASSWORD, "new_password": new, "new_password_confirmation": new}
        return lambda c: c.post("/me/password", headers=auth, json=body)

    answers = together(server, [change(new) for new in candidates])
    assert statuses(answers).count(204) == 1
    working = [
        p
        for p in [PASSWORD, *candidates]
        if server.http.post("/sessions", json={"email": creds["email"], "password": p}).status_code == 201
    ]
    assert len(working) == 1 and working[0] == candidates[[a.status_code for a in answers].index(204)]
    no_server_error(answers)
    assert set(statuses(answers)) <= {204, 401, 409, 429}  # a burst of proofs may meet the throttle


def test_one_verification_link_used_many_times_at_once_works_once(server: Sesame) -> None:
    creds = contract(server)
    activation = start(server, creds)
    server.http.post(f"/activations/{activation}/email", json={"email": creds["email"]})
    choose_password(server, activation)
    token = link_token(server.wait_for_mail(creds["email"]), "/verify-email")
    answers: list[Any] = together(server, [lambda c: c.post("/email-verifications", json={"token": token})] * THREADS)
    assert statuses(answers).count(200) == 1
    no_server_error(answers)


def test_one_code_sent_at_once_opens_one_session(server: Sesame) -> None:
    """A TOTP code replayed in parallel with the person's own try (a phished or
    shoulder-surfed code): the event store decides, exactly one sign-in passes."""
    creds, auth = person(server)
    totp, _, _ = enrol(server, auth, creds["email"])
    ch, code = challenge(server, creds["email"]), totp.at(time.time() + 30)
    answers = together(server, [lambda c: c.post("/sessions/two-step", json={"challenge": ch, "code": code})] * THREADS)
    assert statuses(answers).count(201) == 1, [a.text for a in answers]
    no_server_error(answers)
