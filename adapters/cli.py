"""The ``sesame`` command: the contract's command line, over the same use cases."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from adapters import json_logs
from adapters.bootstrap import Container
from adapters.csv_rows import CsvRows, UnusableFile
from adapters.environment import container, started, usable_settings
from application.access_records import Operator
from application.audit import parse_moment
from application.errors import Refused

log = logging.getLogger("sesame")


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    # Before uvicorn runs, a stop request has no work to wait for. uvicorn shuts
    # down gracefully, then raises the signal again for the handler it found:
    # exit 0 then, as the other roles do, so that a death by SIGTERM always
    # means a process that did not stop cleanly.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    usable_settings()  # a wrong variable stops here, before uvicorn starts
    uvicorn.run(
        "web.app:from_environment", factory=True, host=args.host, port=args.port,
        log_config=None, access_log=False, timeout_graceful_shutdown=30,
    )
    return 0


def run_roles(*roles: str) -> int:
    """Run background roles until SIGTERM or SIGINT, finishing the work in hand."""
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    c = container()
    c.start(roles)
    started(c, roles)
    done.wait()
    log.info("stopping: finishing the work in hand")
    c.stop()
    log.info("stopped")
    return 0


def projections(args: argparse.Namespace) -> int:
    if args.rebuild:
        c = container()
        for name, follower in c.followers.items():
            if name != "outbox":  # mail already sent is not sent again
                print(f"{name}: rebuilt from zero, {follower.rebuild()} events applied")
        c.stop()
        return 0
    return run_roles("projections")


def import_accounts(args: argparse.Namespace) -> int:
    path = Path(args.file)
    progress = None
    if sys.stderr.isatty() and path.is_file():
        from tqdm import tqdm

        progress = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc="import", file=sys.stderr)
    try:
        rows = CsvRows(path, progress)
    except UnusableFile as error:  # nothing imported: the file is refused whole
        print(f"sesame: {path} : {error}", file=sys.stderr)
        return 2
    c = container()
    try:
        report = c.importer.run(rows)
    finally:
        rows.close()
        if progress:
            progress.close()
        c.stop()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for rejection in report.rejected:
            print(f"ligne {rejection['line']} rejetée : {rejection['reason']}")
        print(
            f"ajoutés : {report.added}, mis à jour : {report.updated}, inchangés : {report.unchanged}, "
            f"rejetés : {len(report.rejected)}"
        )
    return 1 if report.rejected else 0


def export_identity(c: Container, args: argparse.Namespace) -> int:
    print(json.dumps(c.export.export(c.directory.resolve(args.identity)), ensure_ascii=False, indent=2))
    return 0


def erase_identity(c: Container, args: argparse.Namespace) -> int:
    identity_id = c.directory.resolve(args.identity)
    c.erasure.erase(identity_id, reason="operator")
    print(f"identité {identity_id} effacée")
    return 0


def with_container(action: Any) -> Any:
    """Run ``action(container, args)``; a refusal is a message and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        c = container()
        try:
            result: int = action(c, args)
            return result
        except Refused as refusal:
            print(f"sesame: {refusal.message}", file=sys.stderr)
            return 1
        finally:
            c.stop()

    return run


def add_staff(c: Container, args: argparse.Namespace) -> int:
    new = c.staff.add(args.name, args.role, args.agency, args.email)
    scope = f" pour l'agence {args.agency}" if args.agency else ""
    if new.token is None:
        print(f"membre du personnel {new.member.id} ({args.role}{scope}) ajouté ; "
              f"invitation à la console envoyée à {new.member.email}")
        return 0
    print(f"membre du personnel {new.member.id} ({args.role}{scope}) ajouté ; son jeton d'API :")
    print(new.token)
    return 0


def list_staff(c: Container, args: argparse.Namespace) -> int:
    members = [c.staff.describe(m) for m in c.staff.all()]
    if args.json:
        print(json.dumps(members, ensure_ascii=False, indent=2))
        return 0
    for m in members:
        role = f"{m['role']} {m['agency']}" if m["agency"] else m["role"]
        two_step = "deux étapes : oui" if m["two_step"] else "deux étapes : non"
        print(f"{m['id']}  {m['name']}  ({role})  {m['email'] or '-'}  {m['state']}  {two_step}")
    print(f"{len(members)} membre(s) du personnel")
    return 0


def invite_staff(c: Container, args: argparse.Namespace) -> int:
    member = c.staff.invite_again(args.member)
    print(f"nouvelle invitation à la console envoyée à {member.email} ; la précédente ne fonctionne plus")
    return 0


def disable_staff(c: Container, args: argparse.Namespace) -> int:
    member = c.staff.disable(args.member)
    print(f"membre du personnel {member.id} ({member.name}) désactivé ; "
          "ses sessions de console et son jeton d'API ont pris fin")
    return 0


def search(c: Container, args: argparse.Namespace) -> int:
    c.followers["profile"].catch_up()
    c.followers["support_search"].catch_up()
    found = c.support.search(Operator.current("support"), args.query, 1, args.limit)["results"]
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    for row in found:
        contracts = ", ".join(
            f"{a['login_id']} ({a['client_code']}/{a['company_code']}) {a['holder_name']}" for a in row["accounts"]
        )
        print(f"{row['id']}  {row['status']:<10}  {row['email'] or '-'}  {contracts}")
    print(f"{len(found)} résultat(s)")
    return 0


def history(c: Container, args: argparse.Namespace) -> int:
    identity_id = c.directory.resolve(args.identity)
    if args.at:
        state = c.audit.state_at(Operator.current(), identity_id, parse_moment(args.at))
        if args.json:
            print(json.dumps(state, ensure_ascii=False, indent=2))
        else:
            for key, value in state.items():
                print(f"{key:>16} : {value}")
        return 0
    events = c.audit.events(Operator.current(), identity_id)
    if args.json:
        print(json.dumps(events, ensure_ascii=False, indent=2))
        return 0
    for e in events:
        print(f"{e['at'][:19].replace('T', ' ')}  #{e['position']:<4} {e['description']}")
    return 0


def end_contract(c: Container, args: argparse.Namespace) -> int:
    client, _, company = args.agency.partition("/")
    ended_at = c.retention.end_contract(client, company, args.login_id)
    print(f"contrat {args.login_id} ({args.agency}) terminé le {ended_at.isoformat()} ; effacé 7 jours après")
    return 0


def retention(c: Container, args: argparse.Namespace) -> int:
    c.followers["profile"].catch_up()
    print(json.dumps(c.retention.sweep(), ensure_ascii=False))
    return 0


def add_client(c: Container, args: argparse.Namespace) -> int:
    new = c.relying_parties.add(
        args.name,
        args.redirect_uri,
        args.post_logout_redirect_uri or [],
        args.backchannel_logout_uri,
        args.public,
        args.agency,
    )
    print(f"application « {args.name} » enregistrée ; client_id : {new.client_id}")
    if new.client_secret:
        print(f"client_secret (affiché une seule fois, conservez-le) : {new.client_secret}")
    if args.json:
        print(json.dumps({"client_id": new.client_id, "client_secret": new.client_secret}))
    return 0


def list_clients(c: Container, args: argparse.Namespace) -> int:
    parties = c.relying_parties.all()
    if args.json:
        print(json.dumps([describe_client(p) for p in parties], ensure_ascii=False, indent=2))
        return 0
    for party in parties:
        kind = "public" if party.public else "confidentiel"
        scope = f" agence {'/'.join(party.agency)}" if party.agency else ""
        print(f"{party.id}  {party.name}  ({kind}{scope})  {' '.join(party.redirect_uris)}")
    print(f"{len(parties)} application(s)")
    return 0


def describe_client(party: Any) -> dict[str, Any]:
    return {
        "client_id": str(party.id),
        "name": party.name,
        "public": party.public,
        "redirect_uris": party.redirect_uris,
        "post_logout_redirect_uris": party.post_logout_redirect_uris,
        "backchannel_logout_uri": party.backchannel_logout_uri,
        "agency": "/".join(party.agency) if party.agency else None,
    }


def remove_client(c: Container, args: argparse.Namespace) -> int:
    party = c.relying_parties.remove(args.client_id)
    print(f"application « {party.name} » ({party.id}) supprimée")
    return 0


def rotate_keys(c: Container, args: argparse.Namespace) -> int:
    kid = c.signing_keys.rotate()
    print(f"nouvelle clé de signature {kid} ; les précédentes restent publiées le temps que leurs jetons expirent")
    return 0


def set_agency(c: Container, args: argparse.Namespace) -> int:
    """An agency's name, logo and accent colour, shown to its clients."""
    logo = None
    if args.logo:
        try:
            logo = (Path(args.logo).read_bytes(), args.logo)
        except OSError as error:
            raise Refused("invalid_request", f"Logo illisible : {args.logo} ({error.strerror}).") from error
    look = c.agencies.set(args.agency, args.name, args.colour or "", logo)
    colour = f", couleur {look.colour}" if look.colour else ", couleurs de Sésame"
    has_logo = "avec logo" if look.logo_type else "sans logo"
    print(f"agence {look.client_code}/{look.company_code} : « {look.name} »{colour}, {has_logo}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sesame", description="Sésame, le service d'identité des clients d'agences.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("serve", help="the web portal and the JSON API")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.set_defaults(run=serve)
    commands.add_parser("worker", help="run background jobs").set_defaults(run=lambda a: run_roles("worker"))
    commands.add_parser("outbox", help="turn committed events into mails").set_defaults(
        run=lambda a: run_roles("outbox")
    )
    p = commands.add_parser("projections", help="keep the read models up to date")
    p.add_argument("--rebuild", action="store_true", help="rebuild the read models from zero, then exit")
    p.set_defaults(run=projections)
    p = commands.add_parser("import-accounts", help="import an agency's provisional credentials (CSV)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=import_accounts)
    for action, text, run in (
        ("export", "the person's data as JSON (GDPR)", export_identity),
        ("erase", "GDPR erasure", erase_identity),
    ):
        p = commands.add_parser(action, help=text)
        p.add_argument("identity", help="identity id or login email")
        p.set_defaults(run=with_container(run))
    p = commands.add_parser("staff", help="staff members")
    staff_commands = p.add_subparsers(dest="staff_command", required=True)
    p = staff_commands.add_parser(
        "add",
        help="add a staff member: with --email, mails an invitation to the console; else prints an API token last",
    )
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["support", "auditor", "agency"])
    p.add_argument("--agency", help="CLIENT/COMPANY, for agency staff")
    p.add_argument("--email", help="the member's address: the console invitation goes there")
    p.set_defaults(run=with_container(add_staff))
    p = staff_commands.add_parser("list", help="every staff member: role, agency, email, state, two-step sign-in")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=with_container(list_staff))
    p = staff_commands.add_parser("invite", help="send a new console invitation (the earlier one stops working)")
    p.add_argument("member", help="staff member id or email")
    p.set_defaults(run=with_container(invite_staff))
    p = staff_commands.add_parser("disable", help="disable a staff member: console sessions and API token end at once")
    p.add_argument("member", help="staff member id or email")
    p.set_defaults(run=with_container(disable_staff))
    p = commands.add_parser("search", help="support search over the read models")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50, help="at most 100 results, as the staff API")
    p.set_defaults(run=with_container(search))
    p = commands.add_parser("history", help="an identity's history, or its state at a moment")
    p.add_argument("identity", help="identity id or login email")
    p.add_argument("--at", help="ISO-8601 moment: the state as it was then")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=with_container(history))
    p = commands.add_parser("end-contract", help="the agency ends a contract (retention starts)")
    p.add_argument("agency", help="CLIENT/COMPANY")
    p.add_argument("login_id")
    p.set_defaults(run=with_container(end_contract))
    p = commands.add_parser("clients", help="applications that sign people in with OpenID Connect")
    client_commands = p.add_subparsers(dest="clients_command", required=True)
    p = client_commands.add_parser("add", help="register a relying party; prints its client_id and secret")
    p.add_argument("name")
    p.add_argument("--redirect-uri", action="append", required=True)
    p.add_argument("--post-logout-redirect-uri", action="append")
    p.add_argument("--backchannel-logout-uri")
    p.add_argument("--public", action="store_true", help="a public client (mobile app): no secret, PKCE required")
    p.add_argument("--agency", help="CLIENT/COMPANY: only that agency's contracts")
    p.add_argument("--json", action="store_true", help="the last line is {client_id, client_secret}")
    p.set_defaults(run=with_container(add_client))
    p = client_commands.add_parser("list", help="the registered relying parties")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=with_container(list_clients))
    p = client_commands.add_parser("remove", help="remove a relying party")
    p.add_argument("client_id")
    p.set_defaults(run=with_container(remove_client))
    p = commands.add_parser("agencies", help="agencies' own name, logo and colour")
    agency_commands = p.add_subparsers(dest="agencies_command", required=True)
    p = agency_commands.add_parser("set", help="set an agency's look exactly as given (no --logo: none)")
    p.add_argument("agency", help="CLIENT/COMPANY")
    p.add_argument("--name", required=True)
    p.add_argument("--logo", help="FILE.svg or FILE.png (200 KiB at most)")
    p.add_argument("--colour", help="#RRGGBB, dark enough for white text (contrast 4.5:1)")
    p.set_defaults(run=with_container(set_agency))
    p = commands.add_parser("keys", help="the keys that sign ID tokens")
    key_commands = p.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser(
        "rotate", help="add a signing key; the old ones stay published until their tokens expire"
    ).set_defaults(run=with_container(rotate_keys))
    p = commands.add_parser("retention", help="run one retention sweep now")
    p.set_defaults(run=with_container(retention))
    args = parser.parse_args(argv)
    json_logs.configure(os.environ.get("LOG_LEVEL", "INFO"), process=args.command)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
