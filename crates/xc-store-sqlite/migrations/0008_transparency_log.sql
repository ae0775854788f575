-- The transparency log (issue 4, SPEC C4): an RFC 9162 Merkle tree of entries, stored as the
-- entries, the hash of every perfect subtree keyed by (level, node_index) (the layout of
-- xc-merkle), and the signed tree heads. Everything here is only ever inserted.

CREATE TABLE log_entries (
    leaf_index INTEGER PRIMARY KEY NOT NULL CHECK (leaf_index >= 0),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    entry BLOB NOT NULL,
    appended_at INTEGER NOT NULL,
    CONSTRAINT log_entries_kind_check CHECK (kind IN ('issuance', 'status_change'))
) STRICT;
CREATE INDEX log_entries_by_subject ON log_entries (subject, leaf_index);

CREATE TABLE merkle_nodes (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62),
    node_index INTEGER NOT NULL CHECK (node_index >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
) STRICT, WITHOUT ROWID;

CREATE TABLE log_tree_heads (
    tree_size INTEGER PRIMARY KEY NOT NULL CHECK (tree_size >= 0),
    root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
    timestamp_ms INTEGER NOT NULL CHECK (timestamp_ms >= 0),
    -- [{"key_id": …, "algorithm": …, "signature": hex}, …]
    signatures TEXT NOT NULL
) STRICT;

CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
BEGIN SELECT RAISE(ABORT, 'log_entries is append-only'); END;
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
BEGIN SELECT RAISE(ABORT, 'log_entries is append-only'); END;
CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'merkle_nodes is append-only'); END;
CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'merkle_nodes is append-only'); END;
CREATE TRIGGER log_tree_heads_no_update BEFORE UPDATE ON log_tree_heads
BEGIN SELECT RAISE(ABORT, 'log_tree_heads is append-only'); END;
CREATE TRIGGER log_tree_heads_no_delete BEFORE DELETE ON log_tree_heads
BEGIN SELECT RAISE(ABORT, 'log_tree_heads is append-only'); END;

-- Credentials issued for recognised outcomes: the signed document (no personal data in clear:
-- the holder is a salted hash) and the log entry that records its issuance.
CREATE TABLE issued_credentials (
    id TEXT PRIMARY KEY NOT NULL,
    outcome_id INTEGER NOT NULL REFERENCES outcomes (id),
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    log_index INTEGER NOT NULL REFERENCES log_entries (leaf_index),
    issued_at INTEGER NOT NULL,
    document TEXT NOT NULL,
    CONSTRAINT issued_credentials_outcome_unique UNIQUE (outcome_id),
    CONSTRAINT issued_credentials_log_index_unique UNIQUE (log_index)
) STRICT;
CREATE INDEX issued_credentials_by_learner ON issued_credentials (learner_id, issued_at);
CREATE TRIGGER issued_credentials_no_update BEFORE UPDATE ON issued_credentials
BEGIN SELECT RAISE(ABORT, 'issued_credentials is append-only'); END;
CREATE TRIGGER issued_credentials_no_delete BEFORE DELETE ON issued_credentials
BEGIN SELECT RAISE(ABORT, 'issued_credentials is append-only'); END;
