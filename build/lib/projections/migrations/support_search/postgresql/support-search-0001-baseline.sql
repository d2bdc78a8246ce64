-- The support-search read model on PostgreSQL: documents under a GIN index.
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

-- The words, and who may read the document as words no query can hold (``_``:
-- see ``words_of``), so the GIN index alone finds what a scope's query matches.
CREATE TABLE IF NOT EXISTS search_docs (
    seq BIGSERIAL PRIMARY KEY,
    identity_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    support INTEGER NOT NULL,
    words TEXT NOT NULL,
    tsv TSVECTOR GENERATED ALWAYS AS (array_to_tsvector(array_remove(string_to_array(
        words || ' _' || scope || CASE WHEN support = 1 THEN ' _support' ELSE '' END, ' '), ''))) STORED);

CREATE INDEX IF NOT EXISTS search_docs_identity ON search_docs (identity_id);

CREATE INDEX IF NOT EXISTS search_docs_tsv ON search_docs USING GIN (tsv);

CREATE INDEX IF NOT EXISTS search_docs_support ON search_docs (seq) WHERE support = 1;

CREATE INDEX IF NOT EXISTS search_docs_scope ON search_docs (scope, seq);
