"""Secrets at rest and in logs: after a full life of an account, the raw SQLite
files (the database and its write-ahead log) and the server's log hold no
password, provisional code, session token, activation token, emailed token,
two-step secret, sign-in challenge or recovery code.

A separate deployment, so its files hold this flow only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from tests.e2e.flows import PASSWORD, contract, provisional
from tests.e2e.harness import Sesame, link_token
from tests.security.conftest import deployment

NEW_PASSWORD = "Phr@se-Tr3s-Longue-Et-Unique"
RESET_PASSWORD = "Re-Initialis3e!-Quelconque"


@pytest.fixture(scope="module")
def lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sesame, list[str], list[str]]]:
    """A whole account life with Idempotency-Key on every POST that takes one:
    (the deployment, the secrets it handled, the provisional codes)."""
    for sesame in deployment(tmp_path_factory):
        secrets: list[str] = [PASSWORD, NEW_PASSWORD, RESET_PASSWORD]
        post = lambda path, n, **kw: sesame.http.post(path, headers={"Idempotency-Key": f"k{n}", **kw.pop("headers", {})}, **kw)  # noqa: E731
        creds, other = contract(sesame), contract(sesame)
        activation = post("/activations", 1, json=provisional(creds)).json()["activation"]
        secrets.append(activation)
        post(f"/activations/{activation}/email", 2, json={"email": creds["email"]})
        post(f"/activations/{activation}/password", 3, json={"password": PASSWORD, "password_confirmation": PASSWORD, "accept_terms": True})
        verify = link_token(sesame.wait_for_mail(creds["email"]), "/verify-email")
        assert post("/email-verifications", 4, json={"token": verify}).status_code == 200
        login = sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {login}"}
        assert post("/me/accounts", 5, headers=auth, json=provisional(other)).status_code == 201
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
        assert post("/me/password", 6, headers=auth, json=body).status_code == 204
        new_email = "nouvelle-" + creds["email"]
        assert post("/me/email", 7, headers=auth, json={"new_email": new_email, "password": NEW_PASSWORD}).status_code == 202
        change = link_token(sesame.wait_for_mail(new_email), "/confirm-email")
        assert post("/email-changes", 8, json={"token": change}).status_code == 200
        assert post("/password-resets", 9, json={"email": new_email}).status_code == 202
        reset = link_token(sesame.wait_for_mail(new_email, count=2), "/reset-password")
        confirm = {"token": reset, "new_password": RESET_PASSWORD, "new_password_confirmation": RESET_PASSWORD}
        assert post("/password-resets/confirm", 10, json=confirm).status_code == 204
        second = sesame.http.post("/sessions", json={"email": new_email, "password": RESET_PASSWORD}).json()["token"]
        secrets += [verify, login, change, reset, second, *two_step_life(sesame, new_email, {"Authorization": f"Bearer {second}"})]
        yield sesame, secrets, [creds["provisional_password"], other["provisional_password"]]


def two_step_life(sesame: Sesame, email: str, auth: dict[str, str]) -> list[str]:
    """Two-step sign-in on, a sign-in through it: its secret, challenge, codes and session."""
    totp = pyotp.TOTP(sesame.http.post("/me/two-step", headers=auth, json={"password": RESET_PASSWORD}).json()["secret"])
    recovery = sesame.http.post("/me/two-step/confirm", headers=auth, json={"code": totp.now()}).json()["recovery_codes"]
    challenge = sesame.http.post("/sessions", json={"email": email, "password": RESET_PASSWORD}).json()["challenge"]
    token = sesame.http.post("/sessions/two-step", json={"challenge": challenge, "code": recovery[0]}).json()["token"]
    return [totp.secret, challenge, token, *recovery]


def found(haystack: bytes, secrets: list[str], codes: list[str]) -> list[str]:
    """Secrets present verbatim; a 6-digit code only where it stands alone, since a
    run of six digits turns up by chance inside hex digests."""
    leaks = [s for s in secrets if s.encode() in haystack]
    leaks += [c for c in codes if re.search(rb"(?<![0-9a-fA-F])" + c.encode() + rb"(?![0-9a-fA-F])", haystack)]
    return leaks


def test_the_raw_database_files_hold_no_secret(lived: tuple[Sesame, list[str], list[str]]) -> None:
    """ASVS 5.0 V6.2.x/NIST SP 800-63B §5.1.1.2 (passwords stored salted and hashed with
    argon2id), V6.4.x (provisional codes and emailed tokens only as keyed derivations),
    V7.2.x (session tokens only as digests): the SQLite file and its WAL, byte for byte."""
    sesame, secrets, codes = lived
    files = sorted((sesame.root / "var").glob("sesame.db*"))
    assert any(f.name.endswith("-wal") for f in files), files  # the WAL is read too, not only the main file
    raw = b"".join(f.read_bytes() for f in files)
    assert b"argon2id" in raw  # the hashes are there, so the scan looked at the right bytes
    assert found(raw, secrets, codes) == []


def test_the_server_log_holds_no_secret(lived: tuple[Sesame, list[str], list[str]]) -> None:
    """ASVS 5.0 V16.2.5 (no credentials or tokens in logs)."""
    sesame, secrets, codes = lived
    log: bytes = (sesame.root / "serve.log").read_bytes()
    assert b"Uvicorn running" in log  # the log is the server's
    assert found(log, secrets, codes) == []
