-- The outbox: the mail to send.
-- The baseline: what the releases before migrations created, IF NOT EXISTS so
-- that it also accepts a database one of them made.

CREATE TABLE IF NOT EXISTS outbox (
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
    sent_at TEXT);

CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
