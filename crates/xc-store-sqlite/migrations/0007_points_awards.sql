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
    version INTEGER PRIMARY KEY NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users (id)
) STRICT;
CREATE TRIGGER points_policy_versions_no_update BEFORE UPDATE ON points_policy_versions
BEGIN SELECT RAISE(ABORT, 'points_policy_versions is append-only'); END;
CREATE TRIGGER points_policy_versions_no_delete BEFORE DELETE ON points_policy_versions
BEGIN SELECT RAISE(ABORT, 'points_policy_versions is append-only'); END;
