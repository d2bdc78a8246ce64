-- The profile read model: people, contracts, the links between.
-- The baseline: what the releases before migrations created, IF NOT EXISTS so
-- that it also accepts a database one of them made.

CREATE TABLE IF NOT EXISTS read_identities (
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
    updated_at TEXT NOT NULL);

CREATE INDEX IF NOT EXISTS read_identities_proposed ON read_identities (proposed_email);

CREATE INDEX IF NOT EXISTS read_identities_activating ON read_identities (activating_account);

CREATE INDEX IF NOT EXISTS read_identities_updated ON read_identities (updated_at);

CREATE TABLE IF NOT EXISTS read_accounts (
    account_id TEXT PRIMARY KEY,
    client_code TEXT NOT NULL,
    company_code TEXT NOT NULL,
    login_id TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    role TEXT NOT NULL,
    suggested_email TEXT NOT NULL,
    ended_at TEXT);

-- The names people know a contract by (import columns agency_name, property).
CREATE TABLE IF NOT EXISTS read_account_names (
    account_id TEXT PRIMARY KEY,
    agency_name TEXT NOT NULL,
    property TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS read_identity_accounts (
    identity_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (identity_id, account_id));

CREATE INDEX IF NOT EXISTS read_identity_accounts_account ON read_identity_accounts (account_id);

CREATE INDEX IF NOT EXISTS read_accounts_agency ON read_accounts (client_code, company_code);
