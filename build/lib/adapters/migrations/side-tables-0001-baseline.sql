-- The side tables: tracking, sessions, keys, remembered answers, throttle, OIDC, console, passkeys.
-- The baseline: what the releases before migrations created, IF NOT EXISTS so
-- that it also accepts a database one of them made.

CREATE TABLE IF NOT EXISTS tracking (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL);

CREATE TABLE IF NOT EXISTS sessions (
    token_digest TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL,
    expires_at TEXT NOT NULL);

CREATE INDEX IF NOT EXISTS sessions_identity ON sessions (identity_id);

-- Tables of their own beside sessions rather than columns: before migrations,
-- IF NOT EXISTS could only add tables. The sign-in's public id (OIDC ``sid``)
-- and time; where a session is used from (the device in words, the client
-- address: personal data, deleted with the session).
CREATE TABLE IF NOT EXISTS session_idle (
    token_digest TEXT PRIMARY KEY,
    idle_until TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS session_sign_in (
    token_digest TEXT PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    authenticated_at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS session_device (
    token_digest TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    ip TEXT NOT NULL,
    last_seen_at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS subject_keys (
    subject_id TEXT PRIMARY KEY,
    data_key TEXT);

-- Rows still in clear (older versions), wrapped at start: empty once they are
-- (``key_table.IN_CLEAR``).
CREATE INDEX IF NOT EXISTS subject_keys_in_clear ON subject_keys (subject_id) WHERE substr(data_key, 1, 4) <> 'kw1:';

CREATE TABLE IF NOT EXISTS idempotency (
    key_digest TEXT PRIMARY KEY,
    request_digest TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS throttle (
    key_digest TEXT PRIMARY KEY,
    hits INTEGER NOT NULL,
    last_at TEXT NOT NULL,
    forget_at TEXT);

CREATE INDEX IF NOT EXISTS throttle_forget ON throttle (forget_at);

CREATE TABLE IF NOT EXISTS oidc_signing_keys (
    kid TEXT PRIMARY KEY,
    generation INTEGER NOT NULL UNIQUE,
    sealed TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS oidc_tokens (
    digest TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    sign_in_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    data TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    spent_at TEXT,
    revoked_at TEXT);

CREATE INDEX IF NOT EXISTS oidc_tokens_sign_in ON oidc_tokens (sign_in_id);

CREATE INDEX IF NOT EXISTS oidc_tokens_identity ON oidc_tokens (identity_id);

CREATE TABLE IF NOT EXISTS oidc_revoked_sign_ins (
    sign_in_id TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS console_sessions (
    token_digest TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    idle_until TEXT NOT NULL,
    last_seen_at TEXT NOT NULL);

CREATE INDEX IF NOT EXISTS console_sessions_staff ON console_sessions (staff_id);

CREATE TABLE IF NOT EXISTS passkey_ceremonies (
    token_digest TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    identity_id TEXT,
    expires_at TEXT NOT NULL);

CREATE INDEX IF NOT EXISTS passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
