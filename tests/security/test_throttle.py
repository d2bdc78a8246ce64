"""The throttle's policy and its shared table, on SQLite and on PostgreSQL.

The table is what every server process shares, so the same rules must hold
whichever database the operator chose, and under concurrent guesses.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.bootstrap import open_database
from adapters.database import Database
from adapters.throttle_table import ThrottleTable
from application.errors import Refused
from application.keyring import Keyring
from application.throttle import CODE, LOCKED, LOCKED_RETRY_AFTER, PASSWORD, Throttle, evenly_timed
from tests.servers import postgres

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.current = START

    def now(self) -> datetime:
        return self.current


def postgres_database() -> str:
    """A database of our own on the test server (``tests/servers.py``), created on first use."""
    import psycopg

    with psycopg.connect(postgres() + "postgres", connect_timeout=2, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = 'sesame_security_tests'").fetchone():
            connection.execute("CREATE DATABASE sesame_security_tests")
    return postgres() + "sesame_security_tests"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgresql":
        database = open_database(postgres_database())
    else:
        database = open_database(f"sqlite:///{tmp_path}/throttle.db")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(db: Database, clock: Clock) -> Throttle:
    # a fresh key per test run: the PostgreSQL table outlives the test
    return Throttle(ThrottleTable(db), Keyring(uuid.uuid4().bytes * 2), clock)


def refusal(call: object) -> Refused:
    with pytest.raises(Refused) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == "too_many_attempts"
    return caught.value


def test_rule_waits_grow_then_lock() -> None:
    """NIST SP 800-63B §5.2.2 (rate limiting): free tries, then waits doubling to
    a ceiling, then a lock; a 6-digit code is locked after 10 tries, far before 25."""
    waits = [CODE.wait(hits, START, START) for hits in range(12)]
    assert waits[:3] == [timedelta(0)] * 3
    assert waits[3:6] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert waits[9] == timedelta(hours=1)  # the ceiling
    assert waits[10] == waits[11] == LOCKED
    assert PASSWORD.lock_after == 100  # NIST's ceiling on consecutive failures


def test_a_wrong_code_is_counted_and_a_lock_is_final(throttle: Throttle, clock: Clock) -> None:
    """ASVS 5.0 V6.3.1 (brute force protection) on the provisional code of one contract."""
    code = throttle.code(uuid.uuid4(), "digest-of-code")
    for _ in range(3):
        throttle.attempt(*code)
    refused = refusal(lambda: throttle.attempt(*code))
    assert refused.details["retry_after"] == 60
    for _ in range(7):
        clock.current += timedelta(hours=1)
        throttle.attempt(*code)
    clock.current += timedelta(days=365)
    locked = refusal(lambda: throttle.attempt(*code))
    assert locked.details["retry_after"] == LOCKED_RETRY_AFTER and "agence" in locked.message
    assert throttle.code(uuid.uuid4(), "a new code") != code  # a new code from the agency starts afresh


def test_a_right_secret_clears_the_account_and_gives_the_address_its_try_back(throttle: Throttle) -> None:
    """NIST SP 800-63B §5.2.2: the count is of consecutive failures; a success resets it."""
    limits = [*throttle.password("jean@exemple.fr"), *throttle.guesses_from("203.0.113.9")]
    for _ in range(4):
        throttle.attempt(*limits)
    throttle.attempt(*limits).passed()
    for _ in range(5):
        throttle.attempt(*throttle.password("jean@exemple.fr"))
    refusal(lambda: throttle.attempt(*throttle.password("JEAN@exemple.fr")))  # case variants share one count


def test_a_refused_try_counts_on_no_key(throttle: Throttle) -> None:
    """A throttled key must not eat the address's budget, nor the reverse."""
    account = throttle.password("marie@exemple.fr")
    for _ in range(5):
        throttle.attempt(*account)
    address = throttle.guesses_from("198.51.100.7")
    for _ in range(10):
        refusal(lambda: throttle.attempt(*account, *address))
    for _ in range(20):
        throttle.attempt(*address)
    refusal(lambda: throttle.attempt(*address))


def test_an_address_is_forgotten_after_an_hour_of_quiet(throttle: Throttle, clock: Clock) -> None:
    address = throttle.mail_from("192.0.2.1")
    for _ in range(20):
        throttle.spend(*address)
    refusal(lambda: throttle.spend(*address))
    clock.current += timedelta(hours=1)
    throttle.spend(*address)


def test_concurrent_guesses_never_overrun_the_lock(db: Database) -> None:
    """ASVS 5.0 V6.3.1: the count is read and raised in one transaction, so 40
    simultaneous guesses at one code get exactly its 10 tries (delays off)."""
    throttle = Throttle(ThrottleTable(db), Keyring(uuid.uuid4().bytes * 2), Clock(), delay_scale=0)
    code = throttle.code(uuid.uuid4(), "digest")
    allowed: list[int] = []
    barrier = threading.Barrier(40)

    def guess() -> None:
        barrier.wait()
        try:
            throttle.attempt(*code)
            allowed.append(1)
        except Refused:
            pass

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == CODE.lock_after


def test_evenly_timed_sleeps_the_remainder_of_the_floor() -> None:
    """The same answer time for a known and an unknown account: the floor, not the work."""
    slept: list[float] = []
    with evenly_timed(10.0, sleep=slept.append):
        pass
    assert len(slept) == 1 and 9.0 < slept[0] <= 10.0
