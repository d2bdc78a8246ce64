-- The sign-ins read model.
-- The baseline: what the releases before migrations created, IF NOT EXISTS so
-- that it also accepts a database one of them made.

CREATE TABLE IF NOT EXISTS read_sign_ins (
    sign_in_id TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL,
    sid TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    contract_id TEXT,
    signed_in_at TEXT NOT NULL,
    signed_out_at TEXT,
    reason TEXT);

CREATE INDEX IF NOT EXISTS read_sign_ins_identity ON read_sign_ins (identity_id, signed_in_at);

CREATE INDEX IF NOT EXISTS read_sign_ins_sid ON read_sign_ins (sid);
