-- An event reference earns points at most once per learner: bulk awards (a batch upload's
-- recognised outcomes, a provider's list of events) append with ON CONFLICT DO NOTHING against
-- this index, so awarding the same `outcome:<id>` twice appends nothing the second time, even
-- when two awards race. Spending rows (source_kind 'incentive') may repeat and are left out.
CREATE UNIQUE INDEX points_ledger_award_once
    ON points_ledger (learner_id, source_kind, source_id)
    WHERE source_kind = 'event';

-- The city's points policy, versioned like the grade mapping: each change is a new row (the body
-- is the whole policy as JSON of the domain's values), the policy in force is the highest
-- version, and a version never changes. The ledger is never recomputed from a new version.
CREATE TABLE points_policy_versions (
    version INTEGER NOT NULL CHECK (version >= 1),
    body JSONB NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by BIGINT REFERENCES users (id),
    CONSTRAINT points_policy_versions_pkey PRIMARY KEY (version)
);
CREATE TRIGGER points_policy_versions_no_change
    BEFORE UPDATE OR DELETE OR TRUNCATE ON points_policy_versions
    FOR EACH STATEMENT EXECUTE FUNCTION credit_bank_refuse_change();
