-- What follows a committed upload (the points of the outcomes it recognised, and their
-- credentials) runs after the upload has been answered. A batch is recorded here once its
-- follow-up is complete; at start the platform resumes every batch not recorded. Each step is
-- idempotent, so a follow-up interrupted by a crash is simply run again.
CREATE TABLE batch_follow_ups (
    batch_id INTEGER PRIMARY KEY NOT NULL REFERENCES outcome_batches (id),
    done_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER batch_follow_ups_no_update BEFORE UPDATE ON batch_follow_ups
BEGIN SELECT RAISE(ABORT, 'batch_follow_ups is append-only'); END;

-- Batches stored before this migration were followed up inside the upload itself.
INSERT INTO batch_follow_ups (batch_id, done_at) SELECT id, submitted_at FROM outcome_batches;
