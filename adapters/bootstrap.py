"""The composition root: configuration in, wired services out.

Nothing else constructs adapters. ``Container.start`` runs the process roles
(projections, outbox, worker) as threads, which is the embedded mode of
``sesame serve``; the production topology starts each role as its own process.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from adapters.aes_gcm import aes_gcm
from adapters.argon2_hasher import Argon2Hasher
from adapters.backchannel_http import BackchannelHttp
from adapters.clock import SystemClock
from adapters.console_session_table import ConsoleSessionTable
from adapters.database import Database
from adapters.dramatiq_jobs import Jobs
from adapters.event_recorders import POPORecorder, create_tables
from adapters.idempotency_table import IdempotencyTable
from adapters.key_table import KeyTable
from adapters.mail_messages import MailComposer
from adapters.maildir_mailer import MaildirMailer
from adapters.oidc_key_table import SigningKeyTable
from adapters.oidc_token_table import TokenTable
from adapters.outbox_table import OutboxTable
from adapters.passkey_ceremony_table import PasskeyCeremonyTable
from adapters.personal_data_purge import PersonalDataPurgeTable
from adapters.seen_keys_file import SpilledSeenKeys
from adapters.session_table import SessionTable
from adapters.throttle_table import ThrottleTable
from application.access_records import AccessRecords
from application.account_import import AccountImport
from application.account_settings import AccountSettings
from application.activation import Activation
from application.agencies import Agencies
from application.audit import Audit
from application.backchannel_logout import KIND as BACKCHANNEL_LOGOUT
from application.backchannel_logout import BackchannelLogout, LogoutNotices
from application.config import Settings
from application.connected_apps import ConnectedApps
from application.directory import Directory
from application.end_session import EndSession
from application.erasure import Erasure
from application.event_store import EventStore
from application.export import Export
from application.fusion import Fusion
from application.identity_file import IdentityFile
from application.key_wrapping import PURPOSE as WRAPPING
from application.key_wrapping import KeyWrapping
from application.keyring import Keyring
from application.mail_delivery import MailDelivery
from application.my_sessions import MySessions
from application.oidc.clients import RelyingParties
from application.oidc.grants import ID_TOKEN_LIFETIME
from application.oidc.provider import Provider
from application.oidc.sign_ins import SignIns
from application.oidc.tokens import Tokens
from application.passkey_ceremonies import Ceremonies
from application.passkeys import Passkeys
from application.password_proof import PasswordProof
from application.password_reset import PasswordReset
from application.passwords import Passwords
from application.personal_data import SubjectKeys
from application.ports import Clock
from application.retention import Retention
from application.sessions import Sessions
from application.sign_outs import SignOuts
from application.signing_keys import SigningKeys
from application.staff import Staff
from application.staff_console import Console
from application.staff_invitations import StaffInvitations
from application.staff_sessions import ConsoleSessions
from application.staff_sign_in import ConsoleSignIn
from application.staff_two_step import StaffTwoStep
from application.support import Support
from application.support_actions import SupportActions
from application.terms import current_terms_version
from application.throttle import Throttle, delay_scale
from application.two_step import TwoStepSignIn
from projections.follower import Follower
from projections.outbox import OutboxProjection
from projections.profile import ProfileProjection
from projections.queries import ReadModelQueries
from projections.sign_ins import SignInQueries, SignInsProjection
from projections.support_search import SupportSearchProjection, query_words

log = logging.getLogger(__name__)


def event_store_env(database_url: str) -> dict[str, str]:
    """eventsourcing's persistence settings for a DATABASE_URL. Its tables are
    created by ``bootstrap`` under the schema lock (``CREATE_TABLE`` off); its
    recorders also write the side rows a commit carries (``event_recorders``). Its
    PostgreSQL pool keeps two connections and opens up to ten; a cut one is
    replaced by eventsourcing's own retries (ten, 0.2 s apart), which beat the
    pool's checks and their growing back-off when all were cut at once."""
    url = urlparse(database_url)
    if url.scheme == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": sqlite_path(database_url),
            "SQLITE_LOCK_TIMEOUT": "30", "CREATE_TABLE": "no",
            "APPLICATION_RECORDER_TOPIC": "adapters.event_recorders:SQLiteRecorder",
        }
    if url.scheme in ("postgresql", "postgres"):
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "8",
            "CREATE_TABLE": "no",
            "APPLICATION_RECORDER_TOPIC": "adapters.event_recorders:PostgresRecorder",
        }
    raise ValueError(f"unsupported DATABASE_URL: {database_url}")


EVENTS_IN_MEMORY = {"PERSISTENCE_MODULE": "adapters.event_recorders:MemoryFactory"}


def job_queue(database_url: str) -> str:
    """The broker queue of a deployment's jobs, named after its database: a job
    names a row of that database only, so deployments sharing a Redis or a
    RabbitMQ (staging beside production, parallel test runs) keep apart."""
    name = PurePosixPath(urlparse(database_url).path).stem or "sesame"
    return "sesame." + re.sub(r"[^\w.-]", "_", name)


def sqlite_path(database_url: str) -> str:
    """``sqlite:///var/x.db`` is relative, ``sqlite:////abs/x.db`` absolute."""
    return database_url.removeprefix("sqlite:///") or "var/sesame.db"


def open_database(database_url: str) -> Database:
    if database_url.startswith("sqlite:"):
        from adapters.sqlite_database import SQLiteDatabase

        return SQLiteDatabase(sqlite_path(database_url))
    from adapters.postgres_database import PostgresDatabase

    return PostgresDatabase(database_url)


def open_mailer(smtp_url: str) -> Any:
    if smtp_url.startswith("maildir://"):
        return MaildirMailer(smtp_url.removeprefix("maildir://"))
    from adapters.smtp_mailer import SmtpMailer

    return SmtpMailer(smtp_url)


@dataclass(frozen=True)
class UseCases:
    """All the web layer may reach: the use cases and the read models' queries,
    never a table, the settings or the clock of the ``Container``."""

    activation: Activation
    account_settings: AccountSettings
    agencies: Agencies
    audit: Audit
    connected_apps: ConnectedApps
    console: Console
    directory: Directory
    end_session: EndSession
    erasure: Erasure
    export: Export
    fusion: Fusion
    identity_file: IdentityFile
    importer: AccountImport
    my_sessions: MySessions
    oidc: Provider
    passkeys: Passkeys
    password_reset: PasswordReset
    passwords: Passwords
    read_models: ReadModelQueries
    retention: Retention
    sessions: Sessions
    sign_outs: SignOuts
    staff: Staff
    support: Support
    support_actions: SupportActions
    two_step: TwoStepSignIn
    public_url: str  # the OIDC issuer; an https one makes every cookie ``__Host-``
    health: Callable[[], dict[str, str]]


@dataclass
class Container:
    settings: Settings
    clock: Clock
    store: EventStore
    db: Database
    directory: Directory
    passwords: Passwords
    activation: Activation
    sessions: Sessions
    my_sessions: MySessions
    fusion: Fusion
    erasure: Erasure
    export: Export
    staff: Staff
    console: Console
    retention: Retention
    support: Support
    audit: Audit
    account_settings: AccountSettings
    two_step: TwoStepSignIn
    passkeys: Passkeys
    password_reset: PasswordReset
    importer: AccountImport
    read_models: ReadModelQueries
    delivery: MailDelivery
    jobs: Jobs
    outbox: OutboxTable
    idempotency: IdempotencyTable
    relying_parties: RelyingParties
    signing_keys: SigningKeys
    oidc_tokens: Tokens
    oidc: Provider
    followers: dict[str, Follower]
    sign_outs: SignOuts
    connected_apps: ConnectedApps
    end_session: EndSession
    support_actions: SupportActions
    identity_file: IdentityFile
    agencies: Agencies
    wakes: list[threading.Event] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def use_cases(self) -> UseCases:
        """The narrow façade the web layer is given (``web.app.create_app``)."""
        return UseCases(
            activation=self.activation,
            account_settings=self.account_settings,
            agencies=self.agencies,
            audit=self.audit,
            connected_apps=self.connected_apps,
            console=self.console,
            directory=self.directory,
            end_session=self.end_session,
            erasure=self.erasure,
            export=self.export,
            fusion=self.fusion,
            identity_file=self.identity_file,
            importer=self.importer,
            my_sessions=self.my_sessions,
            oidc=self.oidc,
            passkeys=self.passkeys,
            password_reset=self.password_reset,
            passwords=self.passwords,
            read_models=self.read_models,
            retention=self.retention,
            sessions=self.sessions,
            sign_outs=self.sign_outs,
            staff=self.staff,
            support=self.support,
            support_actions=self.support_actions,
            two_step=self.two_step,
            public_url=self.settings.public_url,
            health=self.health,
        )

    def health(self) -> dict[str, str]:
        """What a load balancer needs to know: can this process reach its stores."""
        checks = {}
        try:
            with self.db.read() as tx:
                tx.execute("SELECT 1").one()
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "unavailable"
        checks["broker"] = "ok" if self.jobs.ping() else "unavailable"
        return checks

    def dispatch_due_mail(self) -> None:
        """Hand every due mail to the job queue (after an outbox batch, and on
        idle), then mark it queued so later rounds leave it to the worker."""
        for mail_id in self.delivery.due():
            self.jobs.enqueue("deliver_mail", mail_id)
            self.outbox.queued(mail_id, self.clock.now())

    def start(self, roles: tuple[str, ...] = ("projections", "outbox", "worker")) -> None:
        """Run process roles as threads of this process."""
        if "worker" in roles:
            worker = self.jobs.worker()
            worker.start()
            self.threads.append(threading.Thread(target=self._stop_on_exit, args=(worker,), daemon=True))
            self.threads.append(threading.Thread(target=self._schedule_retention, name="retention", daemon=True))
            self.threads.append(threading.Thread(
                target=self.delivery.leases.run, args=(self.stopping,), name="mail-leases", daemon=True,
            ))
        if "projections" in roles:
            self.threads.extend(self._follow(f) for name, f in self.followers.items() if name != "outbox")
        if "outbox" in roles:
            self.threads.append(self._follow(self.followers["outbox"], after=self.dispatch_due_mail))
        if self.wakes:  # commits of other processes, announced by the database (PostgreSQL's NOTIFY)
            channel = getattr(self.store.recorder, "channel_name", "")
            self.threads.append(threading.Thread(
                target=self.db.listen, args=(channel, self.wake_followers, self.stopping), name="listen", daemon=True,
            ))
        for thread in self.threads:
            thread.start()

    def _follow(self, follower: Follower, after: Callable[[], None] = lambda: None) -> threading.Thread:
        wake = threading.Event()
        self.wakes.append(wake)
        return threading.Thread(
            target=follower.run, args=(wake, self.stopping), kwargs={"after": after, "idle": self.db.poll_interval},
            name=f"follow-{follower.projection.name}", daemon=True,
        )

    def wake_followers(self) -> None:
        for wake in self.wakes:
            wake.set()

    def _schedule_retention(self) -> None:
        """Ask for a retention sweep now and then; sweeps are idempotent, so
        several workers asking is harmless."""
        while not self.stopping.wait(self.settings.retention_sweep_seconds):
            self.jobs.enqueue("retention_sweep")

    def _stop_on_exit(self, worker: Any) -> None:
        self.stopping.wait()
        worker.stop()

    def stop(self) -> None:
        """Let each role finish the work in hand (a batch, a job, a mail), then
        close the stores."""
        self.stopping.set()
        self.wake_followers()
        for thread in self.threads:
            thread.join(timeout=30)
        self.jobs.close()
        self.db.close()
        self.store.close()


def bootstrap(settings: Settings, clock: Clock | None = None, events_in_memory: bool = False) -> Container:
    """The wired services; ``events_in_memory`` keeps the events in this
    process's memory (the fast test tier), the tables in ``DATABASE_URL``."""
    clock = clock or SystemClock()
    if settings.database_url.startswith("sqlite:"):
        Path(sqlite_path(settings.database_url)).parent.mkdir(parents=True, exist_ok=True)
    db = open_database(settings.database_url)
    key_encryption_key = Keyring(settings.key_encryption_key or settings.secret_key).derive(WRAPPING)
    key_table = KeyTable(db, KeyWrapping(aes_gcm(key_encryption_key)))
    subject_keys = SubjectKeys(key_table, aes_gcm)
    store = EventStore(EVENTS_IN_MEMORY if events_in_memory else event_store_env(settings.database_url), subject_keys)
    if isinstance(store.recorder, POPORecorder):
        store.recorder.side_tables = db
    db.migrate(then=[*((lambda r=r: create_tables(r)) for r in store.recorders()), key_table.wrap_clear_keys])
    keys = Keyring(settings.secret_key)
    directory = Directory(store, keys)
    passwords = Passwords(
        Argon2Hasher(settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism),
        settings.password_policy,
    )
    read_models = ReadModelQueries(db)
    agencies = Agencies(store)
    composer = MailComposer(keys, settings.public_url, settings.mail_from, clock, agencies.contract)
    outbox = OutboxTable(db)
    relying_parties = RelyingParties(store, keys)
    signing_keys = SigningKeys(SigningKeyTable(db), keys, aes_gcm, clock, keep_for=ID_TOKEN_LIFETIME)
    token_table = TokenTable(db)
    oidc_tokens = Tokens(token_table, clock, timedelta(minutes=settings.oidc_access_token_minutes))
    backchannel = BackchannelLogout(settings.public_url, signing_keys.current, BackchannelHttp(), clock)
    delivery = MailDelivery(
        outbox, composer, open_mailer(settings.smtp_url), clock, senders={BACKCHANNEL_LOGOUT: backchannel.send}
    )
    jobs = Jobs(settings.broker_url, {"deliver_mail": delivery.deliver}, queue=job_queue(settings.database_url))
    access = AccessRecords(store)
    throttle = Throttle(ThrottleTable(db), keys, clock, delay_scale(os.environ))
    session_table = SessionTable(db)
    sign_ins, sign_ins_read = SignInQueries(db), ReadModelQueries(db, projections=("sign_ins",))
    sign_outs = SignOuts(store, session_table, sign_ins, sign_ins_read, oidc_tokens)
    connected_apps = ConnectedApps(store, sign_ins, sign_ins_read, directory.account_label)
    proof = PasswordProof(passwords, throttle)  # every check of a given password goes through it
    projections = {
        "profile": ProfileProjection(),
        "support_search": SupportSearchProjection(),
        "sign_ins": SignInsProjection(),
        "outbox": OutboxProjection(
            lambda i, v: store.repository.get(i, version=v), logout_notice=LogoutNotices(store, relying_parties.find),
            contract_label=directory.account_label,
        ),
    }
    erasure = Erasure(
        directory, proof, subject_keys, PersonalDataPurgeTable(db, projections.values()), read_models, throttle,
        sign_outs, outbox,
    )
    link_ttl = timedelta(hours=settings.verification_ttl_hours)
    activation = Activation(directory, passwords, clock, current_terms_version, link_ttl, throttle)
    account_settings = AccountSettings(
        directory, passwords, sign_outs, clock, link_ttl, throttle, proof, connected_apps.timeline
    )
    sessions = Sessions(
        directory, passwords, sign_outs, read_models, clock, timedelta(hours=settings.session_ttl_hours), throttle,
        idle=timedelta(minutes=settings.session_idle_minutes),
    )
    support = Support(read_models, access, query_words)
    my_sessions = MySessions(directory, sign_outs, clock, proof, connected_apps.by_session)
    console_sessions = ConsoleSessions(store, ConsoleSessionTable(db), clock)
    staff = Staff(directory, clock, console_sessions)
    staff_two_step = StaffTwoStep(directory, clock, throttle)
    container = Container(
        settings=settings,
        clock=clock,
        store=store,
        db=db,
        directory=directory,
        passwords=passwords,
        activation=activation,
        sessions=sessions,
        my_sessions=my_sessions,
        fusion=Fusion(directory, proof, activation),
        erasure=erasure,
        retention=Retention(
            directory, erasure, subject_keys, read_models, session_table, clock, expiring=[token_table]
        ),
        export=Export(directory, clock, access.reads_of, connected_apps.timeline, connected_apps.listed),
        staff=staff,
        console=Console(
            sessions=console_sessions,
            sign_in=ConsoleSignIn(staff, passwords, throttle, staff_two_step, console_sessions),
            invitations=StaffInvitations(directory, passwords, clock, throttle, console_sessions),
            two_step=staff_two_step,
        ),
        support=support,
        audit=Audit(store, access, directory.account_label, clock, connected_apps.timeline),
        account_settings=account_settings,
        two_step=TwoStepSignIn(directory, passwords, clock, throttle, proof, sessions),
        passkeys=Passkeys(
            directory, passwords, clock, throttle, proof, sessions, Ceremonies(PasskeyCeremonyTable(db), keys, clock),
            settings.public_url,
        ),
        password_reset=PasswordReset(directory, passwords, sign_outs, clock, throttle),
        importer=AccountImport(directory, read_models, SpilledSeenKeys),
        read_models=read_models,
        delivery=delivery,
        jobs=jobs,
        outbox=outbox,
        idempotency=IdempotencyTable(db),
        relying_parties=relying_parties,
        signing_keys=signing_keys,
        oidc_tokens=oidc_tokens,
        oidc=Provider(
            settings.public_url, relying_parties, SignIns(directory, account_settings.terms_outdated),
            oidc_tokens, signing_keys,
        ),
        followers={},
        sign_outs=sign_outs,
        connected_apps=connected_apps,
        end_session=EndSession(settings.public_url, signing_keys.public_jwks, relying_parties.find),
        support_actions=SupportActions(directory, read_models, throttle, clock, sign_outs, link_ttl),
        identity_file=IdentityFile(directory, support, access, my_sessions, clock, throttle, connected_apps.timeline),
        agencies=agencies,
    )
    container.followers = {name: Follower(store, db, projection) for name, projection in projections.items()}
    jobs.register("retention_sweep", container.retention.sweep)
    store.on_commit = container.wake_followers
    return container
