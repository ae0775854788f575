-- The learning record store (issue 5, SPEC C5; docs/xapi.md): xAPI statements stored once, the
-- keys every GET /statements filter matches (from xc_xapi::agents::StatementIndex, each with
-- `stored` so a filter is one index range in the query's order), voiding, attachments by hash,
-- canonical activity definitions, the agents seen, and the State / Activity Profile / Agent
-- Profile documents. Times are microseconds since the epoch.

-- A statement never changes: `seq` is the order of insertion (ties of `stored` are broken by
-- it; a `more` cursor is a position in (stored, seq)), `body` the exact JSON.
CREATE TABLE xapi_statements (
    seq INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL,
    stored INTEGER NOT NULL,
    verb TEXT NOT NULL,
    registration TEXT,
    references_id TEXT,
    voiding INTEGER NOT NULL CHECK (voiding IN (0, 1)),
    body TEXT NOT NULL,
    CONSTRAINT xapi_statements_id_unique UNIQUE (id)
) STRICT;
CREATE INDEX xapi_statements_by_stored ON xapi_statements (stored, seq);
CREATE INDEX xapi_statements_by_reference ON xapi_statements (references_id)
    WHERE references_id IS NOT NULL;
-- Deleting stays possible for the erasure of an actor (issue 5, privacy); changing never.
CREATE TRIGGER xapi_statements_no_update BEFORE UPDATE ON xapi_statements
BEGIN SELECT RAISE(ABORT, 'xapi_statements never change: voiding is a row of xapi_voided'); END;

-- Every key a filter matches a statement by (kind agent / activity / verb / registration), in
-- `stored` order under the key, so a filtered page is one range read in the query's order that
-- stops at its limit. `via` is the statement the key belongs to: the statement itself, or —
-- for the StatementRef rule — a statement it targets (transitively), whose keys are copied to
-- the referring statement with the referring statement's `stored` (also when the target
-- arrives later). related_only = 1 when the key matches only with related_agents /
-- related_activities.
CREATE TABLE xapi_statement_keys (
    kind TEXT NOT NULL CHECK (kind IN ('agent', 'activity', 'verb', 'registration')),
    key TEXT NOT NULL,
    stored INTEGER NOT NULL,
    seq INTEGER NOT NULL REFERENCES xapi_statements (seq) ON DELETE CASCADE,
    via INTEGER NOT NULL REFERENCES xapi_statements (seq) ON DELETE CASCADE,
    related_only INTEGER NOT NULL CHECK (related_only IN (0, 1)),
    PRIMARY KEY (kind, key, stored, seq, via)
) STRICT, WITHOUT ROWID;
-- The probes of the other filters, the copies for referring statements, cascades.
CREATE INDEX xapi_statement_keys_by_statement ON xapi_statement_keys (seq, via, kind, key);
CREATE INDEX xapi_statement_keys_by_via ON xapi_statement_keys (via);

-- A voided statement: one row, written with the voiding statement, never changed.
CREATE TABLE xapi_voided (
    target_id TEXT PRIMARY KEY NOT NULL REFERENCES xapi_statements (id) ON DELETE CASCADE,
    voiding_id TEXT NOT NULL REFERENCES xapi_statements (id) ON DELETE CASCADE
) STRICT;
CREATE TRIGGER xapi_voided_no_update BEFORE UPDATE ON xapi_voided
BEGIN SELECT RAISE(ABORT, 'xapi_voided never changes'); END;

-- Attachments' bytes, once per SHA-2 hash (lower-case hex).
CREATE TABLE xapi_attachments (
    sha2 TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL
) STRICT;
CREATE TRIGGER xapi_attachments_no_update BEFORE UPDATE ON xapi_attachments
BEGIN SELECT RAISE(ABORT, 'xapi_attachments never change'); END;

-- The canonical definition of each activity (every definition received, merged).
CREATE TABLE xapi_activities (
    id TEXT PRIMARY KEY NOT NULL,
    definition TEXT NOT NULL
) STRICT;

-- Every distinct Agent (its JSON) seen under each key, for the Person Object.
CREATE TABLE xapi_agents (
    seen INTEGER PRIMARY KEY NOT NULL,
    agent_key TEXT NOT NULL,
    agent TEXT NOT NULL,
    CONSTRAINT xapi_agents_unique UNIQUE (agent_key, agent)
) STRICT;

-- State, Activity Profile and Agent Profile documents; scope columns are '' where the resource
-- has none. `etag` is the quoted hex SHA-1 of `contents`.
CREATE TABLE xapi_documents (
    resource TEXT NOT NULL CHECK (resource IN ('state', 'activity_profile', 'agent_profile')),
    activity_id TEXT NOT NULL,
    agent_key TEXT NOT NULL,
    registration TEXT NOT NULL,
    document_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    contents BLOB NOT NULL,
    etag TEXT NOT NULL,
    updated INTEGER NOT NULL,
    PRIMARY KEY (resource, activity_id, agent_key, registration, document_id)
) STRICT, WITHOUT ROWID;
