-- Outcomes, specifications and recognition decisions in the shapes of the domain (issue 3).
--
-- Migration 0002 laid these tables out before the domain types were settled; no release ever
-- wrote to them (only the points ledger and incentives were used), so they are dropped and made
-- again rather than altered column by column. Same tables and constraint names as the
-- PostgreSQL migration 0003.
--
-- What changed and why:
-- - Contact hours are INTEGER tenths (`ContactHours`), marks are TEXT as the domain writes them
--   ("85.5", "pass", "fail"), and field, hours and grade are optional as in the domain.
-- - A specification version carries its grade (vocational certificates only).
-- - A submitted outcome has no category, level or credits until it is recognised: those columns
--   are NULL while it waits for review and are filled from the decision that recognised it.
-- - Evidence is a JSON array of {kind, reference}: an outcome may have several.
-- - A decision copies what it granted (category, level, credits, last valid day) and names the
--   specification version or general rule it applied, or the reviewer who made it; a later
--   version of either never changes it.

DROP VIEW outcome_specifications_current;
DROP TABLE recognition_decisions;
DROP TABLE outcomes;
DROP TABLE outcome_batches;
DROP TABLE outcome_specification_versions;

CREATE TABLE outcome_specification_versions (
    specification_id INTEGER NOT NULL REFERENCES outcome_specifications (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    hours_tenths INTEGER CHECK (hours_tenths > 0),
    grade TEXT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 10),
    credits INTEGER NOT NULL CHECK (credits >= 0),
    field TEXT,
    validity_months INTEGER CHECK (validity_months > 0),
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users (id),
    CONSTRAINT outcome_specification_versions_pkey PRIMARY KEY (specification_id, version)
) STRICT;

CREATE TABLE outcome_batches (
    id INTEGER PRIMARY KEY NOT NULL,
    provider_id INTEGER NOT NULL REFERENCES institutions (id),
    submitted_by INTEGER REFERENCES users (id),
    submitted_at INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    all_or_nothing INTEGER NOT NULL,
    rows_total INTEGER NOT NULL CHECK (rows_total >= 0),
    rows_stored INTEGER NOT NULL CHECK (rows_stored >= 0)
) STRICT;

CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    provider_id INTEGER NOT NULL REFERENCES institutions (id),
    external_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    hours_tenths INTEGER CHECK (hours_tenths > 0),
    grade TEXT,
    field TEXT,
    achieved_on TEXT NOT NULL,
    score TEXT,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT,
    level INTEGER CHECK (level BETWEEN 1 AND 10),
    credits INTEGER CHECK (credits >= 0),
    valid_until TEXT,
    submitted_at INTEGER NOT NULL,
    submitted_by INTEGER REFERENCES users (id),
    batch_id INTEGER REFERENCES outcome_batches (id),
    CONSTRAINT outcomes_provider_external_unique UNIQUE (provider_id, external_id),
    CONSTRAINT outcomes_status_check CHECK (status IN ('in_review', 'recognised', 'rejected')),
    CONSTRAINT outcomes_recognised_check CHECK (
        (status = 'recognised') = (category IS NOT NULL AND level IS NOT NULL AND credits IS NOT NULL)
    )
) STRICT;
CREATE INDEX outcomes_by_learner_date ON outcomes (learner_id, achieved_on, id);
CREATE INDEX outcomes_review_queue ON outcomes (submitted_at, id) WHERE status = 'in_review';
CREATE INDEX outcomes_by_batch ON outcomes (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE recognition_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    outcome_id INTEGER NOT NULL REFERENCES outcomes (id),
    decided_at INTEGER NOT NULL,
    reviewer_id INTEGER REFERENCES users (id),
    accepted INTEGER NOT NULL,
    specification_id INTEGER,
    specification_version INTEGER,
    general_rule TEXT,
    category TEXT,
    level INTEGER CHECK (level BETWEEN 1 AND 10),
    credits INTEGER CHECK (credits >= 0),
    valid_until TEXT,
    reason TEXT NOT NULL,
    CONSTRAINT recognition_decisions_specification_fkey
        FOREIGN KEY (specification_id, specification_version)
        REFERENCES outcome_specification_versions (specification_id, version),
    CONSTRAINT recognition_decisions_accepted_check CHECK (
        accepted = (category IS NOT NULL AND level IS NOT NULL AND credits IS NOT NULL)
    )
) STRICT;
CREATE INDEX recognition_decisions_by_outcome ON recognition_decisions (outcome_id, id);

CREATE VIEW outcome_specifications_current AS
SELECT v.* FROM outcome_specification_versions v
WHERE v.version = (
    SELECT MAX(w.version) FROM outcome_specification_versions w
    WHERE w.specification_id = v.specification_id
);

CREATE TRIGGER outcome_specification_versions_no_update
BEFORE UPDATE ON outcome_specification_versions
BEGIN SELECT RAISE(ABORT, 'outcome_specification_versions is append-only'); END;
CREATE TRIGGER outcome_specification_versions_no_delete
BEFORE DELETE ON outcome_specification_versions
BEGIN SELECT RAISE(ABORT, 'outcome_specification_versions is append-only'); END;
CREATE TRIGGER recognition_decisions_no_update BEFORE UPDATE ON recognition_decisions
BEGIN SELECT RAISE(ABORT, 'recognition_decisions is append-only'); END;
CREATE TRIGGER recognition_decisions_no_delete BEFORE DELETE ON recognition_decisions
BEGIN SELECT RAISE(ABORT, 'recognition_decisions is append-only'); END;
