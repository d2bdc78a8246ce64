"""Two-step sign-in through the JSON API of a real server, on each topology:
enrolment with codes computed here (RFC 6238, pyotp), sign-in with a code,
replay refused, recovery codes once, wrong codes throttled, turning it off."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp

from tests.e2e.flows import PASSWORD, address_of, person
from tests.e2e.harness import Sesame


def wrong_code(totp: pyotp.TOTP, now: float | None = None) -> str:
    """Six digits that are the code of no time step near ``now`` (the clock's time)."""
    at = time.time() if now is None else now
    near = {totp.at(at + 30 * d) for d in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(1, 100)) if c not in near)


def enrol(sesame: Sesame, auth: dict[str, str], email: str) -> tuple[pyotp.TOTP, str, list[str]]:
    """Two-step sign-in turned on: (the authenticator, the confirming code, the recovery codes)."""
    started = sesame.http.post("/me/two-step", headers=auth, json={"password": PASSWORD})
    assert started.status_code == 201, started.text
    totp = pyotp.TOTP(started.json()["secret"])
    parsed = pyotp.parse_uri(started.json()["otpauth_uri"])
    assert parsed.issuer == "Sésame" and parsed.name == email and parsed.secret == totp.secret
    assert isinstance(parsed, pyotp.TOTP) and parsed.digits == 6 and parsed.interval == 30
    code = totp.now()
    confirmed = sesame.http.post("/me/two-step/confirm", headers=auth, json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["recovery_codes"]
    assert len(set(codes)) == 10
    return totp, code, codes


def challenge(sesame: Sesame, email: str) -> str:
    answer = sesame.http.post("/sessions", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "two_step_required"
    assert "token" not in answer.json()
    result: str = answer.json()["challenge"]
    return result


def second_step(sesame: Sesame, ch: str, code: str, who: str = "") -> Any:
    return sesame.http.post("/sessions/two-step", headers=address_of(who or ch), json={"challenge": ch, "code": code})


def test_enrolment_is_behind_the_password_and_confirmed_by_a_first_code(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    wrong = sesame.http.post("/me/two-step", headers=auth, json={"password": "Pas-le-bon-1"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_credentials")
    started = sesame.http.post("/me/two-step", headers=auth, json={"password": PASSWORD})
    totp = pyotp.TOTP(started.json()["secret"])
    refused = sesame.http.post("/me/two-step/confirm", headers=auth, json={"code": wrong_code(totp)})
    assert (refused.status_code, refused.json()["error"]) == (422, "invalid_code")
    # not yet in force: a sign-in needs no code
    assert sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD}).status_code == 201
    assert sesame.http.post("/me/two-step/confirm", headers=auth, json={"code": totp.now()}).status_code == 200
    again = sesame.http.post("/me/two-step", headers=auth, json={"password": PASSWORD})
    assert (again.status_code, again.json()["error"]) == (409, "step_out_of_order")


def test_a_sign_in_takes_a_code_once(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    totp, confirming, _ = enrol(sesame, auth, creds["email"])
    wrong_password = sesame.http.post("/sessions", json={"email": creds["email"], "password": "Pas-le-bon-1"})
    assert (wrong_password.status_code, wrong_password.json()["error"]) == (401, "invalid_credentials")
    replayed = second_step(sesame, challenge(sesame, creds["email"]), confirming)
    assert (replayed.status_code, replayed.json()["error"]) == (401, "invalid_code")
    ch, ahead = challenge(sesame, creds["email"]), totp.at(time.time() + 30)  # the next time step: never used yet
    signed_in = second_step(sesame, ch, ahead)
    assert signed_in.status_code == 201, signed_in.text
    assert signed_in.json()["identity"]["email"] == creds["email"]
    me = sesame.http.get("/me", headers={"Authorization": f"Bearer {signed_in.json()['token']}"})
    assert me.status_code == 200
    assert second_step(sesame, ch, totp.at(time.time() + 30)).status_code == 401  # the challenge served once
    assert second_step(sesame, challenge(sesame, creds["email"]), ahead).status_code == 401  # the code too


def test_a_recovery_code_serves_once_ever(sesame: Sesame) -> None:
    creds, auth = person(sesame)
    _, _, codes = enrol(sesame, auth, creds["email"])
    assert second_step(sesame, challenge(sesame, creds["email"]), codes[0]).status_code == 201
    spent = second_step(sesame, challenge(sesame, creds["email"]), codes[0])
    assert (spent.status_code, spent.json()["error"]) == (401, "invalid_code")
    assert second_step(sesame, challenge(sesame, creds["email"]), codes[1].upper()).status_code == 201


def test_wrong_codes_are_throttled_per_account(sesame: Sesame) -> None:
    """Like passwords (5 free tries, then a growing wait), in a count of their own
    that a right password does not clear; from a new address each time."""
    creds, auth = person(sesame)
    totp, _, _ = enrol(sesame, auth, creds["email"])
    answers = [
        second_step(sesame, challenge(sesame, creds["email"]), wrong_code(totp), who=f"essai-{n}") for n in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert answers[-1].json()["error"] == "too_many_attempts" and int(answers[-1].headers["Retry-After"]) >= 1


def test_turning_off_takes_the_password_and_a_code(sesame: Sesame) -> None:
    """Off behind the password and a code; the history and the export tell of it
    in words, and hold neither the secret nor a recovery code."""
    creds, auth = person(sesame)
    totp, _, codes = enrol(sesame, auth, creds["email"])

    def off(body: dict[str, str]) -> httpx.Response:
        return sesame.http.request("DELETE", "/me/two-step", headers=auth, json=body)

    assert off({"password": "Pas-le-bon-1", "code": codes[0]}).status_code == 401
    assert off({"password": PASSWORD, "code": wrong_code(totp)}).json()["error"] == "invalid_code"
    assert off({"password": PASSWORD, "code": codes[0]}).status_code == 204
    assert sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD}).status_code == 201
    history = sesame.http.get("/me/history", headers=auth).json()["events"]
    words = [e["description"] for e in history]
    assert "Validation en deux étapes activée, 10 codes de secours créés" in words
    assert "Validation en deux étapes désactivée" in words
    exported = sesame.http.get("/me/export", headers=auth).text
    for shown in (str(history), exported):
        assert totp.secret not in shown and not [c for c in codes if c in shown]
