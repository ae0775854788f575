-- The transparency log (issue 4, SPEC C4): an RFC 9162 Merkle tree of entries, stored as the
-- entries, the hash of every perfect subtree keyed by (level, node_index) (the layout of
-- xc-merkle), and the signed tree heads. Everything here is only ever inserted.

CREATE TABLE log_entries (
    leaf_index BIGINT PRIMARY KEY CHECK (leaf_index >= 0),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    entry BYTEA NOT NULL,
    appended_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT log_entries_kind_check CHECK (kind IN ('issuance', 'status_change'))
);
CREATE INDEX log_entries_by_subject ON log_entries (subject, leaf_index);

CREATE TABLE merkle_nodes (
    level SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 62),
    node_index BIGINT NOT NULL CHECK (node_index >= 0),
    hash BYTEA NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
);

CREATE TABLE log_tree_heads (
    tree_size BIGINT PRIMARY KEY CHECK (tree_size >= 0),
    root_hash BYTEA NOT NULL CHECK (length(root_hash) = 32),
    timestamp_ms BIGINT NOT NULL CHECK (timestamp_ms >= 0),
    -- [{"key_id": …, "algorithm": …, "signature": hex}, …]
    signatures JSONB NOT NULL
);

CREATE TRIGGER log_entries_no_change
    BEFORE UPDATE OR DELETE OR TRUNCATE ON log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION credit_bank_refuse_change();
CREATE TRIGGER merkle_nodes_no_change
    BEFORE UPDATE OR DELETE OR TRUNCATE ON merkle_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION credit_bank_refuse_change();
CREATE TRIGGER log_tree_heads_no_change
    BEFORE UPDATE OR DELETE OR TRUNCATE ON log_tree_heads
    FOR EACH STATEMENT EXECUTE FUNCTION credit_bank_refuse_change();

-- Credentials issued for recognised outcomes: the signed document (no personal data in clear:
-- the holder is a salted hash) and the log entry that records its issuance.
CREATE TABLE issued_credentials (
    id TEXT PRIMARY KEY,
    outcome_id BIGINT NOT NULL REFERENCES outcomes (id),
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    log_index BIGINT NOT NULL REFERENCES log_entries (leaf_index),
    issued_at TIMESTAMPTZ NOT NULL,
    document TEXT NOT NULL,
    CONSTRAINT issued_credentials_outcome_unique UNIQUE (outcome_id),
    CONSTRAINT issued_credentials_log_index_unique UNIQUE (log_index)
);
CREATE INDEX issued_credentials_by_learner ON issued_credentials (learner_id, issued_at);
CREATE TRIGGER issued_credentials_no_change
    BEFORE UPDATE OR DELETE OR TRUNCATE ON issued_credentials
    FOR EACH STATEMENT EXECUTE FUNCTION credit_bank_refuse_change();
