"""Steps a person takes, shared by the end-to-end tests."""

from __future__ import annotations

import itertools
import zlib
from typing import Any

from tests.e2e.harness import Sesame, link_token

PASSWORD = "Tr3s-Secret!"
_ids = itertools.count(1)


def contract(sesame: Sesame, email: str = "", client: str = "AG1", company: str = "SOC1") -> dict[str, str]:
    """A freshly imported agency contract's provisional credentials (and its suggested email)."""
    n = next(_ids)
    login = f"{client}L{n:04d}"
    creds = {"client_code": client, "company_code": company, "login_id": login, "provisional_password": f"{n:06d}"}
    mail = email or f"{login.lower()}@exemple.fr"
    report = sesame.import_rows(
        f"{client},{company},{login},{creds['provisional_password']},{mail},Titulaire {n},tenant"
    )
    assert report["added"] == 1, report
    return {**creds, "email": mail}


def address_of(who: str) -> dict[str, str]:
    """Headers that make a person's requests come from an address of their own
    (X-Forwarded-For, trusted from loopback): the per-address limits are for an
    office behind one address, not for a suite playing hundreds of people from
    127.0.0.1."""
    n = zlib.crc32(who.encode())
    return {"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}


def provisional(creds: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in creds.items() if k != "email"}


def start(sesame: Sesame, creds: dict[str, str]) -> str:
    answer = sesame.http.post("/activations", headers=address_of(creds["login_id"]), json=provisional(creds))
    assert answer.status_code == 201, answer.text
    activation: str = answer.json()["activation"]
    return activation


def choose_password(sesame: Sesame, activation: str, password: str = PASSWORD) -> None:
    answer = sesame.http.post(
        f"/activations/{activation}/password",
        headers=address_of(activation),
        json={"password": password, "password_confirmation": password, "accept_terms": True},
    )
    assert answer.status_code == 202, answer.text


def awaiting_verification(sesame: Sesame, creds: dict[str, str], password: str = PASSWORD) -> tuple[str, str]:
    """Every step but the emailed link: (activation token, verification link token)."""
    activation = start(sesame, creds)
    chosen = sesame.http.post(
        f"/activations/{activation}/email", headers=address_of(creds["login_id"]), json={"email": creds["email"]}
    )
    assert chosen.json() == {"next": "password"}, chosen.text
    before = len(sesame.mails(creds["email"]))
    choose_password(sesame, activation, password)
    return activation, link_token(sesame.wait_for_mail(creds["email"], count=before + 1), "/verify-email")


def activate(sesame: Sesame, creds: dict[str, str], password: str = PASSWORD) -> dict[str, Any]:
    """The whole activation: credentials, email, password and terms, emailed link."""
    activation, token = awaiting_verification(sesame, creds, password)
    verified = sesame.http.post("/email-verifications", json={"token": token})
    assert verified.status_code == 200, verified.text
    return {"activation": activation, "token": token}


def log_in(sesame: Sesame, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer headers of a new session."""
    answer = sesame.http.post("/sessions", json={"email": email, "password": password})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def person(sesame: Sesame, **contract_args: str) -> tuple[dict[str, str], dict[str, str]]:
    """An activated person, logged in: (credentials, bearer headers)."""
    creds = contract(sesame, **contract_args)
    activate(sesame, creds)
    return creds, log_in(sesame, creds["email"])
