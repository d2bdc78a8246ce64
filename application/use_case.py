"""What every use case reaches for: aggregates through the directory (and the
store and keys behind it), passwords, the clock and the throttle."""

from __future__ import annotations

from application.directory import Directory
from application.passwords import Passwords
from application.ports import Clock
from application.throttle import Throttle


class UseCase:
    def __init__(self, directory: Directory, passwords: Passwords, clock: Clock, throttle: Throttle) -> None:
        self.directory = directory
        self.store = directory.store
        self.keys = directory.keys
        self.passwords = passwords
        self.clock = clock
        self.throttle = throttle
