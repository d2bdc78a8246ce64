"""The CGU and privacy policy, as versioned files: the newest folder is current.

A version is a folder under ``application/terms/`` (or ``TERMS_DIR``) named by
its date; adding a newer folder makes every person accept it at their next
login, without a restart.
"""

from __future__ import annotations

import functools
from pathlib import Path

TERMS_DIR = Path(__file__).parent / "terms"


def read_from(folder: Path) -> None:
    """Serve the versions of ``folder`` instead (``TERMS_DIR``, set by the adapters)."""
    global TERMS_DIR
    TERMS_DIR = folder


def versions() -> list[str]:
    """Listed again only when the folder changed: every login and ``/me`` asks,
    and one ``stat`` is cheaper than reading the folder."""
    return list(_versions(TERMS_DIR.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _versions(_modified: int) -> tuple[str, ...]:
    return tuple(sorted(p.name for p in TERMS_DIR.iterdir() if p.is_dir()))


def current_terms_version() -> str:
    return versions()[-1]


def terms_text(version: str, document: str) -> str:
    """``document`` is ``cgu`` or ``confidentialite``."""
    if version not in versions() or document not in ("cgu", "confidentialite"):
        raise KeyError(f"{version}/{document}")
    return (TERMS_DIR / version / f"{document}.md").read_text()
