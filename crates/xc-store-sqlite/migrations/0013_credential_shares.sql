-- Credential shares for verification (求职认证, issue 4): a learner's chosen credentials behind
-- an unguessable token, each as the SD-JWT VC presentation signed when the share was made
-- (holding only the fields the learner chose), open until `expires_at` or `revoked_at`.
-- `view_count` counts the views while open. The items are never changed; erasing the learner
-- deletes them (they carry the learner's name when it was shared) and revokes the share.

CREATE TABLE credential_shares (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    fields TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    view_count INTEGER NOT NULL DEFAULT 0,
    last_viewed_at INTEGER,
    CONSTRAINT credential_shares_token_unique UNIQUE (token),
    CONSTRAINT credential_shares_expiry_check CHECK (expires_at > created_at),
    CONSTRAINT credential_shares_views_check CHECK (view_count >= 0)
) STRICT;
CREATE INDEX credential_shares_by_learner ON credential_shares (learner_id, id);

CREATE TABLE credential_share_items (
    share_id INTEGER NOT NULL REFERENCES credential_shares (id),
    position INTEGER NOT NULL,
    credential_id TEXT NOT NULL REFERENCES issued_credentials (id),
    presentation TEXT NOT NULL,
    PRIMARY KEY (share_id, position)
) STRICT;
CREATE TRIGGER credential_share_items_no_update BEFORE UPDATE ON credential_share_items
BEGIN SELECT RAISE(ABORT, 'credential_share_items is never changed'); END;
