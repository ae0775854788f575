-- Taking trust back (issue 4 §8): a bank removed from the trust list (and restored), and a pinned
-- key distrusted (e.g. the other bank reports it stolen). The trust list's rows and pinned keys
-- never change (0016's triggers); what changed, when, by whom and why is appended here, and the
-- entry's state is read from these rows in order: the last 'remove' or 'restore' of a bank says
-- whether it is on the list, and a 'distrust' of a key is for good (at most one per key).
-- Outcomes brought before a change keep their provenance; only credentials brought afterwards
-- are refused.

CREATE TABLE trust_list_changes (
    id INTEGER PRIMARY KEY,
    bank_id INTEGER NOT NULL REFERENCES trusted_banks (id),
    change TEXT NOT NULL,
    key_id TEXT,
    reason TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    changed_by INTEGER REFERENCES users (id),
    CONSTRAINT trust_list_changes_change_check
        CHECK (change IN ('remove', 'restore', 'distrust')),
    CONSTRAINT trust_list_changes_key_check CHECK ((change = 'distrust') = (key_id IS NOT NULL)),
    CONSTRAINT trust_list_changes_reason_check CHECK (length(trim(reason)) > 0),
    FOREIGN KEY (bank_id, key_id) REFERENCES trusted_bank_keys (bank_id, key_id)
) STRICT;
CREATE INDEX trust_list_changes_by_bank ON trust_list_changes (bank_id, id);
CREATE UNIQUE INDEX trust_list_changes_distrust_once
    ON trust_list_changes (bank_id, key_id) WHERE key_id IS NOT NULL;
CREATE TRIGGER trust_list_changes_no_update BEFORE UPDATE ON trust_list_changes
BEGIN SELECT RAISE(ABORT, 'trust_list_changes is append-only'); END;
CREATE TRIGGER trust_list_changes_no_delete BEFORE DELETE ON trust_list_changes
BEGIN SELECT RAISE(ABORT, 'trust_list_changes is append-only'); END;
