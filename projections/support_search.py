"""The support-search read model: prefix and accent-insensitive search terms.

Terms are folded (no accents, case-folded) words of an identity's emails and
of its contracts' login ids, holder names and agency codes, each kept whole
and split into words. A contract's codes and login id never change; its
holder name's terms are kept apart so a re-import rewrites only those. A query
word matches any term it begins, through a B-tree range scan (``kind = k AND
term >= q AND term < q + U+FFFF``) that both SQLite and PostgreSQL (with
``COLLATE "C"``) serve from the (kind, term) index, so a search costs a few
index probes however many identities there are. Contract terms are kept per
contract and joined through the profile's links at query time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import singledispatchmethod
from typing import Any

from adapters.database import Tx
from domain.agency_account import AgencyAccount
from domain.identity import Identity
from projections.follower import Projection

SCHEMA = {
    "sqlite": [
        "CREATE TABLE IF NOT EXISTS search_terms (kind TEXT NOT NULL, owner_id TEXT NOT NULL, term TEXT NOT NULL, "
        "PRIMARY KEY (kind, owner_id, term))"
    ],
    "postgresql": [
        "CREATE TABLE IF NOT EXISTS search_terms "
        '(kind TEXT NOT NULL, owner_id TEXT NOT NULL, term TEXT COLLATE "C" NOT NULL, '
        "PRIMARY KEY (kind, owner_id, term))"
    ],
}
# (kind, term): equality on the kind, then the word's range, in one index probe;
# the primary key (kind, owner_id, term) would read every term of the kind.
SCHEMA_INDEXES = ["CREATE INDEX IF NOT EXISTS search_terms_kind_term ON search_terms (kind, term)"]
HIGHEST = "\uffff"


def fold(text: str) -> str:
    """Lower case without accents: « Hélène » and « helene » are one word."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def terms_of(*texts: str) -> set[str]:
    """Every whole value and every word in it, folded."""
    terms = set()
    for text in texts:
        folded = fold(text or "").strip()
        if folded:
            terms.add(folded[:200])
            terms.update(w for w in re.split(r"[^\w]+", folded) if w)
    return terms


def query_words(query: str) -> list[str]:
    """The words of a query, folded; a word keeps its dots and @ to match emails."""
    return [w for w in (fold(part) for part in query.split()) if w][:5]


class SupportSearchProjection(Projection):
    name = "support_search"
    tables = ("search_terms",)

    def _replace(self, tx: Tx, kind: str, owner: str, *texts: str) -> None:
        tx.execute("DELETE FROM search_terms WHERE kind = :k AND owner_id = :o", {"k": kind, "o": owner})
        for term in terms_of(*texts):
            tx.execute(
                "INSERT INTO search_terms (kind, owner_id, term) VALUES (:k, :o, :t)",
                {"k": kind, "o": owner, "t": term},
            )

    def _add(self, tx: Tx, kind: str, owner: str, *texts: str) -> None:
        for term in terms_of(*texts):
            tx.execute(
                "INSERT INTO search_terms (kind, owner_id, term) VALUES (:k, :o, :t) ON CONFLICT DO NOTHING",
                {"k": kind, "o": owner, "t": term},
            )

    @singledispatchmethod
    def apply(self, event: Any, position: int, tx: Tx) -> None:
        """Events that change no search term."""

    @apply.register
    def _(self, event: Identity.ActivationStarted, position: int, tx: Tx) -> None:
        self._add(tx, "identity", str(event.originator_id), str(event.originator_id))

    @apply.register
    def _(self, event: Identity.EmailProposed, position: int, tx: Tx) -> None:
        self._add(tx, "identity", str(event.originator_id), event.email)

    @apply.register
    def _(self, event: Identity.EmailChanged, position: int, tx: Tx) -> None:
        """Rectification: the old address stops finding the person."""
        self._replace(tx, "identity", str(event.originator_id), str(event.originator_id), event.new_email)

    @apply.register
    def _(self, event: Identity.Erased, position: int, tx: Tx) -> None:
        self._replace(tx, "identity", str(event.originator_id), str(event.originator_id))

    @apply.register
    def _(self, event: AgencyAccount.Imported, position: int, tx: Tx) -> None:
        owner = str(event.originator_id)
        self._replace(tx, "account", owner, event.login_id, event.client_code, event.company_code)
        self._replace(tx, "holder", owner, event.holder_name)

    @apply.register
    def _(self, event: AgencyAccount.Updated, position: int, tx: Tx) -> None:
        self._replace(tx, "holder", str(event.originator_id), event.holder_name)

    @apply.register
    def _(self, event: AgencyAccount.Erased, position: int, tx: Tx) -> None:
        tx.execute(
            "DELETE FROM search_terms WHERE kind IN ('account', 'holder') AND owner_id = :o",
            {"o": str(event.originator_id)},
        )
