-- The support-search read model on SQLite: documents under an FTS5 index.
-- The baseline: what the releases before migrations created, IF NOT EXISTS so
-- that it also accepts a database one of them made.

-- What the projection keeps to rewrite a document: a person's words, a contract's, the links between.
CREATE TABLE IF NOT EXISTS search_people (
    identity_id TEXT PRIMARY KEY,
    words TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS search_contracts (
    account_id TEXT PRIMARY KEY,
    client_code TEXT NOT NULL,
    company_code TEXT NOT NULL,
    codes TEXT NOT NULL,
    details TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS search_links (
    identity_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (identity_id, account_id));

CREATE INDEX IF NOT EXISTS search_links_account ON search_links (account_id);

-- The folded-terms table of the earlier releases, replaced by the documents:
-- its projection (tracked as support_search) starts over from the events.
DROP TABLE IF EXISTS search_terms;

DELETE FROM tracking WHERE name = 'support_search';

CREATE TABLE IF NOT EXISTS search_docs (
    seq INTEGER PRIMARY KEY,
    identity_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    support INTEGER NOT NULL,
    words TEXT NOT NULL);

CREATE INDEX IF NOT EXISTS search_docs_identity ON search_docs (identity_id);

-- External content kept by the triggers below; prefixes up to 8 characters are
-- indexed: a longer one merges the lists of every word it begins.
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    scope, words, identity_id UNINDEXED, support UNINDEXED,
    content='search_docs', content_rowid='seq',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6 7 8');

CREATE TRIGGER IF NOT EXISTS search_docs_added AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, scope, words, identity_id, support)
    VALUES (new.seq, new.scope, new.words, new.identity_id, new.support);
END;

CREATE TRIGGER IF NOT EXISTS search_docs_removed AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, scope, words, identity_id, support)
    VALUES ('delete', old.seq, old.scope, old.words, old.identity_id, old.support);
END;
