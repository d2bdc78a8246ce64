"""Queries over the read models (the ReadModels port), and waiting for them."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.database import Database, Tx, compose, in_list
from application.contract_view import contract_row_view
from projections.agency_scope import AgencyScope
from projections.support_search import identity_query

RANKS = (0, 1)  # every query word a whole word of the person; then beginnings of words
BEYOND = 2**62  # a seq above every document's
WINDOW = 2000  # PostgreSQL: newest documents read in order before asking the GIN index
BEGINS = "^"  # PostgreSQL: what marks a beginning of a word in the GIN index (migration 0002)


class ReadModelQueries:
    def __init__(self, db: Database, projections: tuple[str, ...] = ("profile", "support_search_docs")) -> None:
        self.db = db
        self.projections = projections
        self.wait_timeout = 5.0

    def wait_for(self, position: int) -> None:
        """Block until every read model has applied ``position`` (read your
        writes), or ``wait_timeout`` seconds have passed."""
        deadline = time.monotonic() + self.wait_timeout
        delay = 0.002
        while self._position() < position and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _position(self) -> int:
        """How far the slowest read model has read."""
        with self.db.read() as tx:
            rows = tx.execute("SELECT name, position FROM tracking").all()
        positions = {row["name"]: int(row["position"]) for row in rows}
        return min(positions.get(name, 0) for name in self.projections)

    def profile(self, identity_id: UUID) -> dict[str, Any] | None:
        with self.db.read() as tx:
            identity = tx.execute(
                "SELECT * FROM read_identities WHERE identity_id = :id AND status = 'active'", {"id": str(identity_id)}
            ).one()
            if identity is None:
                return None
            accounts = tx.execute(
                "SELECT a.account_id, a.client_code, a.company_code, a.login_id, a.holder_name, a.role, "
                "a.agency_name, a.property "
                "FROM read_identity_accounts l JOIN read_accounts a ON a.account_id = l.account_id "
                "WHERE l.identity_id = :id ORDER BY l.linked_at, a.account_id",
                {"id": str(identity_id)},
            ).all()
        return {
            "id": identity["identity_id"],
            "email": identity["email"],
            "accounts": [contract_row_view(a) for a in accounts],
            "default_account": identity["default_account"],
            "terms_version": identity["terms_version"],
        }

    def search(
        self, words: list[str], agency: tuple[str, str] | None, limit: int, offset: int = 0,
        after: tuple[int, int] | None = None,
    ) -> list[dict[str, Any]]:
        """Identities whose visible words every query word begins, ranked: those
        where each is a whole word first, then the rest, each rank newest-changed
        first. A page starts after the ``key`` (rank, seq) of the last row of the
        page before, or skips ``offset`` rows; each row carries its ``key``."""
        scope = AgencyScope(agency)
        found: list[tuple[tuple[int, int], str]] = []
        with self.db.read() as tx:
            for rank in RANKS:
                if after is not None and after[0] > rank:
                    continue
                before = after[1] if after is not None and after[0] == rank else BEYOND
                wanted = limit + offset - len(found)
                matches = self._matches(tx, words, scope, rank, before, wanted)
                found += [((rank, seq), identity) for seq, identity in matches]
                if len(found) >= limit + offset:
                    break
            page = found[offset:offset + limit]
            ids, params = in_list("i", [identity for _, identity in page])
            rows = tx.execute(
                compose(
                    "SELECT r.identity_id, r.status, r.email, r.proposed_email, r.updated_at FROM read_identities r "
                    "WHERE r.identity_id IN {ids} AND {visible}",
                    ids=ids, visible=scope.identity("r.identity_id"),
                ),
                {**params, **scope.params},
            ).all()
            by_id = {row["identity_id"]: dict(row) for row in rows}
            contracts = self._contracts(tx, list(by_id), scope)
            return [
                {**by_id[identity], "key": key, "accounts": contracts[identity]}
                for key, identity in page
                if identity in by_id
            ]

    def _matches(
        self, tx: Tx, words: list[str], scope: AgencyScope, rank: int, before: int, limit: int
    ) -> list[tuple[int, str]]:
        """(seq, identity) of the scope's documents of this rank below ``before``,
        newest first. The second rank asks for beginnings of words and leaves
        out the documents of the first: PostgreSQL on the rows its index found,
        SQLite here (FTS5's ``NOT`` walks every match). SQLite's support query
        reads every document and leaves out here the agencies' own of people of
        several agencies (a scope word in every other document would cost more
        to walk than the query's words); so it fetches on until the page is full."""
        found: list[tuple[int, str]] = []
        whole = set(words)
        if rank and identity_query(words):
            return found  # an id is whole or nothing
        while len(found) < limit:
            batch = self._batch(tx, words, scope, rank, before, limit)
            found += [
                (int(row["seq"]), row["identity_id"])
                for row in batch
                if (scope.agency is not None or row["support"])
                and (rank == 0 or not whole <= set(row["words"].split()))
            ]
            if len(batch) < limit:
                break
            before = int(batch[-1]["seq"])
        return found[:limit]

    def _batch(
        self, tx: Tx, words: list[str], scope: AgencyScope, rank: int, before: int, limit: int
    ) -> list[Any]:
        """The engine's answer: every word whole (rank 0) or begun (rank 1), or the identity id."""
        params: dict[str, Any] = {"scope": scope.search_scope, "before": before, "limit": limit, "window": WINDOW}
        visible = "scope = :scope" if scope.agency is not None else "support = 1"
        identity = identity_query(words)
        if identity is not None:
            params["match"] = identity
            return tx.execute(
                compose(
                    "SELECT seq, identity_id, support, words FROM search_docs WHERE {visible} AND identity_id = :match "
                    "AND seq < :before ORDER BY seq DESC LIMIT :limit",
                    visible=visible,
                ),
                params,
            ).all()
        if self.db.dialect == "postgresql":
            return self._postgres_batch(tx, words, scope, rank, params, visible)
        params["match"] = "words : (" + " AND ".join(f'"{w}"' + ("*" if rank else "") for w in words) + ")"
        if scope.agency is not None:
            params["match"] = f'scope : "{scope.search_scope}" AND {params["match"]}'
        return tx.execute(
            "SELECT rowid AS seq, identity_id, support, words FROM search_fts WHERE search_fts MATCH :match "
            "AND rowid < :before ORDER BY rowid DESC LIMIT :limit",
            params,
        ).all()

    @staticmethod
    def _postgres_batch(
        tx: Tx, words: list[str], scope: AgencyScope, rank: int, params: dict[str, Any], visible: str
    ) -> list[Any]:
        """The GIN index over ``search_lexemes`` (migration 0002) holds whole
        words, beginnings of words (``^mar``) and each agency's scope as entries
        of their own; it finds every match unordered, each row then fetched to
        be sorted, and a common word would fetch thousands. So support reads its
        newest ``WINDOW`` documents (the table's last pages) first, in ``seq``
        order, and asks the index only when they hold less than a page; an
        agency's documents lie scattered, but its scope entry bounds what the
        index finds: the index first, at most ``WINDOW`` rows, and the newest
        documents only beyond. The exact query runs on the rows found, over the
        generated ``tsv``: its scope marker (``_support`` or the agency's, so
        no other condition on the scope, which the planner would read through
        another index), the beginnings, and for the second rank not every word
        whole (on the rows found: an index ``NOT`` walks them all)."""
        marker = f"_{scope.search_scope}" if scope.agency is not None else "_support"
        params["match"] = " & ".join([f"'{marker}'"] + [f"'{w}'" + (":*" if rank else "") for w in words])
        params["whole"] = " & ".join(f"'{w}'" for w in words)
        # A one-letter beginning (not an entry) is left to the exact query; alone, to the index's prefix scan.
        own = [f"'_{scope.search_scope}'"] if scope.agency is not None else []
        terms = own + [f"'{BEGINS}{w}'" if rank else f"'{w}'" for w in words if not rank or len(w) > 1]
        params["index"] = " & ".join(terms or [f"'{w}':*" for w in words])
        exact = "tsv @@ CAST(:match AS tsquery)" + (" AND NOT tsv @@ CAST(:whole AS tsquery)" if rank else "")

        def indexed(cap: int | None) -> list[Any]:
            """The index's matches, at most ``cap`` (None: all), each row with how many there were."""
            return tx.execute(
                compose(
                    "WITH m AS MATERIALIZED (SELECT seq, identity_id, support, words FROM search_docs "
                    "WHERE search_lexemes(words, scope) @@ CAST(:index AS tsquery) AND {exact} "
                    "AND seq < :before LIMIT :cap) "
                    "SELECT *, (SELECT count(*) FROM m) AS found FROM m ORDER BY seq DESC LIMIT :limit",
                    exact=exact,
                ),
                {**params, "cap": cap},
            ).all()

        if scope.agency is not None:
            bounded = indexed(params["window"])
            if not bounded or bounded[0]["found"] < params["window"]:
                return bounded
        newest = tx.execute(
            compose(
                "SELECT seq, identity_id, support, words FROM (SELECT seq, identity_id, support, words, tsv "
                "FROM search_docs WHERE {visible} AND seq < :before ORDER BY seq DESC LIMIT :window) d "
                "WHERE {exact} ORDER BY seq DESC LIMIT :limit",
                visible=visible, exact=exact,
            ),
            params,
        ).all()
        if len(newest) == params["limit"]:
            return newest
        return indexed(None)

    def _contracts(self, tx: Tx, identity_ids: list[str], scope: AgencyScope) -> dict[str, list[dict[str, Any]]]:
        """Each identity's visible contracts: linked, or the one being activated;
        one query for a whole page, each branch through its own index."""
        ids, params = in_list("c", identity_ids)
        columns = "a.account_id AS id, a.client_code, a.company_code, a.login_id, a.holder_name, a.role"
        rows = tx.execute(
            compose(
                "SELECT l.identity_id AS owner, {columns}, 'linked' AS link FROM read_identity_accounts l "
                "JOIN read_accounts a ON a.account_id = l.account_id WHERE l.identity_id IN {ids} AND {visible} "
                "UNION ALL SELECT i.identity_id AS owner, {columns}, 'activating' AS link FROM read_identities i "
                "JOIN read_accounts a ON a.account_id = i.activating_account WHERE i.identity_id IN {ids} "
                "AND i.status = 'activating' AND {visible} ORDER BY client_code, company_code, login_id",
                columns=columns, ids=ids, visible=scope.contract("a.account_id"),
            ),
            {**params, **scope.params},
        ).all()
        contracts: dict[str, list[dict[str, Any]]] = {identity: [] for identity in identity_ids}
        for row in rows:
            contract = dict(row)
            contracts[contract.pop("owner")].append(contract)
        return contracts

    def support_profile(self, identity_id: UUID, agency: tuple[str, str] | None) -> dict[str, Any] | None:
        """Status, visible contracts and pending steps of one identity, if in scope."""
        scope = AgencyScope(agency)
        with self.db.read() as tx:
            row = tx.execute(
                compose(
                    "SELECT r.identity_id, r.status, r.email, r.proposed_email, r.terms_version, r.next_step, "
                    "r.pending_email, r.reset_pending_until, r.started_at, r.updated_at, "
                    "CASE WHEN {default_visible} THEN r.default_account END AS default_account "
                    "FROM read_identities r WHERE r.identity_id = :id AND {visible}",
                    default_visible=scope.contract("r.default_account"), visible=scope.identity("r.identity_id"),
                ),
                {"id": str(identity_id), **scope.params},
            ).one()
            if row is None:
                return None
            profile = dict(row)
            profile["accounts"] = self._contracts(tx, [str(identity_id)], scope)[str(identity_id)]
        return profile

    def known_accounts(self, account_ids: list[UUID]) -> set[UUID]:
        condition, params = self.db.one_of("account_id", "ids", [str(a) for a in account_ids])
        with self.db.read() as tx:
            rows = tx.execute(compose("SELECT account_id FROM read_accounts WHERE {condition}", condition=condition),
                              params).all()
        return {UUID(row["account_id"]) for row in rows}

    def ended_before(self, cutoff: datetime, limit: int) -> list[UUID]:
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT account_id FROM read_accounts WHERE ended_at IS NOT NULL AND ended_at <= :cutoff "
                "AND login_id <> '' ORDER BY ended_at LIMIT :limit",
                {"cutoff": cutoff.isoformat(), "limit": limit},
            ).all()
        return [UUID(row["account_id"]) for row in rows]

    def pending_identities(self, email: str) -> list[UUID]:
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT identity_id FROM read_identities WHERE proposed_email = :email AND status = 'activating'",
                {"email": email},
            ).all()
        return [UUID(row["identity_id"]) for row in rows]

