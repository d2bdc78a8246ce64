"""Secrets at rest and in logs: after a full life of an account, the raw SQLite
files (the database and its write-ahead log) and the server's log hold no
password, provisional code, session token, activation token, emailed token,
two-step secret, sign-in challenge or recovery code, and no per-subject data
key in clear: a copy of the database alone opens no personal field (the keys
are wrapped with a key derived from SECRET_KEY).

A separate deployment, so its files hold this flow only; the key-wrapping
rules are also checked in process on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from adapters.aes_gcm import aes_gcm
from adapters.bootstrap import Container, bootstrap
from adapters.key_table import KeyTable
from application.config import ConfigurationError, Settings
from application.key_wrapping import PURPOSE, WRAPPED, KeyWrapping, UnreadableKey
from application.keyring import Keyring
from application.personal_data import ERASED
from domain.identity import Identity
from tests.application.test_retention import activated, imported
from tests.conftest import TEST_SECRET
from tests.e2e.flows import PASSWORD, contract, provisional
from tests.e2e.harness import SESAME, Sesame, create_database, drop_database, link_token
from tests.security.conftest import deployment
from tests.servers import postgres

NEW_PASSWORD = "Phr@se-Tr3s-Longue-Et-Unique"
RESET_PASSWORD = "Re-Initialis3e!-Quelconque"


def poster(sesame: Sesame, prefix: str, headers: dict[str, str] | None = None) -> Callable[..., httpx.Response]:
    """POST with ``headers`` and an Idempotency-Key of ``prefix`` and the call's number."""

    def post(path: str, n: int, **kw: Any) -> httpx.Response:
        sent = {"Idempotency-Key": f"{prefix}{n}", **(headers or {}), **kw.pop("headers", {})}
        return sesame.http.post(path, headers=sent, **kw)

    return post


@pytest.fixture(scope="module")
def lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sesame, list[str], list[str]]]:
    """A whole account life with Idempotency-Key on every POST that takes one:
    (the deployment, the secrets it handled, the provisional codes)."""
    for sesame in deployment(tmp_path_factory):
        secrets: list[str] = [PASSWORD, NEW_PASSWORD, RESET_PASSWORD]
        post = poster(sesame, "k")
        creds, other = contract(sesame), contract(sesame)
        activation = post("/activations", 1, json=provisional(creds)).json()["activation"]
        secrets.append(activation)
        post(f"/activations/{activation}/email", 2, json={"email": creds["email"]})
        post(
            f"/activations/{activation}/password",
            3,
            json={"password": PASSWORD, "password_confirmation": PASSWORD, "accept_terms": True},
        )
        verify = link_token(sesame.wait_for_mail(creds["email"]), "/verify-email")
        assert post("/email-verifications", 4, json={"token": verify}).status_code == 200
        login = sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {login}"}
        assert post("/me/accounts", 5, headers=auth, json=provisional(other)).status_code == 201
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
        assert post("/me/password", 6, headers=auth, json=body).status_code == 204
        new_email = "nouvelle-" + creds["email"]
        assert (
            post("/me/email", 7, headers=auth, json={"new_email": new_email, "password": NEW_PASSWORD}).status_code
            == 202
        )
        change = link_token(sesame.wait_for_mail(new_email), "/confirm-email")
        assert post("/email-changes", 8, json={"token": change}).status_code == 200
        assert post("/password-resets", 9, json={"email": new_email}).status_code == 202
        reset = link_token(sesame.wait_for_mail(new_email, count=2), "/reset-password")
        confirm = {"token": reset, "new_password": RESET_PASSWORD, "new_password_confirmation": RESET_PASSWORD}
        assert post("/password-resets/confirm", 10, json=confirm).status_code == 204
        second = sesame.http.post("/sessions", json={"email": new_email, "password": RESET_PASSWORD}).json()["token"]
        secrets += [
            verify,
            login,
            change,
            reset,
            second,
            *two_step_life(sesame, new_email, {"Authorization": f"Bearer {second}"}),
        ]
        yield sesame, secrets, [creds["provisional_password"], other["provisional_password"]]


def two_step_life(sesame: Sesame, email: str, auth: dict[str, str]) -> list[str]:
    """Two-step sign-in on, a sign-in through it (each POST with an Idempotency-Key,
    whose answers must not be remembered): its secret, challenge, codes and session."""
    post = poster(sesame, "d", auth)
    totp = pyotp.TOTP(post("/me/two-step", 1, json={"password": RESET_PASSWORD}).json()["secret"])
    recovery = post("/me/two-step/confirm", 2, json={"code": totp.now()}).json()["recovery_codes"]
    challenge = sesame.http.post("/sessions", json={"email": email, "password": RESET_PASSWORD}).json()["challenge"]
    token = post("/sessions/two-step", 3, json={"challenge": challenge, "code": recovery[0]}).json()["token"]
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


def wrapping(secret: str = TEST_SECRET) -> KeyWrapping:
    return KeyWrapping(aes_gcm(Keyring(secret.encode()).derive(PURPOSE)))


def stored_keys(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as connection:
        return dict(
            connection.execute("SELECT subject_id, data_key FROM subject_keys WHERE data_key IS NOT NULL").fetchall()
        )


def test_the_raw_database_files_hold_no_subject_key_in_clear(lived: tuple[Sesame, list[str], list[str]]) -> None:
    """ASVS 5.0 V11.2.x (keys kept apart from the data they protect): each row
    of ``subject_keys`` is wrapped, and none of the 32-byte keys it opens to is
    in the files, neither raw nor in base64."""
    sesame, _, _ = lived
    rows = stored_keys(sesame.root / "var" / "sesame.db")
    assert len(rows) >= 3  # the identity and its two contracts
    assert all(stored.startswith(WRAPPED) for stored in rows.values())
    keys = [wrapping().unwrap(subject, stored) for subject, stored in rows.items()]
    assert all(len(key) == 32 for key in keys)
    raw = b"".join(f.read_bytes() for f in sorted((sesame.root / "var").glob("sesame.db*")))
    assert [key for key in keys if key in raw or base64.b64encode(key) in raw] == []


def test_a_copy_of_the_database_with_another_secret_key_opens_nothing(
    lived: tuple[Sesame, list[str], list[str]], tmp_path: Path
) -> None:
    """The files alone, or with a wrong SECRET_KEY: no key opens, and a process
    refuses to start rather than read every person as erased (or wrap old keys
    with the wrong key)."""
    sesame, _, _ = lived
    copy = tmp_path / "var"
    copy.mkdir()
    for f in (sesame.root / "var").glob("sesame.db*"):
        shutil.copy(f, copy / f.name)
    rows = stored_keys(copy / "sesame.db")
    wrong = wrapping("une-autre-cle-secrete-" + "y" * 32)
    for subject, stored in rows.items():
        with pytest.raises(UnreadableKey):
            wrong.unwrap(subject, stored)
    subject = next(iter(rows))
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "une-autre-cle-secrete-" + "y" * 32,
        "DATABASE_URL": "sqlite:///var/sesame.db",
    }
    export = subprocess.run(
        [SESAME, "export", subject], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert export.returncode != 0 and "SECRET_KEY" in export.stderr
    assert "@" not in export.stdout


# -- the wrapping rules on each database, in process ---------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, workdir: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield "sqlite:///var/sesame.db"
        return
    name = create_database()
    yield postgres() + name
    drop_database(name)


def started(database_url: str, **env: str) -> Container:
    container = bootstrap(Settings.from_env({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, **env}))
    container.start(("projections",))
    return container


@pytest.fixture
def app(database_url: str) -> Iterator[Container]:
    container = started(database_url)
    yield container
    container.stop()


def key_rows(app: Container) -> dict[str, str | None]:
    with app.db.read() as tx:
        return {
            r["subject_id"]: r["data_key"] for r in tx.execute("SELECT subject_id, data_key FROM subject_keys").all()
        }


def set_key_row(app: Container, subject: str, stored: str | None) -> None:
    with app.db.transaction() as tx:
        tx.execute("UPDATE subject_keys SET data_key = :k WHERE subject_id = :s", {"k": stored, "s": subject})


def test_a_key_an_older_version_kept_in_clear_is_wrapped_at_start(app: Container, database_url: str) -> None:
    """A database of the previous version, its keys in clear, opened by three
    processes at once: each row is wrapped once, and every field still opens."""
    person = activated(app, imported(app, 1), "ancienne@exemple.fr")
    rows = key_rows(app)
    for subject, stored in rows.items():
        set_key_row(app, subject, base64.b64encode(wrapping().unwrap(subject, str(stored))).decode())
    app.stop()
    with ThreadPoolExecutor(3) as pool:
        starts = list(
            pool.map(
                lambda _: bootstrap(Settings.from_env({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET})),
                range(3),
            )
        )
    for container in starts:
        container.stop()
    upgraded = started(database_url)
    try:
        now = key_rows(upgraded)
        assert set(now) == set(rows) and all(str(stored).startswith(WRAPPED) for stored in now.values())
        assert [wrapping().unwrap(s, str(now[s])) for s in rows] == [wrapping().unwrap(s, str(rows[s])) for s in rows]
        assert upgraded.export.export(person.id)["profile"]["email"] == "ancienne@exemple.fr"
        for subject in rows:  # once more, wrapped in batches of one row
            set_key_row(upgraded, subject, base64.b64encode(wrapping().unwrap(subject, str(now[subject]))).decode())
        key_table = upgraded.erasure.keys.store
        assert isinstance(key_table, KeyTable)
        assert key_table.wrap_clear_keys(batch=1) == len(rows)
        assert all(str(stored).startswith(WRAPPED) for stored in key_rows(upgraded).values())
    finally:
        upgraded.stop()


def test_another_key_encryption_key_is_refused_at_start(app: Container, database_url: str) -> None:
    imported(app, 2)
    app.stop()
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        bootstrap(Settings.from_env({"DATABASE_URL": database_url, "SECRET_KEY": "une-autre-cle-secrete-" + "y" * 32}))
    with pytest.raises(ConfigurationError, match="KEY_ENCRYPTION_KEY"):
        bootstrap(
            Settings.from_env({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "KEY_ENCRYPTION_KEY": "k" * 40})
        )


def test_a_separate_key_encryption_key_wraps_the_keys_when_set(database_url: str) -> None:
    app = started(database_url, KEY_ENCRYPTION_KEY="k" * 40)
    try:
        person = activated(app, imported(app, 3), "separee@exemple.fr")
        stored = key_rows(app)[str(person.id)]
        assert KeyWrapping(aes_gcm(Keyring(b"k" * 40).derive(PURPOSE))).unwrap(str(person.id), str(stored))
        with pytest.raises(UnreadableKey):
            wrapping().unwrap(str(person.id), str(stored))
    finally:
        app.stop()


def test_a_wrapped_key_copied_onto_another_subject_does_not_open(app: Container) -> None:
    """The subject id is the wrapping's associated data."""
    mine, theirs = (
        activated(app, imported(app, 4), "moi@exemple.fr"),
        activated(app, imported(app, 5), "autre@exemple.fr"),
    )
    set_key_row(app, str(theirs.id), key_rows(app)[str(mine.id)])
    with pytest.raises(UnreadableKey):
        app.erasure.keys.store.get(theirs.id)


def test_erasure_still_shreds_the_wrapped_key(app: Container) -> None:
    person = activated(app, imported(app, 6), "effacee@exemple.fr")
    app.erasure.erase(person.id, reason="operator")
    assert key_rows(app)[str(person.id)] is None
    emails = [e.email for e in app.store.events.get(person.id) if isinstance(e, Identity.EmailVerified)]
    assert emails == [ERASED]
