"""Search: support search p50/p95 against the number of identities.

Activating a million people through the API would take hours of argon2, so
the read models are written directly, the way the projections would have
written them: the schema is Sésame's own (``adapters.schema.SCHEMA`` and
``projections.support_search.SCHEMA``, created by ``Database.create_schema``
as ``bootstrap`` does) and the search terms come from the projection's own
``terms_of``. Every identity has one contract of an agency; nine in ten are
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

import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.bootstrap import open_database
from adapters.database import compose
from adapters.schema import SCHEMA
from bench.common import percentile
from bench.databases import fresh, postgres_available
from bench.report import Row, Section, ms, plot, table
from projections.queries import ReadModelQueries
from projections.support_search import SCHEMA as SEARCH_SCHEMA
from projections.support_search import SCHEMA_INDEXES, fold, query_words, terms_of

TARGET = 0.020  # seconds, p95
CHUNK = 50_000  # identities per transaction while populating
MIN_ROUNDS, MAX_ROUNDS = 3, 100  # rounds of one query of each kind: at least, and at most within the time
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
    "no match",
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


def rows_of(numbers: range) -> tuple[Rows, Rows, Rows, list[tuple[str, str, str]]]:
    """read_identities, read_accounts, read_identity_accounts and search_terms rows of these people."""
    identities: Rows = []
    accounts: Rows = []
    links: Rows = []
    terms: list[tuple[str, str, str]] = []
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
        terms += [("identity", p["identity"], t) for t in terms_of(p["identity"], p["email"])]
        terms += [("account", p["account"], t) for t in terms_of(p["login_id"], p["client"], p["company"])]
        terms += [("holder", p["account"], t) for t in terms_of(holder)]
    return identities, accounts, links, terms


IDENTITY_COLUMNS = ("identity_id, status, email, proposed_email, terms_version, default_account, activating_account, "
                    "next_step, started_at, updated_at")


def populate(url: str, numbers: range) -> float:
    """Write these people's read-model rows; the seconds it took."""
    began = time.monotonic()
    for start in range(numbers.start, numbers.stop, CHUNK):
        identities, accounts, links, terms = rows_of(range(start, min(start + CHUNK, numbers.stop)))
        if url.startswith("sqlite:"):
            _sqlite_write(url, identities, accounts, links, terms)
        else:
            _postgres_write(url, identities, accounts, links, terms)
    if not url.startswith("sqlite:"):  # autovacuum would, soon after a real load; SQLite's Sésame never runs ANALYZE
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("ANALYZE")
    return time.monotonic() - began


def _sqlite_write(url: str, identities: list[Any], accounts: list[Any], links: list[Any], terms: list[Any]) -> None:
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
        connection.executemany("INSERT INTO search_terms (kind, owner_id, term) VALUES (?,?,?)", terms)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _postgres_write(url: str, identities: list[Any], accounts: list[Any], links: list[Any], terms: list[Any]) -> None:
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
            ("COPY search_terms (kind, owner_id, term) FROM STDIN", terms),
        ):
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)


def queries(draw: random.Random, people: int) -> Iterator[tuple[str, str]]:
    """(kind, query) pairs, round-robin over the kinds, about people present at every size."""
    while True:
        p = person(draw.randrange(people))
        surname = draw.choice([s for s in LAST if fold(s) != s.lower()])
        yield from [
            ("full email", p["email"]),
            ("email prefix", p["email"][: len(p["first"]) + 4]),
            ("surname prefix", p["last"][:4]),
            ("accented surname", surname),
            ("login id prefix", p["login_id"][:5]),
            ("agency codes + name", f"{p['client']} {p['company']} {p['last']}"),
            ("no match", f"zq{draw.randrange(10**6)}x"),
        ]


def measure(url: str, people: int, seconds: float) -> dict[str, list[float]]:
    """Latency of each search, by kind of query, for ``seconds`` at most."""
    db = open_database(url)
    read_models = ReadModelQueries(db)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    try:
        pairs = queries(random.Random(7), people)
        for _ in range(len(KINDS)):  # warm the cache and the connection: one query of each kind
            read_models.search(query_words(next(pairs)[1]), None, PAGE, 0)
        deadline, rounds = time.monotonic() + seconds, 0
        while rounds < MIN_ROUNDS or (time.monotonic() < deadline and rounds < MAX_ROUNDS):
            rounds += 1
            for _ in KINDS:
                kind, query = next(pairs)
                started = time.perf_counter()
                read_models.search(query_words(query), None, PAGE, 0)
                times[kind].append(time.perf_counter() - started)
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
            db.create_schema(SCHEMA + SEARCH_SCHEMA[db.dialect] + SCHEMA_INDEXES)
            getattr(db, "close", lambda: None)()
            present = 0
            for size in sizes:
                fills[(backend, size)] = populate(url, range(present, size))
                present = size
                results[(backend, size)] = measure(url, min(sizes), seconds)
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
`ReadModelQueries.search`, the query behind `GET /api/v1/support/identities?q=` for support staff
(no agency scope, a page of 20 plus one, each result with its contracts), timed in the benchmark's
process on read models written directly (`bench/search.py`: Sésame's schema, the projection's own
`terms_of`; one contract per identity over 1,000 agencies, nine in ten active and one in ten still
activating; {len(FIRST)} first names and {len(LAST)} surnames, so names repeat as in life). The
queries rotate over seven kinds, each drawn afresh from the people present at every size: a full
email, an email prefix (`prenom.n`), a 4-letter surname prefix, an accented surname (`Lefèvre`,
`Hébert`...: one in {len(LAST)} of everyone), a 5-digit login-id prefix, agency codes and a surname
(`AG017 SOC2 Martin`) and a word that matches nothing; at least
{MIN_ROUNDS} rounds of one query of each kind per size, more while {seconds:g} s last (at most {MAX_ROUNDS}).
The HTTP call (`GET /api/v1/support/identities?q=` on a running server) adds the request's own
cost, about a millisecond on this machine (see Login), and is not measured here.{note}

{table(["backend", "identities", "population time", "searches", "p50", "p95", "max"], overall)}

By kind of query, p50 / p95:

{table(["query"] + [f"{b}, {s:,}" for b, s in keys], by_kind)}"""


def miss(results: dict[tuple[str, int], dict[str, list[float]]]) -> str:
    slow = []
    for (backend, size), times in results.items():
        worst = sorted(KINDS, key=lambda kind: percentile(times[kind], 95) if times[kind] else 0, reverse=True)[:2]
        slow.append(f"{backend} at {size:,}: {', '.join(f'{k} {ms(percentile(times[k], 95))}' for k in worst)}")
    return f"""\
The slowest kinds of query, by p95: {"; ".join(slow)}.

On SQLite, before commit 4517da2 its planner served each `t.kind = ... AND t.term` range from
the primary key `(kind, owner_id, term)`, reading every term of a kind, linear in identities; with
4517da2's `(kind, term)` index, `EXPLAIN QUERY PLAN` shows
`SEARCH t USING INDEX search_terms_kind_term (kind=? AND term>? AND term<?)`: one probe per word.

On both backends, what remains grows with the number of matches, not of identities: a word that
many people share (a common surname, a short prefix) reaches thousands of identities, every one
of them collected through the `UNION` of the three ways a term reaches an identity, intersected
with the other words, then sorted by `updated_at` before the first page is cut. What would close
it: run the most selective word first and probe the others per candidate, stop once a page is
found (walk `read_identities` by `updated_at` and probe the terms per identity when a word is
common), and require at least three characters per word."""


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
