-- The learner code (申学码, issue 4): each learner's pseudonymous handle, which the short-lived
-- QR token carries instead of anything personal, and every check-in a staff member recorded by
-- scanning a code. A check-in's primary key is the code's id (handle, minute and nonce), so a
-- code is accepted once: durably, whichever server scanned it first. Check-ins are learning
-- records: insert-only, kept when a learner's identity is erased (docs/privacy.md).

CREATE TABLE learner_handles (
    learner_id BIGINT PRIMARY KEY REFERENCES learners (id),
    handle TEXT NOT NULL,
    CONSTRAINT learner_handles_handle_unique UNIQUE (handle),
    CONSTRAINT learner_handles_handle_check CHECK (length(handle) = 16)
);

CREATE TABLE learner_check_ins (
    code_id TEXT PRIMARY KEY,
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    site_id BIGINT NOT NULL REFERENCES sites (id),
    checked_in_at TIMESTAMPTZ NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    CONSTRAINT learner_check_ins_code_id_check CHECK (length(code_id) = 32)
);
CREATE INDEX learner_check_ins_by_learner ON learner_check_ins (learner_id, checked_in_at);
CREATE TRIGGER learner_check_ins_no_change
    BEFORE UPDATE OR DELETE OR TRUNCATE ON learner_check_ins
    FOR EACH STATEMENT EXECUTE FUNCTION credit_bank_refuse_change();
