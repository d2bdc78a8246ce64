"""Importing an agency's provisional credentials, idempotently and in batches.

Rows stream in; each batch is checked, loaded, changed and saved in one atomic
write, so memory stays flat however long the file. A contract is addressed by
the keyed digest of its codes and login id: importing it again updates it,
never duplicates it. Lines already seen in this file are remembered in a
private on-disk SQLite table, so a repeated line is reported with the line it
repeats without holding a million keys in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from application.directory import Directory
from application.emails import normalize_email
from application.errors import Conflict, Refused
from application.ports import SeenKeys
from domain.agency_account import ROLES, AgencyAccount
from domain.agency_codes import canonical_code
from domain.digest_ids import uuid_of
from domain.errors import DomainError

COLUMNS = ("client_code", "company_code", "login_id", "provisional_password", "email", "holder_name", "role")
REQUIRED = ("client_code", "company_code", "login_id", "provisional_password", "holder_name", "role")
# Later columns (contract: "Import columns"): a file without them imports as before.
OPTIONAL = ("agency_name", "property")
NAMES = {"holder_name": "nom du titulaire", "agency_name": "nom de l'agence", "property": "bien"}
CODE = re.compile(r"[A-Za-z0-9._-]{1,64}")
SIX_DIGITS = re.compile(r"\d{6}")
MAX_NAME = 200
ERASED = "contrat effacé après sa fin : il ne peut revenir"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected}


@dataclass(frozen=True)
class Unreadable:
    """A line the file's reader could not turn into fields, and why: rejected
    with its number like any other bad line."""

    reason: str


class Row(NamedTuple):  # a tuple: a million of them are built
    line: int
    digest: str
    id: UUID  # the contract's, named by the digest
    values: dict[str, str]
    legacy: str | None = None  # the digest of codes as written, for a contract imported before they were canonical


class KnownAccounts(Protocol):
    def known_accounts(self, account_ids: list[UUID]) -> set[UUID]:
        """Which of these contracts the read models have seen imported."""


class AccountImport:
    def __init__(
        self, directory: Directory, known: KnownAccounts, seen_keys: Callable[[], SeenKeys], batch_size: int = 1000
    ) -> None:
        self.directory = directory
        self.store = directory.store
        self.known = known
        self.seen_keys = seen_keys  # a fresh set per import
        self.batch_size = batch_size

    def run(
        self,
        rows: Iterable[tuple[int, dict[str, Any] | Unreadable]],
        progress: Callable[[int], None] = lambda _: None,
        allowed: Callable[[str, str], bool] = lambda _c, _s: True,
    ) -> ImportReport:
        """Import (line number, row) pairs; ``allowed`` scopes an agency to its codes."""
        report = ImportReport()
        seen = self.seen_keys()
        for batch in _batched(iter(rows), self.batch_size):
            checked: list[Row] = []
            for line, raw in batch:
                try:
                    checked.append(self._check(line, raw, allowed))
                except Refused as refusal:
                    report.rejected.append({"line": line, "reason": refusal.message})
            self._save(_first_times(seen, checked, report), report)
            progress(len(batch))
        seen.close()
        report.rejected.sort(key=lambda r: r["line"])
        return report

    def _check(self, line: int, raw: dict[str, Any] | Unreadable, allowed: Callable[[str, str], bool]) -> Row:
        if isinstance(raw, Unreadable):
            raise Refused("rejected", raw.reason)
        missing = [c for c in REQUIRED if not isinstance(raw.get(c), str) or not raw[c].strip()]
        if missing:
            raise Refused("rejected", "colonne manquante ou vide : " + ", ".join(missing))
        not_text = [c for c in OPTIONAL if raw.get(c) is not None and not isinstance(raw[c], str)]
        if not_text:
            raise Refused("rejected", "colonne qui n'est pas du texte : " + ", ".join(not_text))
        values = {c: str(raw.get(c) or "").strip() for c in COLUMNS + OPTIONAL}
        written = (values["client_code"], values["company_code"], values["login_id"])
        for c in ("client_code", "company_code", "login_id"):
            if not CODE.fullmatch(values[c]):
                raise Refused("rejected", f"{c} invalide (lettres, chiffres, . _ -, 64 au plus)")
            values[c] = canonical_code(values[c])
        if not allowed(values["client_code"], values["company_code"]):
            raise Refused("rejected", "codes d'une autre agence")
        if not SIX_DIGITS.fullmatch(values["provisional_password"]):
            raise Refused("rejected", "le mot de passe provisoire doit compter 6 chiffres")
        if values["role"] not in ROLES:
            raise Refused("rejected", f"rôle inconnu « {values['role'][:40]} » ({', '.join(ROLES)})")
        for column, name in NAMES.items():
            if len(values[column]) > MAX_NAME or "\x00" in values[column]:
                raise Refused("rejected", f"{name} invalide ({MAX_NAME} caractères au plus)")
        if values["email"]:
            try:
                values["email"] = normalize_email(values["email"])
            except Refused as refusal:
                raise Refused("rejected", "email mal formé") from refusal
        digest = self.directory.account_digest(*written)
        canonical = (values["client_code"], values["company_code"], values["login_id"])
        legacy = None if written == canonical else self.directory.legacy_digest(*written)  # codes as written differ
        return Row(line, digest, uuid_of(digest), values, legacy)

    def _save(self, rows: list[Row], report: ImportReport, attempts: int = 3) -> None:
        """One atomic write per batch. The read models say which contracts
        exist, so new ones are created without a read each, and their keys
        drawn and stored in the very commit of their first events; if the
        read models were behind, or a concurrent import won, the store refuses
        the write and the batch is replayed reading every contract (and every
        key) from the store."""
        known: set[UUID] | None = self.known.known_accounts([r.id for r in rows])
        keys = self.store.subject_keys
        for attempt in range(attempts):
            outcome = ImportReport()
            changed, created = self._apply(rows, outcome, known)
            writes = [keys.create(created)] if created else []
            keys.prepare(a.id for a in changed)  # one write for the other keys of the batch, if any
            try:
                self.store.commit(*changed, writes=writes)
            except Conflict:
                keys.forget(created)  # drawn, never stored
                if attempt == attempts - 1:
                    raise
                known = None
                continue
            report.added += outcome.added
            report.updated += outcome.updated
            report.unchanged += outcome.unchanged
            report.rejected.extend(outcome.rejected)
            return

    def _apply(
        self, rows: list[Row], outcome: ImportReport, known: set[UUID] | None
    ) -> tuple[list[AgencyAccount], list[UUID]]:
        """The contracts to save, and the ids of those created without a read
        (the read models said they were new), whose keys are new too."""
        changed: dict[str, AgencyAccount] = {}
        created: list[UUID] = []
        for row in rows:
            exists = known is None or row.id in known
            account = self.store.find(AgencyAccount, row.id) if exists else None
            digest = row.digest
            if account is None and row.legacy and (older := self.store.find(AgencyAccount, uuid_of(row.legacy))):
                account, digest = older, row.legacy
            values = row.values
            details = {
                "holder_name": values["holder_name"],
                "role": values["role"],
                "suggested_email": values["email"],
                "provisional_digest": self.directory.provisional_digest(digest, values["provisional_password"]),
                "agency_name": values["agency_name"],
                "property": values["property"],
            }
            if account is None:
                changed[row.digest] = AgencyAccount.imported(
                    row.id, digest, values["client_code"], values["company_code"], values["login_id"], **details
                )
                if not exists:
                    created.append(row.id)
                outcome.added += 1
                continue
            try:
                updated = account.reimport(**details)
            except DomainError:
                outcome.rejected.append({"line": row.line, "reason": ERASED})
                continue
            if updated:
                changed[row.digest] = account
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        return list(changed.values()), created

def _first_times(seen: SeenKeys, rows: list[Row], report: ImportReport) -> list[Row]:
    """The rows whose contract this file names for the first time; a later line
    of a contract already read is refused with the line it repeats."""
    first_lines = seen.first_lines([(row.digest, row.line) for row in rows])
    for row, first in zip(rows, first_lines, strict=True):
        if first is not None:
            report.rejected.append({"line": row.line, "reason": f"ligne répétée (même contrat qu'à la ligne {first})"})
    return [row for row, first in zip(rows, first_lines, strict=True) if first is None]


def _batched(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch
