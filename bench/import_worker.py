"""One import, measured in its own process: ``python -m bench.import_worker MODE CSV``.

``sesame`` runs what ``sesame import-accounts`` runs (the CLI's CSV reader into
the container's importer); ``raw`` is the limit: eventsourcing alone saving
the same AgencyAccount aggregates (same keyed ids, same fields) in batches of
the importer's size, with none of the checks, lookups, idempotency or sealing;
``sealed`` is the same save with the personal fields sealed as Sésame seals
them (the same mapper, AES-GCM under a key per contract, drawn in memory and
stored nowhere): the second limit, which does the cryptography too.
Both bootstrap Sésame first, outside the timing, so the figure is the rate of
the rows, not of a process start. Peak RSS is the process's own, so memory
growth with the file shows as growth across sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper

from adapters.aes_gcm import aes_gcm
from adapters.bootstrap import Container, bootstrap, event_store_env
from adapters.csv_rows import CsvRows
from application.account_import import COLUMNS
from application.config import Settings
from application.event_store import EventStore
from application.personal_data import PersonalDataMapper, SubjectKeys
from application.ports import Write
from bench.common import peak_rss_kib
from domain.agency_account import ROLES, AgencyAccount


class RawStore(Application):  # type: ignore[type-arg]
    """eventsourcing's own Application on the same database and tables."""

    name = EventStore.name


class DrawnKeys:
    """A KeyStore that draws a key for each subject and keeps none: sealing's cost without the key table."""

    def ensure(self, subjects: list[UUID]) -> dict[UUID, bytes | None]:
        return {subject: os.urandom(32) for subject in subjects}

    def create(self, subjects: list[UUID]) -> tuple[dict[UUID, bytes], Write]:
        raise NotImplementedError  # the limit only seals

    def get(self, subject: UUID) -> bytes | None:
        return None

    def shred(self, subject: UUID) -> None:
        raise NotImplementedError


class SealedRawStore(RawStore):
    """The raw limit with the personal fields sealed by Sésame's own mapper."""

    name = EventStore.name  # eventsourcing names a subclass's tables after it otherwise

    def construct_mapper(self) -> Mapper[UUID]:
        return PersonalDataMapper(self.construct_transcoder(), SubjectKeys(DrawnKeys(), aes_gcm))


def contract_rows(count: int) -> Iterator[dict[str, str]]:
    """The generated file's rows, as values: the CSV is written from these, and
    the raw limit builds its aggregates from them without parsing the CSV."""
    for n in range(1, count + 1):
        yield {
            "client_code": f"AG{n % 40:02d}", "company_code": f"S{n % 3}", "login_id": f"L{n:08d}",
            "provisional_password": f"{n * 7919 % 1_000_000:06d}", "email": f"client{n}@exemple.fr",
            "holder_name": f"Titulaire {n}", "role": ROLES[n % 3],
        }


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(COLUMNS) + "\n")
        handle.writelines(",".join(row[c] for c in COLUMNS) + "\n" for row in contract_rows(count))


def raw(container: Container, count: int, sealed: bool = False) -> int:
    """Build and save the importer's aggregates, batch by batch; how many saved."""
    store = (SealedRawStore if sealed else RawStore)(env=event_store_env(container.settings.database_url))
    directory, saved = container.directory, 0
    rows = contract_rows(count)
    while batch := list(islice(rows, container.importer.batch_size)):
        accounts = []
        for row in batch:
            digest = directory.account_digest(row["client_code"], row["company_code"], row["login_id"])
            accounts.append(AgencyAccount(
                digest, row["client_code"], row["company_code"], row["login_id"], holder_name=row["holder_name"],
                role=row["role"], suggested_email=row["email"],
                provisional_digest=directory.provisional_digest(digest, row["provisional_password"]),
            ))
        store.save(*accounts)
        saved += len(accounts)
    store.close()
    return saved


def sesame(container: Container, path: Path) -> int:
    rows = CsvRows(path)
    try:
        report = container.importer.run(rows)
    finally:
        rows.close()
    if report.rejected:
        raise SystemExit(f"the importer rejected generated rows: {report.rejected[:3]}")
    return report.added + report.updated + report.unchanged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("sesame", "raw", "sealed"))
    parser.add_argument("csv", type=Path)
    parser.add_argument("--rows", type=int, required=True, help="how many rows the CSV holds")
    args = parser.parse_args()
    container = bootstrap(Settings.from_env(os.environ))
    rss_before = peak_rss_kib()
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = sesame(container, args.csv) if args.mode == "sesame" else raw(container, args.rows, args.mode == "sealed")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    container.stop()
    print(json.dumps({
        "rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds, "rss_before_kib": rss_before,
        "rss_peak_kib": peak_rss_kib(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
