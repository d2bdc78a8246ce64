"""The ``sesame`` command: the contract's command line, over the same use cases."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from adapters.bootstrap import Container, bootstrap
from application.account_import import COLUMNS
from application.config import ConfigurationError, Settings
from application.errors import Refused


def container() -> Container:
    try:
        return bootstrap(Settings.from_env())
    except ConfigurationError as error:
        sys.exit(f"sesame: {error}")


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    c = container()
    app = create_app(c, run_background=c.settings.embedded)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


def run_roles(*roles: str) -> int:
    """Run background roles until SIGTERM or SIGINT, finishing the work in hand."""
    c = container()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    c.start(roles)
    done.wait()
    c.stop()
    return 0


def projections(args: argparse.Namespace) -> int:
    if args.rebuild:
        c = container()
        count = c.followers["profile"].rebuild()
        print(f"projections rebuilt from zero: {count} events applied")
        c.stop()
        return 0
    return run_roles("projections")


def read_csv(path: Path, progress: Any) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs, streamed; the header must name every column."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            print(f"sesame: colonnes manquantes dans l'en-tête : {', '.join(missing)}", file=sys.stderr)
            raise SystemExit(2)
        for row in reader:
            progress.update(handle.tell() - progress.n) if progress else None
            yield reader.line_num, {k: v for k, v in row.items() if k is not None}


def import_accounts(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        sys.exit(f"sesame: fichier introuvable : {path}")
    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc="import", file=sys.stderr)
    c = container()
    try:
        report = c.importer.run(read_csv(path, progress))
    finally:
        if progress:
            progress.close()
        c.stop()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for rejection in report.rejected:
            print(f"ligne {rejection['line']} rejetée : {rejection['reason']}")
        print(f"ajoutés : {report.added}, mis à jour : {report.updated}, inchangés : {report.unchanged}, rejetés : {len(report.rejected)}")
    return 1 if report.rejected else 0


def identity_command(action: str) -> Any:
    """``export`` and ``erase``: IDENTITY is an identity id or a login email."""

    def run(args: argparse.Namespace) -> int:
        c = container()
        try:
            identity_id = c.directory.resolve(args.identity)
            if action == "export":
                print(json.dumps(c.export.export(identity_id), ensure_ascii=False, indent=2))
            else:
                c.erasure.erase(identity_id, reason="operator")
                print(f"identité {identity_id} effacée")
        except Refused as refusal:
            print(f"sesame: {refusal.message}", file=sys.stderr)
            return 1
        finally:
            c.stop()
        return 0

    return run


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(prog="sesame", description="Sésame, le service d'identité des clients d'agences.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("serve", help="the web portal and the JSON API")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.set_defaults(run=serve)
    commands.add_parser("worker", help="run background jobs").set_defaults(run=lambda a: run_roles("worker"))
    commands.add_parser("outbox", help="turn committed events into mails").set_defaults(run=lambda a: run_roles("outbox"))
    p = commands.add_parser("projections", help="keep the read models up to date")
    p.add_argument("--rebuild", action="store_true", help="rebuild the read models from zero, then exit")
    p.set_defaults(run=projections)
    p = commands.add_parser("import-accounts", help="import an agency's provisional credentials (CSV)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=import_accounts)
    for action, text in (("export", "the person's data as JSON (GDPR)"), ("erase", "GDPR erasure")):
        p = commands.add_parser(action, help=text)
        p.add_argument("identity", help="identity id or login email")
        p.set_defaults(run=identity_command(action))
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
