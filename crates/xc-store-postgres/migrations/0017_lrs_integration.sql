-- The learning record store joined to the credit bank (issue 5 §4, §5; docs/xapi.md
-- "Integration"): which xAPI actors are which learners, the statements each learner made (the
-- archive reads them through this table's primary key, newest first, a page at a time), how far
-- the integration walk has applied stored statements, and the staff's versioned statement
-- rules. Times are microseconds since the epoch, as in the other xapi_ tables.

-- An actor's IFI key (`xc_xapi::agents::ifi_key`) linked by staff to a learner. A key names one
-- learner; a learner may have several keys. The platform's own account (homePage = the
-- platform's base URL, name = the learner id) maps without a row.
CREATE TABLE xapi_actor_links (
    agent_key TEXT PRIMARY KEY,
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    linked_at BIGINT NOT NULL,
    linked_by BIGINT REFERENCES users (id)
);
CREATE INDEX xapi_actor_links_by_learner ON xapi_actor_links (learner_id);

-- A statement whose actor is a learner, in the learner's timeline. Deleted with the statement
-- (an actor's erasure).
CREATE TABLE xapi_learner_statements (
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    stored BIGINT NOT NULL,
    seq BIGINT NOT NULL REFERENCES xapi_statements (seq) ON DELETE CASCADE,
    PRIMARY KEY (learner_id, stored, seq)
);
CREATE INDEX xapi_learner_statements_by_statement ON xapi_learner_statements (seq);

-- The highest statement `seq` the integration walk has applied (one row).
CREATE TABLE xapi_integration (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    applied_seq BIGINT NOT NULL CHECK (applied_seq >= 0)
);
INSERT INTO xapi_integration (id, applied_seq) VALUES (1, 0);

-- The statement rules (which statements earn which points), versioned like the points policy:
-- a version never changes, the highest is in force.
CREATE TABLE xapi_rule_versions (
    version INTEGER PRIMARY KEY CHECK (version >= 1),
    body JSONB NOT NULL,
    published_at BIGINT NOT NULL,
    published_by BIGINT REFERENCES users (id)
);
CREATE TRIGGER xapi_rule_versions_no_change
    BEFORE UPDATE OR DELETE OR TRUNCATE ON xapi_rule_versions
    FOR EACH STATEMENT EXECUTE FUNCTION credit_bank_refuse_change();
