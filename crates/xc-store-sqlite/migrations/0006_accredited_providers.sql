-- Accredited providers (认定的培训机构, issue 3): the credit bank's decisions that an institution
-- is, or is no longer, accredited. Each decision is a row that never changes (triggers refuse
-- UPDATE and DELETE): a grant names the day it takes effect and, optionally, its last day; a
-- withdrawal names the day it takes effect. Whether an institution is accredited on a day is the
-- latest decision (highest id) in effect that day, read in the domain
-- (`xc_domain::credit::Accreditations`). Same table and constraint names as the PostgreSQL
-- migration 0006.

CREATE TABLE provider_accreditations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    accredited INTEGER NOT NULL CHECK (accredited IN (0, 1)),
    effective_from TEXT NOT NULL,
    effective_until TEXT,
    decided_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    reason TEXT NOT NULL,
    CONSTRAINT provider_accreditations_period_check CHECK (
        effective_until IS NULL OR (accredited = 1 AND effective_until >= effective_from)
    )
) STRICT;
CREATE INDEX provider_accreditations_by_institution
    ON provider_accreditations (institution_id, id);

CREATE TRIGGER provider_accreditations_no_update BEFORE UPDATE ON provider_accreditations
BEGIN SELECT RAISE(ABORT, 'provider_accreditations is append-only'); END;
CREATE TRIGGER provider_accreditations_no_delete BEFORE DELETE ON provider_accreditations
BEGIN SELECT RAISE(ABORT, 'provider_accreditations is append-only'); END;
