"""Search: support search p50/p95 against the number of identities.

Activating a million people through the API would take hours of argon2, so
the read models are written directly, the way the projections would have
written them: the schema is Sésame's own (its migrations, applied by
``Database.migrate`` as ``bootstrap`` does) and the search documents come from the projection's
own ``words_of`` and ``documents`` (its bookkeeping tables, which only the
projection's own updates read, are left empty). Every identity has one contract of an agency; nine in ten are
active (linked), one in ten still activating (the contract through
``activating_account``). Names, emails and login ids look French, a few
surnames carry accents, and names repeat as they do in life, so a surname
matches thousands of people at a million. The population grows in place:
the smaller size is measured, then the rest is added and the larger one is.

The figure is ``ReadModelQueries.search`` (what ``GET /api/v1/support/identities?q=``
runs for support staff, a page of 20 plus one), timed in this process over
a mix of queries, each drawn afresh from the people present at both sizes.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.bootstrap import open_database
from adapters.database import compose
from bench.common import cores, percentile
from bench.databases import fresh, postgres_available
from bench.report import Row, Section, ms, plot, table
from projections.queries import WINDOW, ReadModelQueries
from projections.support_search import documents, fold, query_words, words_of

TARGET = 0.020  # seconds, p95
CHUNK = 50_000  # identities per transaction while populating
MIN_ROUNDS, MAX_ROUNDS = 3, 100  # rounds of one query of each kind: at least, and at most within the time
CPU: list[float] = []  # seconds of this process's CPU per search, of the current measure
PAGE = 21  # what Support.search asks for: a page of 20, and one more to know there is a next page

FIRST = ["Jean", "Marie", "Pierre", "Michel", "Nathalie", "Isabelle", "Philippe", "Sylvie", "Catherine", "Françoise",
         "Hélène", "Éric", "Stéphane", "Frédéric", "Céline", "Sébastien", "Nicolas", "Julie", "Camille", "Léa",
         "Chloé", "Manon", "Thomas", "Lucas", "Hugo", "Inès", "Zoé", "Noémie", "Gaëlle", "Jérôme", "Anaïs", "Benoît"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
        "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
        "Légaré", "Hébert", "Bézier", "Gauthier", "Chevalier", "Clément", "Mérieux", "Barré", "Gérard", "Boulanger",
        "Rémy", "Noël", "Pâris", "Bénard", "Lemaître", "Desmarais", "Fontaine", "Rousseau", "Blanchard", "Guérin",
        "Perrot", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Gaillard", "Brunet"]
DOMAINS = ["orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "yahoo.fr", "hotmail.fr"]
AGENCIES = [(f"AG{c:03d}", f"SOC{s}") for c in range(1, 201) for s in range(1, 6)]
KINDS = [
    "full email", "email prefix", "surname prefix", "accented surname", "login id prefix", "agency codes + name",
    "no match", "agency staff: surname", "next page (cursor)",
]


def person(n: int) -> dict[str, Any]:
    """The n-th identity of the population, the same from run to run."""
    draw = random.Random(n)
    first, last = draw.choice(FIRST), draw.choice(LAST)
    client, company = draw.choice(AGENCIES)
    started = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=draw.randrange(60 * 86400 * 10))
    return {
        "identity": str(uuid.UUID(int=draw.getrandbits(128), version=4)),
        "account": str(uuid.UUID(int=draw.getrandbits(128), version=4)),
        "first": first, "last": last, "client": client, "company": company,
        "email": f"{fold(first)}.{fold(last).replace(' ', '')}{n % 997}@{draw.choice(DOMAINS)}",
        "login_id": f"{draw.randrange(10**7, 10**8)}",
        "active": n % 10 != 0,
        "started": started.isoformat(), "updated": (started + timedelta(minutes=draw.randrange(1, 600))).isoformat(),
    }


Rows = list[tuple[Any, ...]]


def rows_of(numbers: range) -> tuple[Rows, Rows, Rows, Rows]:
    """read_identities, read_accounts, read_identity_accounts and search_docs rows of these people."""
    identities: Rows = []
    accounts: Rows = []
    links: Rows = []
    docs: Rows = []
    for n in numbers:
        p = person(n)
        if p["active"]:
            identities.append((
                p["identity"], "active", p["email"], None, "2025-01", p["account"], None, None, p["started"],
                p["updated"],
            ))
            links.append((p["identity"], p["account"], p["updated"]))
        else:
            identities.append((
                p["identity"], "activating", None, p["email"], None, None, p["account"], "password", p["started"],
                p["updated"],
            ))
        holder = f"{p['first']} {p['last']}"
        accounts.append((p["account"], p["client"], p["company"], p["login_id"], holder, "tenant", p["email"]))
        own = " ".join(words_of(p["email"]))
        contract = " ".join(words_of(p["login_id"], p["client"], p["company"], holder))
        docs += [(p["identity"], *doc) for doc in documents(own, [(p["client"], p["company"], contract)])]
    return identities, accounts, links, docs


IDENTITY_COLUMNS = ("identity_id, status, email, proposed_email, terms_version, default_account, activating_account, "
                    "next_step, started_at, updated_at")


def populate(url: str, numbers: range) -> float:
    """Write these people's read-model rows; the seconds it took."""
    began = time.monotonic()
    if not url.startswith("sqlite:"):  # a bulk load: the GIN index is built once after it, not row by row
        gin_index = _postgres_execute(url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_docs_lexemes'")
        _postgres_execute(url, "DROP INDEX IF EXISTS search_docs_lexemes")
    for start in range(numbers.start, numbers.stop, CHUNK):
        identities, accounts, links, docs = rows_of(range(start, min(start + CHUNK, numbers.stop)))
        if url.startswith("sqlite:"):
            _sqlite_write(url, identities, accounts, links, docs)
        else:
            _postgres_write(url, identities, accounts, links, docs)
    if not url.startswith("sqlite:"):  # autovacuum would, soon after a real load; SQLite's Sésame never runs ANALYZE
        _postgres_execute(url, gin_index)  # as the migration made it
        _postgres_execute(url, "ANALYZE")
    return time.monotonic() - began


def _postgres_execute(url: str, statement: str) -> Any:
    """Run one statement; the first column of its first row, if it returns rows."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchone()[0] if cursor.description else None  # type: ignore[index]


def _sqlite_write(url: str, identities: list[Any], accounts: list[Any], links: list[Any], docs: list[Any]) -> None:
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("BEGIN")
        connection.executemany(
            compose("INSERT INTO read_identities ({columns}) VALUES (?,?,?,?,?,?,?,?,?,?)", columns=IDENTITY_COLUMNS),
            identities,
        )
        connection.executemany(
            "INSERT INTO read_accounts (account_id, client_code, company_code, login_id, holder_name, role, "
            "suggested_email) VALUES (?,?,?,?,?,?,?)",
            accounts,
        )
        connection.executemany(
            "INSERT INTO read_identity_accounts (identity_id, account_id, linked_at) VALUES (?,?,?)", links
        )
        connection.executemany("INSERT INTO search_docs (identity_id, scope, support, words) VALUES (?,?,?,?)", docs)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _postgres_write(url: str, identities: list[Any], accounts: list[Any], links: list[Any], docs: list[Any]) -> None:
    import psycopg

    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for sql, rows in (
            (compose("COPY read_identities ({columns}) FROM STDIN", columns=IDENTITY_COLUMNS), identities),
            (
                "COPY read_accounts "
                "(account_id, client_code, company_code, login_id, holder_name, role, suggested_email) FROM STDIN",
                accounts,
            ),
            ("COPY read_identity_accounts (identity_id, account_id, linked_at) FROM STDIN", links),
            ("COPY search_docs (identity_id, scope, support, words) FROM STDIN", docs),
        ):
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)


Query = tuple[str, str, "tuple[str, str] | None"]


def queries(draw: random.Random, people: int) -> Iterator[Query]:
    """(kind, query, agency) triples, round-robin over the kinds, about people present at every size."""
    while True:
        p = person(draw.randrange(people))
        surname = draw.choice([s for s in LAST if fold(s) != s.lower()])
        yield from [
            ("full email", p["email"], None),
            ("email prefix", p["email"][: len(p["first"]) + 4], None),
            ("surname prefix", p["last"][:4], None),
            ("accented surname", surname, None),
            ("login id prefix", p["login_id"][:5], None),
            ("agency codes + name", f"{p['client']} {p['company']} {p['last']}", None),
            ("no match", f"zq{draw.randrange(10**6)}x", None),
            ("agency staff: surname", p["last"], (p["client"], p["company"])),
            ("next page (cursor)", p["last"][:3], None),
        ]


def search_once(read_models: ReadModelQueries, kind: str, query: str, agency: tuple[str, str] | None) -> float:
    """Seconds one search took; for the next page, the page after a first one.
    Its CPU time in this process goes to ``CPU`` (SQLite's whole work; on
    PostgreSQL, the client's share only)."""
    words = query_words(query)
    after = None
    if kind == "next page (cursor)":
        first = read_models.search(words, agency, PAGE)
        after = first[PAGE - 2]["key"] if len(first) == PAGE else None
    started, cpu = time.perf_counter(), time.process_time()
    read_models.search(words, agency, PAGE, 0, after)
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started


def measure(url: str, people: int, seconds: float) -> dict[str, list[float]]:
    """Latency of each search, by kind of query, for ``seconds`` at most."""
    db = open_database(url)
    read_models = ReadModelQueries(db)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    CPU.clear()
    try:
        triples = queries(random.Random(7), people)
        for _ in range(len(KINDS)):  # warm the cache and the connection: one query of each kind
            search_once(read_models, *next(triples))
        deadline, rounds = time.monotonic() + seconds, 0
        while rounds < MIN_ROUNDS or (time.monotonic() < deadline and rounds < MAX_ROUNDS):
            rounds += 1
            for _ in KINDS:
                kind, query, agency = next(triples)
                times[kind].append(search_once(read_models, kind, query, agency))
    finally:
        close = getattr(db, "close", None)
        if close:
            close()
    return times


def run(sizes: list[int], backends: list[str], out: Path, work: Path, seconds: float) -> Section:
    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    fills: dict[tuple[str, int], float] = {}
    skipped = []
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            skipped.append(backend)
            continue
        with fresh(backend, work, "search") as url:
            db = open_database(url)
            db.migrate()
            getattr(db, "close", lambda: None)()
            present = 0
            for size in sizes:
                fills[(backend, size)] = populate(url, range(present, size))
                present = size
                results[(backend, size)] = measure(url, min(sizes), seconds)
                load = os.getloadavg()[0]
                LOADS[(backend, size)] = (percentile(CPU, 50), percentile(CPU, 95), load)
    rows = []
    for (backend, size), times in results.items():
        everything = [t for kind in KINDS for t in times[kind]]
        p95 = percentile(everything, 95)
        rows.append(Row(f"search p95, {size:,} identities, {backend}", ms(p95), f"p50 {ms(percentile(everything, 50))}",
                        None, f"< {ms(TARGET)}", p95 < TARGET))
    plot_search(out, results)
    return Section("Search", rows, describe(results, fills, skipped, seconds), ["bench-search.png"], miss(results))


def describe(results: dict[tuple[str, int], dict[str, list[float]]], fills: dict[tuple[str, int], float],
             skipped: list[str], seconds: float) -> str:
    overall = []
    for (backend, size), times in results.items():
        everything = [t for kind in KINDS for t in times[kind]]
        overall.append([
            backend, f"{size:,}", f"{fills[(backend, size)]:.0f} s", len(everything),
            ms(percentile(everything, 50)), ms(percentile(everything, 95)), ms(max(everything, default=float("nan"))),
        ])
    keys = list(results)
    by_kind = [
        [kind] + [f"{ms(percentile(results[k][kind], 50))} / {ms(percentile(results[k][kind], 95))}" for k in keys]
        for kind in KINDS
    ]
    note = f" PostgreSQL was not reachable, so its rows are missing ({', '.join(skipped)})." if skipped else ""
    return f"""\
`ReadModelQueries.search`, the query behind `GET /api/v1/support/identities?q=` (a page of 20 plus
one, each result with its contracts), timed in the benchmark's process on read models written
directly, not through the events (`bench/search.py`: Sésame's schema, the projection's own
`words_of` and `documents`; one contract per identity over 1,000 agencies, nine in ten active and
one in ten still activating; {len(FIRST)} first names and {len(LAST)} surnames, so names repeat as in life).
The engines: SQLite's FTS5 (prefix indexes of 2 to 8 characters, rowid order = newest first) and
PostgreSQL's GIN index over each document's words and beginnings of words (2 letters and more,
each an entry of its own; support reads its newest {WINDOW:,} documents first in `seq` order and asks
the index when they hold less than a page, an agency asks the index first for at most {WINDOW:,}
rows). The queries rotate over nine kinds,
each drawn afresh from the people present at every size: a full email, an email prefix
(`prenom.n`), a 4-letter surname prefix, an accented surname (`Lefèvre`, `Hébert`...: one in {len(LAST)}
of everyone), a 5-digit login-id prefix, agency codes and a surname (`AG017 SOC2 Martin`), a word
that matches nothing, a surname searched by that person's agency (agency scope), and the second
page of a 3-letter prefix through the first page's cursor; at least {MIN_ROUNDS} rounds of one query of each
kind per size, more while {seconds:g} s last (at most {MAX_ROUNDS}). The HTTP call adds the request's own cost,
about a millisecond, and is not measured here.{note}

{table(["backend", "identities", "population time", "searches", "p50", "p95", "max"], overall)}

By kind of query, p50 / p95:

{table(["query"] + [f"{b}, {s:,}" for b, s in keys], by_kind)}"""


LOADS: dict[tuple[str, int], tuple[float, float, float]] = {}  # CPU p50, p95 per search; load average after


def miss(results: dict[tuple[str, int], dict[str, list[float]]]) -> str:
    cpu = "; ".join(
        f"{backend} at {size:,}: {ms(p50)} / {ms(p95)} of CPU in the benchmark's process per search, "
        f"the machine's load average {load:.1f} on {cores()} cores"
        for (backend, size), (p50, p95, load) in LOADS.items()
    )
    slow = []
    for (backend, size), times in results.items():
        worst = sorted(KINDS, key=lambda kind: percentile(times[kind], 95) if times[kind] else 0, reverse=True)[:2]
        slow.append(f"{backend} at {size:,}: {', '.join(f'{k} {ms(percentile(times[k], 95))}' for k in worst)}")
    return f"""\
The slowest kinds of query, by p95: {"; ".join(slow)}.

CPU p50 / p95 and load: {cpu}. On SQLite the whole search runs in the benchmark's process, so its
CPU time is the work itself: where the wall-clock latency is many times that CPU time, the search
waited for a core (the machine was shared with the other engineers' test runs, a load average far
above its cores), not for the engine. On PostgreSQL the work is in the server; the same load falls
on it. What remains of the work: the engine's lookup (FTS5 prefix index or GIN entries), then
one query for the page's people and one for their contracts; on PostgreSQL, a common word walks
up to {WINDOW:,} newest documents before the page is full, and a rarer one asks the GIN index, whose
cost grows with the number of matches (the rows are fetched to be ordered by `seq`).

Profiled on PostgreSQL at 1,000,000 identities (`EXPLAIN (ANALYZE, BUFFERS)`, 2026-11-30): a
prefix term (`'fr':*`, `'soc5':*`) made GIN collect every entry it begins, hundreds of thousands of
rows, before intersecting (22 to 37 ms for the beginnings-of-words rank). Each beginning of a word
is now an entry of its own (`^fr`, migration `support-search-0002`), which GIN's fast scan
intersects like whole words (1 to 3 ms for `hugo blanchard0 sfr fr`, `AG183 SOC2 Blanchard`), and
the `support` flag, in nearly every document, is no longer an index term (walking its million-row
list doubled the scan). What remains is the heap: a query matching a few thousand people (`prenom.n`)
fetches them all to order them by `seq`, a few microseconds each."""


def plot_search(out: Path, results: dict[tuple[str, int], dict[str, list[float]]]) -> None:
    with plot(out, "bench-search.png", "Search: support search latency against identities", ncols=2) as (
        overall,
        kinds,
    ):
        for backend, colour in (("sqlite", "tab:blue"), ("postgresql", "tab:orange")):
            sizes = [s for b, s in results if b == backend]
            if not sizes:
                continue
            for q, style in ((50, "o-"), (95, "x:")):
                everything = [[t for kind in KINDS for t in results[(backend, s)][kind]] for s in sizes]
                overall.plot(
                    sizes, [percentile(e, q) * 1000 for e in everything], style, color=colour, label=f"{backend}, p{q}"
                )
        overall.axhline(TARGET * 1000, color="tab:red", linestyle="--", label="target: p95 < 20 ms")
        overall.set_xscale("log")
        overall.set_xlabel("identities")
        overall.set_ylabel("search latency (ms)")
        overall.legend()
        keys = list(results)
        width = 0.8 / max(1, len(keys))
        for i, key in enumerate(keys):
            kinds.bar(
                [k + i * width for k in range(len(KINDS))],
                [percentile(results[key][kind], 95) * 1000 for kind in KINDS],
                width,
                label=f"{key[0]}, {key[1]:,}",
            )
        kinds.axhline(TARGET * 1000, color="tab:red", linestyle="--")
        kinds.set_xticks([k + 0.4 - width / 2 for k in range(len(KINDS))], KINDS, rotation=30, ha="right", fontsize=8)
        kinds.set_yscale("log")
        kinds.set_ylabel("p95 (ms)")
        kinds.legend(fontsize=8)
