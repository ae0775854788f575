-- Revocation and suspension of issued credentials (issue 4): every change of a credential's
-- status, with who decided, when and why, and the transparency-log entry that records it. The
-- status a credential has now is the fold of its changes in order; the status lists are built
-- from it. A credential's position in the status lists is its issuance entry's log index
-- (issued_credentials.log_index), so nothing else is stored for it. Insert-only, like the log.

CREATE TABLE credential_status_changes (
    id INTEGER PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES issued_credentials (id),
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at INTEGER NOT NULL,
    log_index INTEGER NOT NULL REFERENCES log_entries (leaf_index),
    CONSTRAINT credential_status_changes_action_check
        CHECK (action IN ('revoke', 'suspend', 'reinstate')),
    CONSTRAINT credential_status_changes_reason_check CHECK (length(trim(reason)) > 0),
    CONSTRAINT credential_status_changes_log_index_unique UNIQUE (log_index)
) STRICT;
CREATE INDEX credential_status_changes_by_credential
    ON credential_status_changes (credential_id, id);
CREATE TRIGGER credential_status_changes_no_update BEFORE UPDATE ON credential_status_changes
BEGIN SELECT RAISE(ABORT, 'credential_status_changes is append-only'); END;
CREATE TRIGGER credential_status_changes_no_delete BEFORE DELETE ON credential_status_changes
BEGIN SELECT RAISE(ABORT, 'credential_status_changes is append-only'); END;
