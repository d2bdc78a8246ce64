"""docs/benchmarks.md written by parts (``make bench --only``): each kept
section says which run it was measured in, however many runs ago."""

from pathlib import Path

from bench.report import Row, Section, write

ORDER = ["Login", "Search", "Audit"]


def run(path: Path, date: str, commit: str, *titles: str) -> None:
    sections = [Section(t, [Row(f"{t} figure", "1", "1", 1.0, "≥ 1", True)], f"{t} measured on {date}") for t in titles]
    write(path, {"date": date, "Sésame": commit}, sections, [], "python -m bench", ORDER)


def test_each_kept_section_names_the_run_it_comes_from(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    run(path, "day 1", "aaa", *ORDER)
    run(path, "day 2", "bbb", "Login")
    run(path, "day 3", "ccc", "Search")
    text = path.read_text()
    assert ("| kept sections | Login: from the run of day 2 (Sésame bbb), not re-run; "
            "Audit: from the run of day 1 (Sésame aaa), not re-run |") in text
    assert all(f"{t} measured on day {d}" in text for t, d in (("Login", 2), ("Search", 3), ("Audit", 1)))
    assert text.count(" figure | 1 |") == 3  # one summary row per section, none lost or doubled
