-- Foundation schema: city geography, institutions, sites, teachers, learners (personal data
-- sealed), accounts, consents, sessions, API tokens, and the append-only audit log.
-- Timestamps are INTEGER microseconds since the Unix epoch, UTC (they compare and sort as time).

CREATE TABLE districts (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    residents INTEGER NOT NULL CHECK (residents >= 0),
    residents_60_plus INTEGER NOT NULL CHECK (residents_60_plus >= 0)
) STRICT;

CREATE TABLE subdistricts (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES districts (code),
    kind TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    centroid_generated INTEGER NOT NULL,
    residents INTEGER NOT NULL CHECK (residents >= 0),
    residents_60_plus INTEGER NOT NULL CHECK (residents_60_plus >= 0)
) STRICT;
CREATE INDEX subdistricts_by_district ON subdistricts (district_code, code);

CREATE TABLE neighbourhoods (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    subdistrict_code TEXT NOT NULL REFERENCES subdistricts (code),
    district_code TEXT NOT NULL REFERENCES districts (code),
    kind TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    position_generated INTEGER NOT NULL,
    residents INTEGER NOT NULL CHECK (residents >= 0),
    residents_60_plus INTEGER NOT NULL CHECK (residents_60_plus >= 0)
) STRICT;
CREATE INDEX neighbourhoods_by_subdistrict ON neighbourhoods (subdistrict_code, code);
CREATE INDEX neighbourhoods_by_district ON neighbourhoods (district_code);

CREATE TABLE institutions (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    district_code TEXT REFERENCES districts (code)
) STRICT;
CREATE INDEX institutions_by_district ON institutions (district_code);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    institution_id INTEGER REFERENCES institutions (id),
    district_code TEXT NOT NULL REFERENCES districts (code),
    subdistrict_code TEXT REFERENCES subdistricts (code),
    neighbourhood_code TEXT REFERENCES neighbourhoods (code),
    address TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    opening_hours TEXT NOT NULL,
    step_free INTEGER NOT NULL,
    phone TEXT,
    topics TEXT NOT NULL
) STRICT;
CREATE INDEX sites_by_district ON sites (district_code, kind, id);
CREATE INDEX sites_by_subdistrict ON sites (subdistrict_code, id);
CREATE INDEX sites_by_kind ON sites (kind, id);

CREATE TABLE teachers (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    subjects TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES districts (code),
    institution_id INTEGER REFERENCES institutions (id)
) STRICT;
CREATE INDEX teachers_by_district ON teachers (district_code);

CREATE TABLE learners (
    id INTEGER PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    national_id_ciphertext BLOB NOT NULL,
    national_id_masked TEXT NOT NULL,
    national_id_lookup BLOB NOT NULL,
    birth_year INTEGER NOT NULL,
    gender TEXT NOT NULL,
    district_code TEXT NOT NULL,
    subdistrict_code TEXT,
    neighbourhood_code TEXT,
    phone_ciphertext BLOB,
    phone_masked TEXT,
    interests TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    registered_by INTEGER,
    CONSTRAINT learners_national_id_unique UNIQUE (national_id_lookup)
) STRICT;
CREATE INDEX learners_by_district ON learners (district_code, id);
CREATE INDEX learners_by_registrar ON learners (registered_by, id) WHERE registered_by IS NOT NULL;

CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    password_hash TEXT,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    district_code TEXT,
    institution_id INTEGER,
    learner_id INTEGER REFERENCES learners (id),
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT users_username_unique UNIQUE (username),
    CONSTRAINT users_learner_unique UNIQUE (learner_id)
) STRICT;

CREATE TABLE consents (
    id INTEGER PRIMARY KEY NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    purpose TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    granted INTEGER NOT NULL,
    at INTEGER NOT NULL
) STRICT;
CREATE INDEX consents_by_learner ON consents (learner_id, id);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    name TEXT NOT NULL,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    CONSTRAINT api_tokens_token_unique UNIQUE (token_hash)
) STRICT;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    detail TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_action ON audit_log (action, id);
CREATE INDEX audit_by_subject ON audit_log (subject_kind, subject_id, id);

-- The audit log is append-only in the database itself, not only in the code that writes it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
