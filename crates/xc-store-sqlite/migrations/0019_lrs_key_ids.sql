-- The learning record store's filter keys by number (issue 5, ingest speed; docs/xapi.md).
--
-- `xapi_statement_keys` held each key's text (an agent's identifier, an activity IRI: about 46
-- bytes) in every row, and — being WITHOUT ROWID — again in each of its two indexes, which carry
-- the whole primary key: three B-trees of about 160 bytes a row, six to eight rows a statement,
-- most of the bytes every insert wrote. Each distinct key is now stored once in `xapi_keys` and
-- the key rows hold its number, so the three B-trees are a fraction of the size and a filter is
-- still one range in the query's order (`key_id` from the key's text, then `stored`, `seq`).

-- Each distinct (kind, key) a filter matches by, once. Rows stay while a key row uses them (the
-- reference below refuses to delete one in use); erasing an actor deletes their agent keys.
CREATE TABLE xapi_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('agent', 'activity', 'verb', 'registration')),
    key TEXT NOT NULL,
    CONSTRAINT xapi_keys_unique UNIQUE (key, kind)
) STRICT;
CREATE TRIGGER xapi_keys_no_update BEFORE UPDATE ON xapi_keys
BEGIN SELECT RAISE(ABORT, 'xapi_keys never change'); END;

INSERT INTO xapi_keys (kind, key)
SELECT DISTINCT kind, key FROM xapi_statement_keys ORDER BY kind, key;

-- The rows of 0011's `xapi_statement_keys`, with the key's number for its kind and text.
CREATE TABLE xapi_statement_keys_by_id (
    key_id INTEGER NOT NULL REFERENCES xapi_keys (id),
    stored INTEGER NOT NULL,
    seq INTEGER NOT NULL REFERENCES xapi_statements (seq) ON DELETE CASCADE,
    via INTEGER NOT NULL REFERENCES xapi_statements (seq) ON DELETE CASCADE,
    related_only INTEGER NOT NULL CHECK (related_only IN (0, 1)),
    PRIMARY KEY (key_id, stored, seq, via)
) STRICT, WITHOUT ROWID;

INSERT INTO xapi_statement_keys_by_id (key_id, stored, seq, via, related_only)
SELECT k.id, o.stored, o.seq, o.via, o.related_only
FROM xapi_statement_keys o JOIN xapi_keys k ON k.key = o.key AND k.kind = o.kind;

DROP TABLE xapi_statement_keys;
ALTER TABLE xapi_statement_keys_by_id RENAME TO xapi_statement_keys;
-- The probes of the other filters, the copies for referring statements, cascades.
CREATE INDEX xapi_statement_keys_by_statement ON xapi_statement_keys (seq, via, key_id);
CREATE INDEX xapi_statement_keys_by_via ON xapi_statement_keys (via);
