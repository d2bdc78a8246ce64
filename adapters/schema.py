"""The side tables, created on first start and upgraded in place (IF NOT EXISTS)."""

from __future__ import annotations

from adapters.key_table import IN_CLEAR

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS tracking (
        name TEXT PRIMARY KEY,
        position BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sessions (
        token_digest TEXT PRIMARY KEY,
        identity_id TEXT NOT NULL,
        expires_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS sessions_identity ON sessions (identity_id)",
    # A table of its own rather than a column: IF NOT EXISTS upgrades a store in place.
    """CREATE TABLE IF NOT EXISTS session_idle (
        token_digest TEXT PRIMARY KEY,
        idle_until TEXT NOT NULL)""",
    # The sign-in's public id (OIDC ``sid``) and time, beside the session for the same reason.
    """CREATE TABLE IF NOT EXISTS session_sign_in (
        token_digest TEXT PRIMARY KEY,
        sid TEXT NOT NULL UNIQUE,
        authenticated_at TEXT NOT NULL)""",
    # Where a session is used from, for « Sécurité »: the device in words and the
    # client address (personal data: deleted with the session), the last use.
    """CREATE TABLE IF NOT EXISTS session_device (
        token_digest TEXT PRIMARY KEY,
        device TEXT NOT NULL,
        ip TEXT NOT NULL,
        last_seen_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS subject_keys (
        subject_id TEXT PRIMARY KEY,
        data_key TEXT)""",
    # Rows still in clear (older versions), wrapped at start: empty once they are.
    f"CREATE INDEX IF NOT EXISTS subject_keys_in_clear ON subject_keys (subject_id) WHERE {IN_CLEAR}",
    """CREATE TABLE IF NOT EXISTS idempotency (
        key_digest TEXT PRIMARY KEY,
        request_digest TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS read_identities (
        identity_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        email TEXT,
        proposed_email TEXT,
        terms_version TEXT,
        default_account TEXT,
        activating_account TEXT,
        merged_into TEXT,
        next_step TEXT,
        pending_email TEXT,
        reset_pending_until TEXT,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS read_identities_proposed ON read_identities (proposed_email)",
    "CREATE INDEX IF NOT EXISTS read_identities_activating ON read_identities (activating_account)",
    "CREATE INDEX IF NOT EXISTS read_identities_updated ON read_identities (updated_at)",
    """CREATE TABLE IF NOT EXISTS read_accounts (
        account_id TEXT PRIMARY KEY,
        client_code TEXT NOT NULL,
        company_code TEXT NOT NULL,
        login_id TEXT NOT NULL,
        holder_name TEXT NOT NULL,
        role TEXT NOT NULL,
        suggested_email TEXT NOT NULL,
        ended_at TEXT)""",
    # The names people know a contract by (import columns agency_name, property),
    # a table of its own so that IF NOT EXISTS upgrades a store in place.
    """CREATE TABLE IF NOT EXISTS read_account_names (
        account_id TEXT PRIMARY KEY,
        agency_name TEXT NOT NULL,
        property TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS read_identity_accounts (
        identity_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        linked_at TEXT NOT NULL,
        PRIMARY KEY (identity_id, account_id))""",
    "CREATE INDEX IF NOT EXISTS read_identity_accounts_account ON read_identity_accounts (account_id)",
    "CREATE INDEX IF NOT EXISTS read_accounts_agency ON read_accounts (client_code, company_code)",
    """CREATE TABLE IF NOT EXISTS outbox (
        mail_id TEXT PRIMARY KEY,
        identity_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        sent_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at)",
    """CREATE TABLE IF NOT EXISTS throttle (
        key_digest TEXT PRIMARY KEY,
        hits INTEGER NOT NULL,
        last_at TEXT NOT NULL,
        forget_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS throttle_forget ON throttle (forget_at)",
]
