"""argon2id through argon2-cffi, with parameters from the configuration.

At most one hash per core runs at once: each takes its whole memory cost
(19 MiB and up), and more hashes than cores only fight over caches and memory
bandwidth, so every one of them gets slower. Requests beyond that wait their
turn in a semaphore, which costs no CPU.
"""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    def __init__(self, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self._slots = threading.BoundedSemaphore(max(1, len(os.sched_getaffinity(0)) // parallelism))
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            with self._slots:
                return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
