//! The shapes of the learner code (申学码): a learner's current code, and a check-in by a
//! scanned code (what scanner apps send and get back).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rfc3339;
use crate::learner_code::{CheckedIn, LearnerCodeNow};

/// Your check-in code for this minute.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerCodeResponse {
    /// The token the QR code holds (111 base64url characters, signed, valid in its minute with
    /// a minute's grace either side; no personal data in it).
    pub token: String,
    /// The token as an SVG QR code.
    pub svg: String,
    /// When to fetch the next code (RFC 3339): the start of the next minute.
    pub refresh_at: String,
}

impl From<LearnerCodeNow> for LearnerCodeResponse {
    fn from(code: LearnerCodeNow) -> Self {
        Self {
            token: code.token,
            svg: code.svg,
            refresh_at: rfc3339(code.refresh_at),
        }
    }
}

/// A scanned learner code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The token read from the learner's QR code (surrounding spaces and line ends are ignored,
    /// as a scanner gun may add them).
    pub code: String,
}

/// A recorded check-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInResponse {
    /// The learner, masked (`王**`).
    pub learner: String,
    pub site_id: i64,
    pub site_name: String,
    pub checked_in_at: String,
    /// Points the attendance earned (0 once today's cap is reached).
    pub points: u64,
}

impl From<CheckedIn> for CheckInResponse {
    fn from(checked: CheckedIn) -> Self {
        Self {
            learner: checked.learner,
            site_id: checked.site.id.get(),
            site_name: checked.site.name,
            checked_in_at: rfc3339(checked.at),
            points: checked.points,
        }
    }
}
