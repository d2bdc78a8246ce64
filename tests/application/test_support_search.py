"""Support search means the same on SQLite (FTS5) and PostgreSQL (tsvector, GIN):
one suite, run against each, over people made by the use cases themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.bootstrap import Container, bootstrap
from application.config import Settings
from application.errors import Refused
from application.support import CURSOR_PATTERN, _cursor
from projections import queries
from projections.agency_scope import scope_key
from projections.support_search import documents, query_words
from tests.application.test_retention import activated
from tests.conftest import TEST_SECRET
from tests.e2e.harness import create_database, drop_database
from tests.servers import postgres

PAGED = 25


def contract(app: Container, client: str, login: str, holder: str, email: str = "") -> dict[str, str]:
    row = {"client_code": client, "company_code": client.replace("AG", "SOC"), "login_id": login,
           "provisional_password": "123456", "email": email, "holder_name": holder, "role": "tenant"}
    assert app.importer.run([(2, row)]).added == 1
    return row


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def people(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Container, dict[str, Any]]]:
    """One population per backend, searched by every test of the module."""
    name = create_database() if request.param == "postgresql" else ""
    url = postgres() + name if name else f"sqlite:///{tmp_path_factory.mktemp('search')}/sesame.db"
    app = bootstrap(Settings.from_env({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET, "THROTTLE_DELAY_SCALE": "0"}))
    try:
        yield app, populate(app)
    finally:
        app.stop()
        if name:
            drop_database(name)


def populate(app: Container) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    ids["helene"] = activated(app, contract(app, "AG1", "HEL001", "Hélène Lefèvre"), "Helene.Lefevre@exemple.fr").id
    zoe = activated(app, contract(app, "AG1", "ZOE001", "Zoé Dupont"), "zoe.dupont@exemple.fr")
    second = contract(app, "AG2", "ZOE002", "Zoé Dupont-Straße")
    app.fusion.link_from_session(zoe.id, "AG2", "SOC2", "ZOE002", second["provisional_password"])
    ids["zoe"] = zoe.id
    ids["martin"] = activated(app, contract(app, "AG2", "MAR001", "Paul Martin"), "paul@exemple.fr").id
    ids["martinez"] = activated(app, contract(app, "AG2", "MAR002", "Luc Martinez"), "luc@exemple.fr").id
    ids["long"] = activated(app, contract(app, "AG3", "VAN001", "Maximilien Vandenberghe"), "max@exemple.fr").id
    started = app.activation.start(**{k: v for k, v in contract(app, "AG3", "JER001", "Jérôme Œuvray").items()
                                      if k in ("client_code", "company_code", "login_id", "provisional_password")})
    app.activation.propose_email(started["activation"], "jerome@exemple.fr")
    ids["paged"] = []
    for n in range(PAGED):
        row = contract(app, "AG1", f"PAG{n:03d}", f"Pagine Numéro{n}")
        app.activation.start(row["client_code"], row["company_code"], row["login_id"], row["provisional_password"])
    erased = activated(app, contract(app, "AG1", "EFF001", "Effacée Personne"), "efface@exemple.fr")
    app.erasure.erase(erased.id, "test")
    ids["erased"] = erased.id
    for name in ("profile", "support_search"):
        app.followers[name].catch_up()
    ids["support"] = app.staff.add("Support", "support").member
    ids["agency1"] = app.staff.add("Agence 1", "agency", "AG1/SOC1").member
    ids["agency2"] = app.staff.add("Agence 2", "agency", "AG2/SOC2").member
    return ids


def found(app: Container, query: str, agency: tuple[str, str] | None = None) -> list[str]:
    return [row["identity_id"] for row in app.read_models.search(query_words(query), agency, 50)]


@pytest.mark.parametrize("query", ["HELENE", "hélène", "LEFÈVRE", "lefev", "Lefèvre hél", "helene.lefevre@exemple.fr",
                                   "Helene.Lef", "HEL001", "hel0", "AG1 SOC1 lefevre", "ag1 hel"])
def test_accents_case_prefixes_email_login_id_codes_and_several_words_find_the_person(
    people: tuple[Container, dict[str, Any]], query: str
) -> None:
    app, ids = people
    assert found(app, query) == [str(ids["helene"])]


@pytest.mark.parametrize("query", ["lefevre zzz", "AG2 lefevre", "hélènex", "efface@exemple.fr", "effacee"])
def test_a_word_no_visible_word_begins_finds_nobody(people: tuple[Container, dict[str, Any]], query: str) -> None:
    app, _ = people
    assert found(app, query) == []


def test_an_activation_in_progress_is_found_by_its_contract_and_proposed_email(
    people: tuple[Container, dict[str, Any]],
) -> None:
    app, _ = people
    (by_name,) = found(app, "oeuvray jer")
    assert found(app, "jerome@exemple.fr") == [by_name] == found(app, "JER001")


def test_an_erased_person_is_found_by_their_id_only(people: tuple[Container, dict[str, Any]]) -> None:
    app, ids = people
    assert found(app, str(ids["erased"])) == [str(ids["erased"])]
    assert found(app, "EFF001") == []


def test_whole_words_rank_before_beginnings_of_words(people: tuple[Container, dict[str, Any]]) -> None:
    app, ids = people
    # Martinez changed last, but is only a beginning of a word
    assert found(app, "martin") == [str(ids["martin"]), str(ids["martinez"])]
    assert found(app, "marti") == [str(ids["martinez"]), str(ids["martin"])]  # both beginnings: newest first


@pytest.mark.parametrize("query", ["vandenber", "VANDENBERGHE", "vandenbergh max", "vandenberghe m", "m vandenb"])
def test_any_beginning_of_a_long_word_finds_and_a_one_letter_word_narrows(
    people: tuple[Container, dict[str, Any]], query: str
) -> None:
    app, ids = people
    assert found(app, query) == [str(ids["long"])]
    assert found(app, "vandenbergx") == found(app, "vandenberghe z") == []
    assert found(app, "z") == [str(ids["zoe"])]  # one letter alone: the index's own prefix scan


@pytest.mark.parametrize("window", [1, 3])
def test_reading_fewer_newest_documents_first_finds_the_same(
    people: tuple[Container, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """PostgreSQL reads the newest documents, or a bounded answer of its index,
    before asking the whole index: a tiny window takes every path."""
    app, _ = people
    asked = [("pag", ("AG1", "SOC1")), ("pagine", None), ("marti", None), ("martin", None), ("p", ("AG1", "SOC1")),
             ("dupont", ("AG2", "SOC2")), ("exemple", None)]
    expected = [found(app, query, agency) for query, agency in asked]
    monkeypatch.setattr(queries, "WINDOW", window)
    assert [found(app, query, agency) for query, agency in asked] == expected
    assert len(expected[0]) == PAGED and expected[3] == found(app, "martin")


def test_an_agency_finds_only_through_its_own_contracts(people: tuple[Container, dict[str, Any]]) -> None:
    app, ids = people
    zoe = str(ids["zoe"])
    assert found(app, "lefevre", ("AG2", "SOC2")) == []
    assert found(app, "lefevre", ("AG1", "SOC1")) == [str(ids["helene"])]
    assert found(app, "ZOE001", ("AG2", "SOC2")) == []  # AG1's login id, not AG2's
    assert found(app, "strasse", ("AG1", "SOC1")) == []  # AG2's holder name, not AG1's
    assert found(app, "zoe.dupont@exemple.fr", ("AG2", "SOC2")) == [zoe]  # her own address, as AG2 sees her
    assert found(app, "ZOE002 dupont", ("AG2", "SOC2")) == [zoe] == found(app, "ZOE001 ZOE002")
    (row,) = app.read_models.search(query_words("zoe002"), ("AG2", "SOC2"), 5)
    assert [a["login_id"] for a in row["accounts"]] == ["ZOE002"]


def test_pages_follow_each_other_by_cursor_and_by_number(people: tuple[Container, dict[str, Any]]) -> None:
    app, ids = people
    seen, cursor, pages = [], None, 0
    while True:
        page = app.support.search(ids["support"], "pagine", per_page=10, cursor=cursor)
        seen += [r["id"] for r in page["results"]]
        pages += 1
        cursor = page["next_cursor"]
        assert (cursor is None) == (page["next_page"] is None)
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == PAGED
    pages_by_number = [app.support.search(ids["support"], "pagine", page=n, per_page=10) for n in (1, 2, 3)]
    by_number = [r["id"] for page in pages_by_number for r in page["results"]]
    assert by_number == seen
    assert app.support.search(ids["agency2"], "pagine")["results"] == []
    assert len(app.support.search(ids["agency1"], "pag", per_page=100)["results"]) == PAGED


@pytest.mark.parametrize("cursor", ["x", "1.", "-1.5", "1.99999999999999999999"])
def test_a_cursor_that_no_page_gave_is_refused(people: tuple[Container, dict[str, Any]], cursor: str) -> None:
    app, ids = people
    with pytest.raises(Refused) as refused:
        app.support.search(ids["support"], "pagine", cursor=cursor)
    assert refused.value.code == "invalid_request"


def test_the_published_cursor_pattern_is_the_rule_applied() -> None:
    """The API document's pattern and the check are one: schemathesis found an
    empty cursor accepted while the pattern refused it."""
    for cursor in ["", "0.0", "12.345", "x", "1.", "-1.5", "1.99999999999999999999", "1.2\n"]:
        accepted = True
        try:
            _cursor(cursor)
        except Refused:
            accepted = False
        assert accepted == (re.fullmatch(CURSOR_PATTERN, cursor) is not None), cursor


def test_documents_hold_each_agency_apart() -> None:
    one = documents("helene", [("AG1", "SOC1", "hel001 lefevre")])
    assert one == [(scope_key(("AG1", "SOC1")), 1, "helene hel001 lefevre")]
    docs = documents("helene", [("AG1", "SOC1", "hel001 lefevre"), ("AG2", "SOC2", "x002 lefevre")])
    assert docs[0] == ("all", 1, "helene hel001 lefevre x002")
    assert sorted(docs[1:]) == sorted([(scope_key(("AG1", "SOC1")), 0, "helene hel001 lefevre"),
                                       (scope_key(("AG2", "SOC2")), 0, "helene x002 lefevre")])



def test_a_blank_query_is_refused_and_punctuation_alone_finds_nobody(people: tuple[Container, dict[str, Any]]) -> None:
    app, ids = people
    for blank in ("", "  \u0085 ", None):
        with pytest.raises(Refused) as refused:
            app.support.search(ids["support"], blank)
        assert refused.value.details["field"] == "q"
    assert app.support.search(ids["support"], ")?×'^,^")["results"] == []
