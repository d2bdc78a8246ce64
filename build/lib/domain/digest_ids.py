"""The aggregate addressed by a keyed digest.

A contract (``AgencyAccount``) and a unique claim (``UniqueClaim``) are found
by what they are (a login id and agency codes, an email) without any index:
their id is the first 128 bits of the keyed digest the application computes
from it, so the same contract or the same email always names the same stream.
"""

from __future__ import annotations

from uuid import UUID


def uuid_of(digest: str) -> UUID:
    """The id of the aggregate a keyed digest (hex, 256 bits) names."""
    return UUID(hex=digest[:32])
