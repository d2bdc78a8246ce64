"""argon2id's pool: no more hashes at once than cores, the others queue."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from adapters.argon2_hasher import Argon2Hasher


def test_no_more_verifications_at_once_than_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    """One hash per core: the others wait their turn in the semaphore."""
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {0, 1})
    hasher = Argon2Hasher(19456, 2, 1)
    running, most, lock = 0, 0, threading.Lock()

    def verify(password_hash: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return True

    monkeypatch.setattr(hasher, "_hasher", SimpleNamespace(verify=verify))
    threads = [threading.Thread(target=hasher.verify, args=("hash", "password")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2
