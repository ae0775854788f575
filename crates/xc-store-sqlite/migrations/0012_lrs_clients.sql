-- LRS clients (issue 5, docs/xapi.md "Authentication"): HTTP Basic credentials per learning
-- platform, with the xAPI scopes they grant. `key` is the Basic user name; only the SHA-256 of
-- the random secret is kept. Each statement remembers the client that stored it (NULL: the
-- platform itself), for the `statements/read/mine` scope.
CREATE TABLE xapi_clients (
    id INTEGER PRIMARY KEY NOT NULL,
    key TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    institution_id INTEGER REFERENCES institutions (id),
    scopes TEXT NOT NULL CHECK (length(trim(scopes)) > 0),
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    CONSTRAINT xapi_clients_key_unique UNIQUE (key)
) STRICT;

ALTER TABLE xapi_statements ADD COLUMN client_id INTEGER REFERENCES xapi_clients (id);
CREATE INDEX xapi_statements_by_client ON xapi_statements (client_id, stored, seq)
    WHERE client_id IS NOT NULL;
