-- The erasure of a learner's identity (PIPL art. 47; see docs/privacy.md). The learner row stays,
-- scrubbed of what identifies the person, so that the learning records issued and decided under
-- its id stay whole; this table records that and when it happened. Same table on PostgreSQL.

CREATE TABLE learner_erasures (
    learner_id INTEGER PRIMARY KEY NOT NULL REFERENCES learners (id),
    erased_at INTEGER NOT NULL
) STRICT;
