"""GDPR through a running server: export field by field, erasure that really
erases (a scan of the raw SQLite files finds nothing the person typed)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from uuid import UUID

from tests.e2e.flows import PASSWORD, awaiting_verification, choose_password, contract, log_in, provisional, start
from tests.e2e.harness import Sesame, link_token, wait_until


def own_account(sesame: Sesame, email: str) -> tuple[dict[str, str], dict[str, str]]:
    """A person who activates with an address of their own, not the agency's suggestion."""
    creds = contract(sesame)
    _, token = awaiting_verification(sesame, {**creds, "email": email})
    assert sesame.http.post("/email-verifications", json={"token": token}).status_code == 200
    return creds, log_in(sesame, email)


def raw_store(sesame: Sesame) -> bytes:
    """Everything the store holds: the SQLite files (with the WAL) byte for
    byte, or every row of every PostgreSQL table as text."""
    url = sesame.env.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        import psycopg
        from psycopg import sql

        with psycopg.connect(url) as connection:
            tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            cells = [
                bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                for (name,) in tables
                for row in connection.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(name))).fetchall()
                for value in row
            ]
        return b"\n".join(cells)
    files = [p for p in (sesame.root / "var").glob("sesame.db*") if p.is_file()]
    return b"".join(Path(f).read_bytes() for f in files)


def identity_of_activation(activation: str) -> str:
    return str(UUID(bytes=base64.urlsafe_b64decode(activation[:22] + "==")))


def test_the_export_holds_profile_contracts_consents_and_history(sesame: Sesame) -> None:
    creds, auth = own_account(sesame, "export-moi@exemple.fr")
    export = sesame.http.get("/me/export", headers=auth)
    assert export.status_code == 200
    data = export.json()
    me = sesame.http.get("/me", headers=auth).json()
    assert data["profile"]["id"] == me["id"]
    assert data["profile"]["email"] == "export-moi@exemple.fr"
    assert data["profile"]["status"] == "active"
    assert data["profile"]["default_account"] == me["default_account"]
    (account,) = data["accounts"]
    assert account["login_id"] == creds["login_id"] and account["client_code"] == creds["client_code"]
    assert (
        account["holder_name"].startswith("Titulaire") and account["role"] == "tenant" and account["ended_at"] is None
    )
    (consent,) = data["consents"]
    assert consent["version"] == me["terms_version"] and consent["accepted_at"]
    assert data["history"][0]["type"] == "ActivationStarted"
    assert all(h["description"] for h in data["history"])
    assert data["staff_reads"] == []
    flat = json.dumps(data)
    assert "argon2" not in flat and "nonce" not in flat and "token" not in flat and "digest" not in flat


def test_erasure_needs_the_password(sesame: Sesame) -> None:
    _, auth = own_account(sesame, "garde-moi@exemple.fr")
    assert sesame.http.request("DELETE", "/me", headers=auth, json={"password": "Mauvais-1!"}).status_code == 401
    assert sesame.http.get("/me", headers=auth).status_code == 200


def confirmed_and_swept(sesame: Sesame, address: str) -> bytes:
    """The raw store once the erasure's confirmation mail reached ``address``
    and a retention sweep forgot it: the address is kept only until that mail
    is sent (issue 16), then nothing of it is left."""
    wait_until(
        lambda: any("Votre compte a été supprimé" in str(m["Subject"]) for m in sesame.mails(address)),
        f"the erasure's confirmation to {address}", 60,
    )
    deadline = time.monotonic() + 30
    while True:
        assert sesame.cli("retention").returncode == 0
        store = raw_store(sesame)
        if address.encode() not in store or time.monotonic() > deadline:
            return store
        time.sleep(0.5)


def test_erasure_of_an_active_person_with_several_contracts_and_old_emails(sesame: Sesame) -> None:
    # an abandoned first attempt with a mistyped address, on the contract later activated
    creds = contract(sesame)
    attempt, _ = awaiting_verification(sesame, {**creds, "email": "fote-de-frape@exemple.fr"})
    assert sesame.http.delete(f"/activations/{attempt}").status_code == 204
    activation = start(sesame, creds)
    sesame.http.post(f"/activations/{activation}/email", json={"email": "premiere@exemple.fr"})
    choose_password(sesame, activation)
    token = link_token(sesame.wait_for_mail("premiere@exemple.fr"), "/verify-email")
    sesame.http.post("/email-verifications", json={"token": token})
    auth = log_in(sesame, "premiere@exemple.fr")
    second = contract(sesame, client="AG9", company="S9")
    assert sesame.http.post("/me/accounts", headers=auth, json=provisional(second)).status_code == 201
    # the address changes: the old one is in the history
    sesame.http.post("/me/email", headers=auth, json={"new_email": "seconde@exemple.fr", "password": PASSWORD})
    confirm = link_token(sesame.wait_for_mail("seconde@exemple.fr"), "/confirm-email")
    sesame.http.post("/email-changes", json={"token": confirm}, headers={"Idempotency-Key": "confirm-1"})
    identity = sesame.http.get("/me", headers=auth).json()["id"]
    assert b"seconde@exemple.fr" in raw_store(sesame)  # the scan does see clear text (read models, outbox)

    assert sesame.http.request("DELETE", "/me", headers=auth, json={"password": PASSWORD}).status_code == 202

    store = confirmed_and_swept(sesame, "seconde@exemple.fr")
    for typed in ("fote-de-frape@exemple.fr", "premiere@exemple.fr", "seconde@exemple.fr"):
        assert typed.encode() not in store, typed
    assert sesame.http.get("/me", headers=auth).status_code == 401  # sessions are gone
    assert sesame.http.post("/sessions", json={"email": "seconde@exemple.fr", "password": PASSWORD}).status_code == 401
    # the history stays, in order, its personal fields read as erased
    exported = json.loads(sesame.cli("export", identity, check=True).stdout)
    assert exported["profile"]["status"] == "erased" and exported["profile"]["email"] is None
    types = [h["type"] for h in exported["history"]]
    assert types[0] == "ActivationStarted" and types[-1] == "Erased"
    proposed = [h for h in exported["history"] if h["type"] == "EmailProposed"]
    assert proposed and all(h["data"]["email"] == "[effacé]" for h in proposed)
    # the contracts went back to the agency: they can be activated again
    again = sesame.http.post("/activations", json=provisional(creds))
    assert again.status_code == 201


def test_erasure_of_a_pending_activation_by_the_operator(sesame: Sesame) -> None:
    creds = contract(sesame)
    activation, _ = awaiting_verification(sesame, {**creds, "email": "en-cours@exemple.fr"})
    result = sesame.cli("erase", identity_of_activation(activation))
    assert result.returncode == 0, result.stderr
    assert b"en-cours@exemple.fr" not in raw_store(sesame)
    assert sesame.http.post(f"/activations/{activation}/resend").status_code == 404
    assert sesame.http.post("/activations", json=provisional(creds)).status_code == 201
    assert sesame.cli("erase", identity_of_activation(activation)).returncode == 1  # already erased


def test_erase_by_email_from_the_command_line(sesame: Sesame) -> None:
    own_account(sesame, "par-email@exemple.fr")
    result = sesame.cli("erase", "Par-Email@exemple.fr")
    assert result.returncode == 0, result.stderr
    assert b"par-email@exemple.fr" not in confirmed_and_swept(sesame, "par-email@exemple.fr")
    unknown = sesame.cli("erase", "personne@exemple.fr")
    assert unknown.returncode == 1 and "Aucune identité" in unknown.stderr
