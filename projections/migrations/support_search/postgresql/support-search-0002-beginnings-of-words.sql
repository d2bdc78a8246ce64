-- The beginnings of words as lexemes of their own, as SQLite's FTS5 prefix
-- indexes hold them: a prefix term (``'fr':*``) made GIN collect every entry
-- it begins, hundreds of thousands of rows at a million people, before
-- intersecting; ``'^fr'`` is one entry, whose posting list GIN's fast scan
-- skips through like a whole word's.

-- What the index holds of a document: its words, its scope (``_`` and the
-- scope), and every beginning of two letters or more of each word, whole word
-- included, behind ``^`` (no word holds one: see ``words_of``). Not the
-- ``support`` flag: nearly every document has it, so as an index term it only
-- cost a walk through a million-row list; support's queries filter it on the rows.
CREATE FUNCTION search_lexemes(words TEXT, scope TEXT) RETURNS TSVECTOR
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    word TEXT;
    lexemes TEXT[] := array_remove(string_to_array(words || ' _' || scope, ' '), '');
BEGIN
    FOREACH word IN ARRAY string_to_array(words, ' ') LOOP
        FOR k IN 2..length(word) LOOP
            lexemes := lexemes || ('^' || left(word, k));
        END LOOP;
    END LOOP;
    RETURN array_to_tsvector(lexemes);
END $$;

-- Built here over the documents already written (the projection has nothing to
-- replay: the words are all it needs); the generated ``tsv`` stays, read on the
-- rows found (the newest documents first, and the exact query on what the index found).
CREATE INDEX search_docs_lexemes ON search_docs USING GIN (search_lexemes(words, scope));

DROP INDEX search_docs_tsv;
