//! The records of credential shares (求职认证, issue 4): a learner's chosen credentials, each as
//! the SD-JWT VC presentation signed when the share was made, behind an unguessable token, open
//! until it expires or the learner revokes it, with a count of its views.

use time::OffsetDateTime;
use xc_domain::{LearnerId, ShareField};

/// One shared credential: its id and the presentation a verifier is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareItem {
    pub credential: String,
    /// The compact SD-JWT VC (issuer JWT and the chosen disclosures).
    pub presentation: String,
}

/// A share to store. `items` are in the order the learner's page listed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShare {
    /// The capability in the share link (random, at least 128 bits).
    pub token: String,
    pub learner: LearnerId,
    pub fields: Vec<ShareField>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub items: Vec<ShareItem>,
}

/// Whether a share shows anything now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareState {
    Open,
    Revoked,
    Expired,
}

/// A stored share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRecord {
    pub id: i64,
    pub token: String,
    pub learner: LearnerId,
    pub fields: Vec<ShareField>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    /// Views while open (a refused view of a revoked or expired share is not counted).
    pub view_count: u64,
    pub last_viewed_at: Option<OffsetDateTime>,
    pub items: Vec<ShareItem>,
}

impl ShareRecord {
    /// The share's state at `now`: a revocation wins over an expiry.
    pub fn state_at(&self, now: OffsetDateTime) -> ShareState {
        if self.revoked_at.is_some() {
            ShareState::Revoked
        } else if now >= self.expires_at {
            ShareState::Expired
        } else {
            ShareState::Open
        }
    }
}

/// The stored form of a field set: codes joined by commas (both engines).
pub fn share_fields_column(fields: &[ShareField]) -> String {
    fields
        .iter()
        .map(|field| field.code())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads [`share_fields_column`] back.
pub fn share_fields_from_column(text: &str) -> Result<Vec<ShareField>, xc_domain::Invalid> {
    ShareField::parse_set(text.split(','))
}

/// What both engines check before storing a share: at least one credential, each once, and
/// an expiry after the creation.
pub fn check_new_share(share: &NewShare) -> crate::StoreResult<()> {
    if share.items.is_empty() {
        return Err(crate::StoreError::Invalid {
            field: "credentials",
            reason: "choose at least one credential to share".into(),
        });
    }
    let mut ids: Vec<&str> = share.items.iter().map(|i| i.credential.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(crate::StoreError::Invalid {
            field: "credentials",
            reason: "a credential is listed twice".into(),
        });
    }
    if share.fields.is_empty() {
        return Err(crate::StoreError::Invalid {
            field: "fields",
            reason: "choose at least one thing to show".into(),
        });
    }
    if share.expires_at <= share.created_at {
        return Err(crate::StoreError::Invalid {
            field: "expires_at",
            reason: "a share must expire after it is made".into(),
        });
    }
    if share.token.len() < 22 {
        return Err(crate::StoreError::Invalid {
            field: "token",
            reason: "a share token must carry at least 128 random bits".into(),
        });
    }
    Ok(())
}
