-- A learner's outcomes are found by learner alone and put in date order after reading (a
-- learner holds tens of outcomes, not thousands). The index on (learner_id, achieved_on, id)
-- was more than twice the size of one on learner_id, and an upload inserts into it at random
-- places, one per row: the larger index no longer fitted the page cache of a city-sized bank
-- and cost an upload about a fifth of its speed (docs/benchmarks.md, session 5).
DROP INDEX outcomes_by_learner_date;
CREATE INDEX outcomes_by_learner ON outcomes (learner_id);
