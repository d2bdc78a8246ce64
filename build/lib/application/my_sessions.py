"""A person's own sessions (« Sécurité », ``/me/sessions``): where they are signed
in, and ending one or all the others.

A session is named by its public ``sid``, never by its token's digest. Ending
one goes through the sign-out cascade (``SignOuts.remove``), which also ends
the single sign-on sign-ins made in it, each client told by back-channel; the
kept session's sign-ins stay. The person's history records which devices were
signed out (``SessionsEnded``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from application.directory import Directory
from application.errors import Refused
from application.event_store import retrying
from application.password_proof import PasswordProof
from application.ports import Clock, Session
from application.sign_outs import SignOuts

UNKNOWN_DEVICE = "Appareil inconnu"
REASON = "security_page"  # the sign-ins' SignedOut reason
Applications = Callable[[UUID], dict[str, list[str]]]  # a person's sign-ins: sid -> client names


def not_found() -> Refused:
    return Refused("not_found", "Cette session n'existe pas ou est déjà fermée.")


class MySessions:
    def __init__(
        self, directory: Directory, sessions: SignOuts, clock: Clock, proof: PasswordProof,
        applications: Applications = lambda identity_id: {},
    ) -> None:
        self.directory = directory
        self.proof = proof
        self.store = directory.store
        self.sessions = sessions
        self.clock = clock
        self.applications = applications

    def _live(self, identity_id: UUID) -> list[Session]:
        now = self.clock.now()
        return [
            s for s in self.sessions.of_person(identity_id)
            if s.expires_at > now and (s.idle_until is None or s.idle_until > now)
        ]

    def listed(self, current: Session) -> list[dict[str, Any]]:
        """The live sessions, oldest first, the applications signed in through each."""
        return self.of_person(current.identity_id, current.token_digest)

    def of_person(self, identity_id: UUID, current_digest: str = "") -> list[dict[str, Any]]:
        """A person's live sessions as ``listed`` shows them (the staff console
        shows the same, with no session of theirs current)."""
        applications = self.applications(identity_id)
        return [
            {
                "id": s.sid, "current": s.token_digest == current_digest,
                "created_at": _iso(s.authenticated_at), "last_seen_at": _iso(s.last_seen_at or s.authenticated_at),
                "device": s.device or UNKNOWN_DEVICE, "ip": s.ip or None, "applications": applications.get(s.sid, []),
            }
            for s in self._live(identity_id) if s.sid
        ]

    def end(self, current: Session, sid: object) -> None:
        """One session of the person's (this one included) ends."""
        found = [s for s in self._live(current.identity_id) if s.sid and isinstance(sid, str) and s.sid == sid]
        if not found:
            raise not_found()
        self._end(current.identity_id, found)

    def end_others(self, current: Session) -> None:
        """Every session of the person but this one ends."""
        others = [s for s in self.sessions.of_person(current.identity_id) if s.token_digest != current.token_digest]
        self._end(current.identity_id, others)

    def end_others_proven(self, current: Session, password: object, origin: str | None = None) -> None:
        """``end_others`` behind the one throttled password proof: the portal's
        « Déconnecter les autres appareils » (the API's ``DELETE /me/sessions``
        takes no body in the contract, so it keeps ``end_others``)."""
        self.proof.prove(self.directory.identity(current.identity_id), password, origin)
        self.end_others(current)

    def _end(self, identity_id: UUID, sessions: list[Session]) -> None:
        for session in sessions:
            self.sessions.remove(session.token_digest, reason=REASON)
        if sessions:
            self._record(identity_id, ", ".join(s.device or UNKNOWN_DEVICE for s in sessions))

    @retrying()
    def _record(self, identity_id: UUID, devices: str) -> None:
        identity = self.directory.identity(identity_id)
        if identity is not None:
            identity.end_sessions(devices)
            self.store.commit(identity)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
