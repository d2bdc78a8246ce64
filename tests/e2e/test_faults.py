"""Faults on the production topology: the SMTP relay down mid-flow, follower
processes killed with SIGKILL, PostgreSQL connections cut, a worker stopped
while it sends. After each, every
mail decided went out exactly once and the read models equal a rebuild from
zero. A worker killed with SIGKILL while the relay holds its mail is the one
case allowed a second copy: at least once, each mail under one Message-ID.
Two ``projections`` and two ``outbox`` processes run throughout, so they also
show that processes of one role share the work without doubling it.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from adapters.database import compose
from tests.e2e.flows import choose_password, contract, log_in, start
from tests.e2e.harness import Sesame, link_token, wait_until

VIEWS = ("read_identities", "read_accounts", "read_identity_accounts", "search_terms", "read_sign_ins")
FOLLOWERS = {"profile", "support_search", "sign_ins", "outbox"}


@pytest.fixture
def busy(production: Sesame) -> Sesame:
    """The production deployment with a second process of each follower role."""
    production.start_role("projections")
    production.start_role("outbox")
    return production


def request_verification(sesame: Sesame, creds: dict[str, str]) -> None:
    """An activation up to the point where the verification mail is decided."""
    activation = start(sesame, creds)
    assert sesame.http.post(f"/activations/{activation}/email", json={"email": creds["email"]}).status_code == 200
    choose_password(sesame, activation)


def finish(sesame: Sesame, creds: dict[str, str]) -> None:
    """Follow the emailed link, then log in and see oneself."""
    token = link_token(sesame.wait_for_mail(creds["email"], timeout=90), "/verify-email")
    assert sesame.http.post("/email-verifications", json={"token": token}).status_code == 200
    me = sesame.http.get("/me", headers=log_in(sesame, creds["email"]))
    assert me.status_code == 200 and me.json()["email"] == creds["email"]


def settled(sesame: Sesame) -> bool:
    """Every follower has read the whole log and no mail waits."""
    head = sesame.query("SELECT COALESCE(MAX(notification_id), 0) AS n FROM sesame_events")[0]["n"]
    positions = sesame.query("SELECT name, position FROM tracking")
    waiting = sesame.query("SELECT COUNT(*) AS n FROM outbox WHERE status NOT IN ('sent', 'failed')")[0]["n"]
    names = {p["name"] for p in positions}
    return names == FOLLOWERS and all(p["position"] == head for p in positions) and waiting == 0


def views(sesame: Sesame) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: sorted(tuple(r.values()) for r in sesame.query(compose("SELECT * FROM {table}", table=table)))
        for table in VIEWS
    }


def assert_consistent(sesame: Sesame) -> None:
    """Each mail the outbox sent was accepted by the relay exactly once, and
    the read models are what a rebuild from zero makes of the events."""
    wait_until(lambda: settled(sesame), "the followers and the outbox to settle")
    decided = {row["mail_id"] for row in sesame.query("SELECT mail_id FROM outbox WHERE status = 'sent'")}
    delivered = Counter(message["X-Sesame-Mail-Id"] for message in sesame.relay.messages())
    assert delivered == Counter(decided)
    live = views(sesame)
    assert live["read_identities"]
    sesame.cli("projections", "--rebuild", check=True)
    assert views(sesame) == live


def test_mail_waits_for_the_smtp_relay_and_goes_out_once(busy: Sesame) -> None:
    people = [contract(busy) for _ in range(5)]
    request_verification(busy, people[0])
    busy.wait_for_mail(people[0]["email"])
    busy.relay.stop()
    for creds in people[1:]:
        request_verification(busy, creds)
    wait_until(
        lambda: busy.query("SELECT COUNT(*) AS n FROM outbox WHERE last_error IS NOT NULL")[0]["n"] >= 4,
        "the worker to find the relay down",
    )
    assert busy.mails(people[1]["email"]) == []
    busy.relay.start()
    for creds in people:
        finish(busy, creds)
    assert_consistent(busy)


def test_followers_killed_mid_batch_lose_nothing_and_double_nothing(busy: Sesame) -> None:
    people = [contract(busy) for _ in range(4)]
    for creds in people[:2]:
        request_verification(busy, creds)
    # a large import keeps the followers busy while one of each role dies
    busy.import_rows(*(f"AG7,SOC7,K{n:04d},{n:06d},k{n}@exemple.fr,Titulaire {n},owner" for n in range(400)))
    busy.kill_role("projections")
    busy.kill_role("outbox")
    for creds in people[2:]:
        request_verification(busy, creds)
    busy.start_role("projections")
    busy.start_role("outbox")
    for creds in people:
        finish(busy, creds)
    assert_consistent(busy)


def cut_connections(sesame: Sesame) -> int:
    """Terminate every server connection to the deployment's database."""
    rows = sesame.query(
        "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity "
        "WHERE datname = %(database)s AND pid <> pg_backend_pid()",
        {"database": sesame.database},
    )
    return sum(1 for row in rows if row["cut"])


def test_cut_database_connections_are_replaced_without_losing_work(busy: Sesame) -> None:
    people = [contract(busy) for _ in range(4)]
    request_verification(busy, people[0])
    assert cut_connections(busy) >= 6  # each process's pools and listeners
    request_verification(busy, people[1])
    finish(busy, people[0])
    request_verification(busy, people[2])
    cut_connections(busy)
    request_verification(busy, people[3])
    for creds in people[1:]:
        finish(busy, creds)
    assert_consistent(busy)


def test_a_worker_stopped_while_it_sends_finishes_the_mail_first(busy: Sesame) -> None:
    """SIGTERM, as a supervisor sends it, while the relay is slow to answer:
    the mail in hand is accepted and recorded as sent, then the worker exits."""
    creds = contract(busy)
    busy.relay.delay = 2.0
    request_verification(busy, creds)
    wait_until(
        lambda: [row["status"] for row in busy.query("SELECT status FROM outbox")] == ["sending"],
        "the worker to take the mail",
    )
    (worker,) = busy.roles["worker"]
    worker.terminate()
    assert worker.wait(timeout=60) == 0
    assert [row["status"] for row in busy.query("SELECT status FROM outbox")] == ["sent"]
    assert len(busy.mails(creds["email"])) == 1
    assert_consistent(busy)


def test_a_mail_refused_for_good_is_recorded_as_failed_for_support(busy: Sesame) -> None:
    unknown, known = contract(busy, email="personne-ici@exemple.fr"), contract(busy)
    busy.relay.unknown.add(unknown["email"])
    request_verification(busy, unknown)
    request_verification(busy, known)
    finish(busy, known)
    assert_consistent(busy)
    (failed,) = busy.query("SELECT recipient, attempts, last_error FROM outbox WHERE status = 'failed'")
    assert failed["recipient"] == unknown["email"] and failed["attempts"] == 1
    assert failed["last_error"].startswith("Undeliverable: 550")
    assert busy.mails(unknown["email"]) == []


def test_a_worker_killed_while_it_holds_a_mail_is_relieved_in_seconds_under_the_same_message_id(busy: Sesame) -> None:
    """SIGKILL once the relay has read a mail's DATA and before it answers: the
    dead worker's leases end within seconds, a new worker sends its mails again
    with the Message-ID of the first attempt, and every mail arrives under one
    Message-ID (60 s only bounds a hung run; the lease is 10 s)."""
    people = [contract(busy) for _ in range(3)]
    busy.relay.holding = True
    for creds in people:
        request_verification(busy, creds)
    wait_until(lambda: busy.relay.received, "the worker to hand a mail to the relay")
    busy.kill_role("worker")
    killed_at = time.monotonic()
    held = {message["X-Sesame-Mail-Id"]: message["Message-ID"] for message in busy.relay.received}
    busy.relay.holding = False
    busy.start_role("worker")
    wait_until(lambda: settled(busy), "the new worker to send every mail", timeout=60)
    print(f"every mail sent {time.monotonic() - killed_at:.1f} s after the SIGKILL")
    rows = {
        row["mail_id"]: row["attempts"]
        for row in busy.query("SELECT mail_id, attempts FROM outbox WHERE status = 'sent'")
    }
    assert len(rows) == len(people) and all(rows[mail_id] == 2 for mail_id in held)
    delivered = busy.relay.messages()
    assert {message["X-Sesame-Mail-Id"] for message in delivered} == set(rows)
    attempts: dict[str, set[str]] = {}
    for message in busy.relay.received:
        attempts.setdefault(message["X-Sesame-Mail-Id"], set()).add(message["Message-ID"])
    assert all(attempts[mail_id] == {message_id} for mail_id, message_id in held.items())
    assert len({message["Message-ID"] for message in delivered}) == len(rows)
    for creds in people:
        finish(busy, creds)
