"""One import, measured in its own process: ``python -m bench.import_worker MODE CSV``.

``sesame`` runs what ``sesame import-accounts`` runs (the CLI's CSV reader into
the container's importer); ``raw`` is the limit: eventsourcing alone saving
the same AgencyAccount aggregates (same keyed ids, same fields) in batches of
the importer's size, with none of the checks, lookups, idempotency or sealing.
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

from eventsourcing.application import Application

from adapters.bootstrap import Container, bootstrap, event_store_env
from adapters.csv_rows import CsvRows
from application.account_import import COLUMNS
from application.config import Settings
from application.event_store import EventStore
from bench.common import peak_rss_kib
from domain.agency_account import ROLES, AgencyAccount


class RawStore(Application):  # type: ignore[type-arg]
    """eventsourcing's own Application on the same database and tables."""

    name = EventStore.name


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


def raw(container: Container, count: int) -> int:
    """Build and save the importer's aggregates, batch by batch; how many saved."""
    store = RawStore(env=event_store_env(container.settings.database_url))
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
    parser.add_argument("mode", choices=("sesame", "raw"))
    parser.add_argument("csv", type=Path)
    parser.add_argument("--rows", type=int, required=True, help="how many rows the CSV holds")
    args = parser.parse_args()
    container = bootstrap(Settings.from_env(os.environ))
    rss_before = peak_rss_kib()
    started = time.perf_counter()
    rows = raw(container, args.rows) if args.mode == "raw" else sesame(container, args.csv)
    seconds = time.perf_counter() - started
    container.stop()
    print(json.dumps({"rows": rows, "seconds": seconds, "rss_before_kib": rss_before, "rss_peak_kib": peak_rss_kib()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
