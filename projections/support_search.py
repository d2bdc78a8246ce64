"""The support-search read model: one search document per person and scope,
indexed by the database's own full-text engine.

A person's document holds the folded words (no accents, case-folded, split
into letters and digits) of their email addresses and of every contract that
reaches them (linked, or being activated): login id, holder name, agency
codes, property, agency name; a query that is an identity id is looked up
instead. A person of one agency has one document, under that agency's scope;
a person of several has one per agency, holding only that agency's
contracts, and one of everything for support staff: an agency's query reads
only its own scope, so it can only match what the agency may see
(``projections/agency_scope.py`` names the scopes); support reads every
document marked ``support``. Words are folded here, in Python, for both
databases, so they agree on what "é" or "œ" is; the engines only match them:

- SQLite: an FTS5 index over ``search_docs`` (external content, kept by
  triggers), with prefix indexes for 2 to 8 characters;
- PostgreSQL: a ``tsvector`` column generated from the words (no dictionary,
  so no ``unaccent`` or other extension is needed: the words come folded, and
  ``'word':*`` matches their beginnings), and a GIN index over
  ``search_lexemes``: the words, the scope, and every beginning of a word as
  an entry of its own (``^mar``), as FTS5's prefix indexes hold them.

Every rewrite of a document gives it a new ``seq``, larger than all before,
so the newest-changed person comes first and a page resumes after the last
``seq`` it showed (keyset), through the engine's own rowid order on SQLite.

The projection keeps what it needs to rewrite a document (a person's words,
a contract's words, the links between) in tables of its own: a projection
never reads another's tables, which may be ahead or behind it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import singledispatchmethod
from typing import Any

from adapters.database import Tx
from domain.agency_account import AgencyAccount
from domain.identity import Identity
from projections.agency_scope import SUPPORT_SCOPE, scope_key
from projections.follower import Projection

MAX_QUERY_WORDS = 8
_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})  # French writes them; Unicode does not decompose them


def fold(text: str) -> str:
    """Lower case without accents: « Hélène » and « helene », « Œuvray » and « oeuvray » are one word."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(_LIGATURES)


def words_of(*texts: str | None) -> list[str]:
    """The folded words (runs of letters and digits) of the texts, each once, in order."""
    return list(dict.fromkeys(w[:64] for text in texts if text for w in _WORD.findall(fold(text))))


def identity_query(words: list[str]) -> str | None:
    """The identity id a query is, if it is one: ids are looked up, not indexed
    (five random words per person would double the index for one exact use)."""
    joined = "-".join(words)
    uuid_shaped = [len(w) for w in words] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdef-" for c in joined)
    return joined if uuid_shaped else None


def query_words(query: str) -> list[str]:
    """The words a query must all find, as the documents were cut: ``jean.mar``
    is ``jean`` and ``mar``, each the beginning of a word of the person."""
    return words_of(query)[:MAX_QUERY_WORDS]


def documents(person: str, contracts: list[tuple[str, str, str]]) -> list[tuple[str, int, str]]:
    """(scope, for support, words) of one person's documents. ``contracts`` are
    (client code, company code, words). A person of one agency has one
    document, which both support and that agency read; a person of several
    has one per agency, and one of everything that only support reads."""
    by_agency: dict[str, list[str]] = {}
    for client, company, words in contracts:
        by_agency.setdefault(scope_key((client, company)), []).append(words)
    if len(by_agency) < 2:
        scope = next(iter(by_agency), SUPPORT_SCOPE)
        return [(scope, 1, _joined(person, *(words for *_, words in contracts)))]
    every = (SUPPORT_SCOPE, 1, _joined(person, *(words for *_, words in contracts)))
    return [every] + [(scope, 0, _joined(person, *words)) for scope, words in by_agency.items()]


def _joined(*parts: str) -> str:
    return " ".join(dict.fromkeys(" ".join(parts).split()))


def refresh(tx: Tx, identity_id: str) -> None:
    """Rewrite one person's documents from the projection's own tables."""
    tx.execute("DELETE FROM search_docs WHERE identity_id = :id", {"id": identity_id})
    person = tx.execute("SELECT words FROM search_people WHERE identity_id = :id", {"id": identity_id}).one()
    if person is None:
        return
    contracts = tx.execute(
        "SELECT c.client_code, c.company_code, c.codes, c.details FROM search_links l "
        "JOIN search_contracts c ON c.account_id = l.account_id WHERE l.identity_id = :id ORDER BY c.account_id",
        {"id": identity_id},
    ).all()
    found = [(c["client_code"], c["company_code"], f"{c['codes']} {c['details']}") for c in contracts]
    for scope, support, words in documents(person["words"], found):
        tx.execute(
            "INSERT INTO search_docs (identity_id, scope, support, words) VALUES (:id, :scope, :support, :words)",
            {"id": identity_id, "scope": scope, "support": support, "words": words},
        )


def refresh_contract(tx: Tx, account_id: str) -> None:
    """Rewrite the documents of everyone the contract reaches."""
    for row in tx.execute("SELECT identity_id FROM search_links WHERE account_id = :a", {"a": account_id}).all():
        refresh(tx, row["identity_id"])


def forget_contract(tx: Tx, account_id: str) -> None:
    """A contract erased: its words leave every document (its agency stays, wordless)."""
    tx.execute("UPDATE search_contracts SET codes = '', details = '' WHERE account_id = :a", {"a": account_id})
    refresh_contract(tx, account_id)


def forget_person(tx: Tx, identity_id: str) -> None:
    """A person erased: only their identity id still finds them (the history
    stays addressable, see ``identity_query``), through no contract."""
    tx.execute("UPDATE search_people SET words = '' WHERE identity_id = :id", {"id": identity_id})
    tx.execute("DELETE FROM search_links WHERE identity_id = :id", {"id": identity_id})
    refresh(tx, identity_id)


class SupportSearchProjection(Projection):
    name = "support_search_docs"
    migrations = "support_search"
    tables = ("search_docs", "search_people", "search_contracts", "search_links")

    def forget(self, tx: Tx, identity_id: str) -> None:
        forget_person(tx, identity_id)

    def forget_contract(self, tx: Tx, account_id: str) -> None:
        forget_contract(tx, account_id)

    @staticmethod
    def _person(tx: Tx, identity_id: str, *texts: str) -> None:
        tx.execute(
            "UPDATE search_people SET words = :words WHERE identity_id = :id",
            {"id": identity_id, "words": " ".join(words_of(*texts))},
        )
        refresh(tx, identity_id)

    @staticmethod
    def _leave_activation(tx: Tx, identity_id: str) -> None:
        tx.execute("DELETE FROM search_links WHERE identity_id = :id AND kind = 'activating'", {"id": identity_id})
        refresh(tx, identity_id)

    @singledispatchmethod
    def apply(self, event: Any, position: int, tx: Tx) -> None:
        """Events that change no document."""

    @apply.register
    def _(self, event: Identity.ActivationStarted, position: int, tx: Tx) -> None:
        identity = str(event.originator_id)
        tx.execute(
            "INSERT INTO search_people (identity_id, words) VALUES (:id, '') ON CONFLICT (identity_id) DO NOTHING",
            {"id": identity},
        )
        tx.execute(
            "INSERT INTO search_links (identity_id, account_id, kind) VALUES (:id, :a, 'activating') "
            "ON CONFLICT (identity_id, account_id) DO NOTHING",
            {"id": identity, "a": str(event.account_id)},
        )
        refresh(tx, identity)

    @apply.register
    def _(self, event: Identity.EmailProposed, position: int, tx: Tx) -> None:
        """Every address proposed during the activation keeps finding the person."""
        identity = str(event.originator_id)
        row = tx.execute("SELECT words FROM search_people WHERE identity_id = :id", {"id": identity}).one()
        self._person(tx, identity, row["words"] if row else "", event.email)

    @apply.register
    def _(self, event: Identity.EmailChanged, position: int, tx: Tx) -> None:
        """Rectification: the old address stops finding the person."""
        self._person(tx, str(event.originator_id), event.new_email)

    @apply.register
    def _(self, event: Identity.EmailVerified, position: int, tx: Tx) -> None:
        self._leave_activation(tx, str(event.originator_id))

    @apply.register
    def _(self, event: Identity.ActivationReset, position: int, tx: Tx) -> None:
        self._leave_activation(tx, str(event.originator_id))

    @apply.register
    def _(self, event: Identity.MergedInto, position: int, tx: Tx) -> None:
        self._leave_activation(tx, str(event.originator_id))

    @apply.register
    def _(self, event: Identity.AccountLinked, position: int, tx: Tx) -> None:
        identity = str(event.originator_id)
        tx.execute(
            "INSERT INTO search_links (identity_id, account_id, kind) VALUES (:id, :a, 'linked') "
            "ON CONFLICT (identity_id, account_id) DO UPDATE SET kind = 'linked'",
            {"id": identity, "a": str(event.account_id)},
        )
        refresh(tx, identity)

    @apply.register
    def _(self, event: Identity.Erased, position: int, tx: Tx) -> None:
        forget_person(tx, str(event.originator_id))

    @apply.register
    def _(self, event: AgencyAccount.Imported, position: int, tx: Tx) -> None:
        account = str(event.originator_id)
        tx.execute(
            "INSERT INTO search_contracts (account_id, client_code, company_code, codes, details) "
            "VALUES (:a, :client, :company, :codes, :details) ON CONFLICT (account_id) DO NOTHING",
            {
                "a": account, "client": event.client_code, "company": event.company_code,
                "codes": " ".join(words_of(event.login_id, event.client_code, event.company_code)),
                "details": _details(event),
            },
        )
        refresh_contract(tx, account)

    @apply.register
    def _(self, event: AgencyAccount.Updated, position: int, tx: Tx) -> None:
        account = str(event.originator_id)
        details = _details(event)
        tx.execute(
            "UPDATE search_contracts SET details = :details WHERE account_id = :a", {"a": account, "details": details}
        )
        refresh_contract(tx, account)

    @apply.register
    def _(self, event: AgencyAccount.Erased, position: int, tx: Tx) -> None:
        forget_contract(tx, str(event.originator_id))


def _details(event: Any) -> str:
    """The words of what a re-import may change; ``property`` and
    ``agency_name`` are read with a default, as older events lack them."""
    return " ".join(words_of(event.holder_name, getattr(event, "property", ""), getattr(event, "agency_name", "")))
