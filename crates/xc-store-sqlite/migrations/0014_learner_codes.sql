-- The learner code (申学码, issue 4): each learner's pseudonymous handle, which the short-lived
-- QR token carries instead of anything personal, and every check-in a staff member recorded by
-- scanning a code. A check-in's primary key is the code's id (handle, minute and nonce), so a
-- code is accepted once: durably, whichever server scanned it first. Times are microseconds
-- since the epoch. Check-ins are learning records: insert-only, kept when a learner's identity
-- is erased (docs/privacy.md).

CREATE TABLE learner_handles (
    learner_id INTEGER PRIMARY KEY NOT NULL REFERENCES learners (id),
    handle TEXT NOT NULL,
    CONSTRAINT learner_handles_handle_unique UNIQUE (handle),
    CONSTRAINT learner_handles_handle_check CHECK (length(handle) = 16)
) STRICT;

CREATE TABLE learner_check_ins (
    code_id TEXT PRIMARY KEY NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    site_id INTEGER NOT NULL REFERENCES sites (id),
    checked_in_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users (id),
    CONSTRAINT learner_check_ins_code_id_check CHECK (length(code_id) = 32)
) STRICT;
CREATE INDEX learner_check_ins_by_learner ON learner_check_ins (learner_id, checked_in_at);
CREATE TRIGGER learner_check_ins_no_update BEFORE UPDATE ON learner_check_ins
BEGIN SELECT RAISE(ABORT, 'learner_check_ins is append-only'); END;
CREATE TRIGGER learner_check_ins_no_delete BEFORE DELETE ON learner_check_ins
BEGIN SELECT RAISE(ABORT, 'learner_check_ins is append-only'); END;
