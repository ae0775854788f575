-- Conversion applications in the shape of the domain's proposal (issue 3). Migration 0002's
-- conversion_applications and conversion_lines were never written by a release, so they are
-- dropped and made again. Same tables and constraint names as the PostgreSQL migration 0004.
--
-- - An application keeps the engine's whole explanation as it was made (`proposal`, JSON: the
--   rules that did not apply and why, the outcomes excluded or left unused), so what the learner
--   was told can always be shown again, whatever the rules become.
-- - Each line is one application of one rule version: the outcomes it used (JSON array of ids),
--   what it grants (JSON) and its credits. Staff approve an application keeping some or all of its
--   lines (`kept`), or reject it with a reason; a decided application never changes again.
-- - A learner has at most one open (proposed) application per programme.

DROP TABLE conversion_lines;
DROP TABLE conversion_applications;

CREATE TABLE conversion_applications (
    id INTEGER PRIMARY KEY NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    status TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    made_on TEXT NOT NULL,
    proposal TEXT NOT NULL,
    proposed_credits INTEGER NOT NULL CHECK (proposed_credits >= 0),
    decided_at INTEGER,
    decided_by INTEGER REFERENCES users (id),
    approved_credits INTEGER CHECK (approved_credits >= 0),
    decision_reason TEXT,
    CONSTRAINT conversion_applications_status_check
        CHECK (status IN ('proposed', 'approved', 'rejected')),
    CONSTRAINT conversion_applications_decided_check CHECK (
        (status = 'proposed') = (decided_at IS NULL)
        AND (status = 'approved') = (approved_credits IS NOT NULL)
    )
) STRICT;
CREATE INDEX conversion_applications_by_learner ON conversion_applications (learner_id, id);
CREATE INDEX conversion_applications_open ON conversion_applications (applied_at, id)
    WHERE status = 'proposed';
CREATE UNIQUE INDEX conversion_applications_one_open
    ON conversion_applications (learner_id, programme_id) WHERE status = 'proposed';

CREATE TABLE conversion_lines (
    application_id INTEGER NOT NULL REFERENCES conversion_applications (id),
    line_no INTEGER NOT NULL CHECK (line_no >= 1),
    rule_id INTEGER NOT NULL,
    rule_version INTEGER NOT NULL,
    outcome_ids TEXT NOT NULL,
    grant_body TEXT NOT NULL,
    credits INTEGER NOT NULL CHECK (credits >= 0),
    kept INTEGER,
    CONSTRAINT conversion_lines_pkey PRIMARY KEY (application_id, line_no),
    CONSTRAINT conversion_lines_rule_fkey FOREIGN KEY (rule_id, rule_version)
        REFERENCES conversion_rule_versions (rule_id, version)
) STRICT;
