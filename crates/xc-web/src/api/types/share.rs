//! Shapes of the sharing and verifying API (issue 4): a learner's shares, what a share link
//! shows, and a verification request.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use xc_store::{ShareRecord, ShareState};

use super::rfc3339;

/// A new share of the signed-in learner's credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShareRequest {
    /// Credential ids (`urn:uuid:…` or the bare UUID), the learner's own.
    pub credentials: Vec<String>,
    /// What to show: `holder_name`, `achievement`, `provider`, `credits`, `level`, `dates`.
    pub fields: Vec<String>,
    /// How long the link stays open: 1, 7 or 30 days.
    pub days: u16,
}

/// One of the learner's shares.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareResponse {
    pub id: i64,
    /// The link to hand to a verifier (it holds the token).
    pub url: String,
    pub fields: Vec<String>,
    pub credentials: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    /// `open`, `revoked` or `expired`.
    pub state: &'static str,
    pub view_count: u64,
    pub last_viewed_at: Option<String>,
}

pub(crate) fn share_state_code(state: ShareState) -> &'static str {
    match state {
        ShareState::Open => "open",
        ShareState::Revoked => "revoked",
        ShareState::Expired => "expired",
    }
}

impl ShareResponse {
    pub(crate) fn of(share: ShareRecord, url: String, now: OffsetDateTime) -> Self {
        ShareResponse {
            id: share.id,
            url,
            fields: share.fields.iter().map(|f| f.code().to_owned()).collect(),
            state: share_state_code(share.state_at(now)),
            credentials: share
                .items
                .into_iter()
                .map(|item| item.credential)
                .collect(),
            created_at: rfc3339(share.created_at),
            expires_at: rfc3339(share.expires_at),
            revoked_at: share.revoked_at.map(rfc3339),
            view_count: share.view_count,
            last_viewed_at: share.last_viewed_at.map(rfc3339),
        }
    }
}

/// The learner's shares, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharesResponse {
    pub shares: Vec<ShareResponse>,
}

/// Something to verify: exactly one of `credential` (a credential or proof bundle as JSON),
/// `sd_jwt` (a compact SD-JWT VC presentation) or `text` (either, as pasted).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    #[schema(value_type = Option<Object>)]
    pub credential: Option<serde_json::Value>,
    pub sd_jwt: Option<String>,
    pub text: Option<String>,
}
