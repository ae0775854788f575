-- Mutual recognition between cities (长三角互认, issue 4 §8): the trust list of other cities'
-- credit banks and the provenance of every outcome a learner brought from one of them.
--
-- A trusted bank is also an institution of kind 'credit_bank' (its `institution_id`), so an
-- outcome brought from it is an ordinary outcome whose provider is that bank: this bank's own
-- specifications (naming that provider) and review queue decide its recognition, and
-- UNIQUE (provider_id, external_id) on outcomes — the external id being the credential's id —
-- makes bringing the same credential twice store nothing.
-- The keys of a trusted bank are pinned when it is added or refreshed and never changed or
-- removed, so a credential signed by a key the bank has since rotated out still verifies.
-- The provenance of an external outcome never changes either.

CREATE TABLE trusted_banks (
    id INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    name TEXT NOT NULL,
    did TEXT NOT NULL,
    base_url TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    added_by INTEGER REFERENCES users (id),
    refreshed_at INTEGER NOT NULL,
    CONSTRAINT trusted_banks_did_unique UNIQUE (did),
    CONSTRAINT trusted_banks_institution_unique UNIQUE (institution_id),
    CONSTRAINT trusted_banks_name_check CHECK (length(trim(name)) > 0)
) STRICT;

CREATE TABLE trusted_bank_keys (
    bank_id INTEGER NOT NULL REFERENCES trusted_banks (id),
    key_id TEXT NOT NULL,
    public_key_multibase TEXT NOT NULL,
    pinned_at INTEGER NOT NULL,
    PRIMARY KEY (bank_id, key_id)
) STRICT;
CREATE TRIGGER trusted_bank_keys_no_update BEFORE UPDATE ON trusted_bank_keys
BEGIN SELECT RAISE(ABORT, 'trusted_bank_keys is append-only'); END;
CREATE TRIGGER trusted_bank_keys_no_delete BEFORE DELETE ON trusted_bank_keys
BEGIN SELECT RAISE(ABORT, 'trusted_bank_keys is append-only'); END;

CREATE TABLE external_outcomes (
    outcome_id INTEGER PRIMARY KEY REFERENCES outcomes (id),
    bank_id INTEGER NOT NULL REFERENCES trusted_banks (id),
    credential_id TEXT NOT NULL,
    credential_sha256 TEXT NOT NULL,
    document TEXT NOT NULL,
    verified_at INTEGER NOT NULL,
    verified_with TEXT NOT NULL,
    status_check TEXT NOT NULL,
    inclusion_check TEXT NOT NULL,
    CONSTRAINT external_outcomes_credential_unique UNIQUE (bank_id, credential_id)
) STRICT;
CREATE TRIGGER external_outcomes_no_update BEFORE UPDATE ON external_outcomes
BEGIN SELECT RAISE(ABORT, 'external_outcomes is append-only'); END;
CREATE TRIGGER external_outcomes_no_delete BEFORE DELETE ON external_outcomes
BEGIN SELECT RAISE(ABORT, 'external_outcomes is append-only'); END;
