"""Maildir delivery for the embedded mode: one file per message, idempotent.

The file name is the outbox's mail id, so a mail delivered again after a crash
overwrites nothing and appears once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path


class MaildirMailer:
    def __init__(self, path: str) -> None:
        self.root = Path(path)
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def deliver(self, message: EmailMessage, accepted: Callable[[], None]) -> None:
        name = f"{message['X-Sesame-Mail-Id']}.sesame"
        if not any((self.root / "cur").glob(name + "*")):  # else already delivered and read
            temporary = self.root / "tmp" / name
            temporary.write_bytes(message.as_bytes())
            try:
                os.link(temporary, self.root / "new" / name)
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        accepted()
