"""The layers' import rules (README, « Layers »), read from every module's AST.

- ``domain`` imports the standard library, ``eventsourcing.domain`` and itself.
- ``application`` imports no ``web``, ``adapters`` or ``projections``, no driver,
  template engine, cipher library or web framework, and never reads the
  process environment: what it needs from outside comes through
  ``application.ports``, handed in by the composition root
  (``adapters.bootstrap``, ``adapters.environment``).
- ``adapters`` and ``projections`` import nothing from ``web``.
- ``web`` reaches the adapters only through the composition root and the
  adapters that are no storage: never a table, the database, the schema or a
  driver.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
APPLICATION_FORBIDDEN = (
    "web", "adapters", "projections",
    "sqlite3", "psycopg", "psycopg_pool", "jinja2", "markupsafe", "cryptography", "starlette", "uvicorn",
    "dramatiq", "redis",
)
WEB_STORAGE = ("sqlite3", "psycopg", "psycopg_pool", "adapters.database", "adapters.schema")
ENVIRONMENT_READS = {("os", "environ"), ("os", "getenv"), ("os", "putenv")}


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at any depth (lazy imports in functions too)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def names(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", list(modules("domain")), ids=names)
def test_the_domain_imports_only_the_standard_library_and_eventsourcing_domain(path: Path) -> None:
    allowed = ("domain", "eventsourcing.domain", "__future__")
    strays = {
        name for name in imported(path)
        if not within(name, allowed) and name.partition(".")[0] not in sys.stdlib_module_names
    }
    # ``from eventsourcing.domain import X`` also yields ``eventsourcing.domain.X``: allowed above.
    assert not strays


@pytest.mark.parametrize("path", list(modules("application")), ids=names)
def test_the_use_cases_import_no_outer_layer_driver_or_framework(path: Path) -> None:
    assert not {name for name in imported(path) if within(name, APPLICATION_FORBIDDEN)}


@pytest.mark.parametrize("path", list(modules("application")), ids=names)
def test_the_use_cases_never_read_the_environment(path: Path) -> None:
    tree = ast.parse(path.read_text())
    reads = {
        (node.value.id, node.attr) for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    } & ENVIRONMENT_READS
    imports = {
        ("os", alias.name) for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "os" for alias in node.names
    } & ENVIRONMENT_READS
    assert not reads | imports


@pytest.mark.parametrize("path", [*modules("adapters"), *modules("projections")], ids=names)
def test_adapters_and_projections_import_nothing_from_the_web(path: Path) -> None:
    assert not {name for name in imported(path) if within(name, ("web",))}


@pytest.mark.parametrize("path", list(modules("web")), ids=names)
def test_the_web_reaches_no_storage(path: Path) -> None:
    assert not {
        name for name in imported(path)
        if within(name, WEB_STORAGE) or (name.startswith("adapters.") and name.partition(".")[2].endswith("_table"))
    }


@pytest.mark.parametrize("path", [p for p in modules("web") if names(p) != "web/app.py"], ids=names)
def test_the_web_reaches_the_use_cases_only_through_their_facade(path: Path) -> None:
    """``web.app.create_app`` alone holds the ``Container``: it hands requests the
    ``UseCases`` façade (``web.use_cases.services``) and each middleware what it needs."""
    assert "adapters.bootstrap.Container" not in set(imported(path))
    assert "state.container" not in path.read_text()
