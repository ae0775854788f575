-- The credit bank (issue 3): recognition standards (outcome specifications, general rules for
-- non-formal learning, vocational grade mappings, conversion rules, all versioned), learning
-- outcomes, recognition decisions, programmes and conversion applications, the points ledger and
-- incentives. Same tables and constraint names as the PostgreSQL migration 0002.
--
-- Schema decisions:
-- - A published version is a row that never changes: every *_versions table refuses UPDATE and
--   DELETE by trigger; a new version is a new row with the next number; the current version is
--   the highest number (views *_current).
-- - Non-formal rules, grade mappings and conversion rules are stored as JSON text of the domain
--   values (`body`): they are read whole and evaluated in the domain, never queried by part.
--   Outcome specifications are columns: they are matched against submitted outcomes in SQL.
-- - Credits are INTEGER hundredths (the domain's `Credits`), never floating point.
-- - Dates (`achieved_on`, `valid_until`, `day`) are ISO 'YYYY-MM-DD' TEXT; timestamps are INTEGER
--   microseconds since the Unix epoch, UTC, as in 0001.
-- - Recognition decisions and the points ledger are append-only like audit_log; a learner's
--   points balance is SUM(points) of their ledger rows (spending is a negative row).

CREATE TABLE outcome_specifications (
    id INTEGER PRIMARY KEY NOT NULL,
    provider_id INTEGER NOT NULL REFERENCES institutions (id),
    code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT outcome_specifications_code_unique UNIQUE (provider_id, code)
) STRICT;

CREATE TABLE outcome_specification_versions (
    specification_id INTEGER NOT NULL REFERENCES outcome_specifications (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    field TEXT NOT NULL,
    hours INTEGER NOT NULL CHECK (hours >= 0),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 10),
    credits INTEGER NOT NULL CHECK (credits >= 0),
    validity_months INTEGER CHECK (validity_months > 0),
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users (id),
    CONSTRAINT outcome_specification_versions_pkey PRIMARY KEY (specification_id, version)
) STRICT;

CREATE VIEW outcome_specifications_current AS
SELECT v.* FROM outcome_specification_versions v
WHERE v.version = (
    SELECT MAX(w.version) FROM outcome_specification_versions w
    WHERE w.specification_id = v.specification_id
);

CREATE TABLE nonformal_rule_versions (
    kind TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users (id),
    CONSTRAINT nonformal_rule_versions_pkey PRIMARY KEY (kind, version)
) STRICT;

CREATE TABLE grade_mapping_versions (
    version INTEGER PRIMARY KEY NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users (id)
) STRICT;

CREATE TABLE outcome_batches (
    id INTEGER PRIMARY KEY NOT NULL,
    provider_id INTEGER NOT NULL REFERENCES institutions (id),
    submitted_by INTEGER REFERENCES users (id),
    submitted_at INTEGER NOT NULL,
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
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    field TEXT NOT NULL,
    hours INTEGER CHECK (hours >= 0),
    score INTEGER CHECK (score BETWEEN 0 AND 100),
    grade TEXT,
    achieved_on TEXT NOT NULL,
    valid_until TEXT,
    level INTEGER CHECK (level BETWEEN 1 AND 10),
    credits INTEGER CHECK (credits >= 0),
    evidence_kind TEXT NOT NULL,
    evidence_reference TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    batch_id INTEGER REFERENCES outcome_batches (id),
    CONSTRAINT outcomes_provider_external_unique UNIQUE (provider_id, external_id),
    CONSTRAINT outcomes_status_check
        CHECK (status IN ('submitted', 'recognised', 'rejected', 'in_review'))
) STRICT;
CREATE INDEX outcomes_by_learner_date ON outcomes (learner_id, achieved_on, id);
CREATE INDEX outcomes_review_queue ON outcomes (submitted_at, id) WHERE status = 'in_review';
CREATE INDEX outcomes_by_batch ON outcomes (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE recognition_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    outcome_id INTEGER NOT NULL REFERENCES outcomes (id),
    decided_at INTEGER NOT NULL,
    decided_by TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    specification_id INTEGER,
    specification_version INTEGER,
    rule_kind TEXT,
    rule_version INTEGER,
    level INTEGER CHECK (level BETWEEN 1 AND 10),
    credits INTEGER CHECK (credits >= 0),
    reason TEXT NOT NULL,
    CONSTRAINT recognition_decisions_specification_fkey
        FOREIGN KEY (specification_id, specification_version)
        REFERENCES outcome_specification_versions (specification_id, version)
) STRICT;
CREATE INDEX recognition_decisions_by_outcome ON recognition_decisions (outcome_id, id);

CREATE TABLE programmes (
    id INTEGER PRIMARY KEY NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    max_credits INTEGER CHECK (max_credits >= 0),
    CONSTRAINT programmes_code_unique UNIQUE (institution_id, code)
) STRICT;

CREATE TABLE conversion_rules (
    id INTEGER PRIMARY KEY NOT NULL,
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT conversion_rules_code_unique UNIQUE (programme_id, code)
) STRICT;

CREATE TABLE conversion_rule_versions (
    rule_id INTEGER NOT NULL REFERENCES conversion_rules (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users (id),
    CONSTRAINT conversion_rule_versions_pkey PRIMARY KEY (rule_id, version)
) STRICT;

CREATE TABLE conversion_applications (
    id INTEGER PRIMARY KEY NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    status TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES users (id),
    CONSTRAINT conversion_applications_status_check
        CHECK (status IN ('proposed', 'approved', 'rejected'))
) STRICT;
CREATE INDEX conversion_applications_by_learner ON conversion_applications (learner_id, id);

CREATE TABLE conversion_lines (
    application_id INTEGER NOT NULL REFERENCES conversion_applications (id),
    line_no INTEGER NOT NULL CHECK (line_no >= 1),
    rule_id INTEGER NOT NULL,
    rule_version INTEGER NOT NULL,
    outcome_ids TEXT NOT NULL,
    credits INTEGER NOT NULL CHECK (credits >= 0),
    exempt_course TEXT,
    explanation TEXT NOT NULL,
    CONSTRAINT conversion_lines_pkey PRIMARY KEY (application_id, line_no),
    CONSTRAINT conversion_lines_rule_fkey FOREIGN KEY (rule_id, rule_version)
        REFERENCES conversion_rule_versions (rule_id, version)
) STRICT;

CREATE TABLE incentives (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    cost_points INTEGER NOT NULL CHECK (cost_points > 0),
    available_from TEXT NOT NULL,
    available_until TEXT,
    CONSTRAINT incentives_code_unique UNIQUE (code)
) STRICT;

CREATE TABLE points_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    at INTEGER NOT NULL,
    day TEXT NOT NULL,
    year INTEGER NOT NULL,
    award TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points <> 0),
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    incentive_id INTEGER REFERENCES incentives (id)
) STRICT;
CREATE INDEX points_by_learner_day ON points_ledger (learner_id, day, award);
CREATE INDEX points_by_learner_year ON points_ledger (learner_id, year, award);

-- Published versions, decisions and the ledger never change once written.
CREATE TRIGGER outcome_specification_versions_no_update
BEFORE UPDATE ON outcome_specification_versions
BEGIN SELECT RAISE(ABORT, 'outcome_specification_versions is append-only'); END;
CREATE TRIGGER outcome_specification_versions_no_delete
BEFORE DELETE ON outcome_specification_versions
BEGIN SELECT RAISE(ABORT, 'outcome_specification_versions is append-only'); END;
CREATE TRIGGER nonformal_rule_versions_no_update BEFORE UPDATE ON nonformal_rule_versions
BEGIN SELECT RAISE(ABORT, 'nonformal_rule_versions is append-only'); END;
CREATE TRIGGER nonformal_rule_versions_no_delete BEFORE DELETE ON nonformal_rule_versions
BEGIN SELECT RAISE(ABORT, 'nonformal_rule_versions is append-only'); END;
CREATE TRIGGER grade_mapping_versions_no_update BEFORE UPDATE ON grade_mapping_versions
BEGIN SELECT RAISE(ABORT, 'grade_mapping_versions is append-only'); END;
CREATE TRIGGER grade_mapping_versions_no_delete BEFORE DELETE ON grade_mapping_versions
BEGIN SELECT RAISE(ABORT, 'grade_mapping_versions is append-only'); END;
CREATE TRIGGER conversion_rule_versions_no_update BEFORE UPDATE ON conversion_rule_versions
BEGIN SELECT RAISE(ABORT, 'conversion_rule_versions is append-only'); END;
CREATE TRIGGER conversion_rule_versions_no_delete BEFORE DELETE ON conversion_rule_versions
BEGIN SELECT RAISE(ABORT, 'conversion_rule_versions is append-only'); END;
CREATE TRIGGER recognition_decisions_no_update BEFORE UPDATE ON recognition_decisions
BEGIN SELECT RAISE(ABORT, 'recognition_decisions is append-only'); END;
CREATE TRIGGER recognition_decisions_no_delete BEFORE DELETE ON recognition_decisions
BEGIN SELECT RAISE(ABORT, 'recognition_decisions is append-only'); END;
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;
