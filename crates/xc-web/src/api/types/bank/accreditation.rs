//! Request and response shapes of the register of accredited providers (认定的培训机构).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xc_domain::credit::AccreditationStatus;
use xc_store::AccreditationRecord;

use super::super::rfc3339;
use crate::bank::accreditation::AccreditationText;

/// A provider's standing in the register on one day: `accredited`, `expired`, `withdrawn` or
/// `never`.
pub(crate) fn status_code(status: AccreditationStatus) -> &'static str {
    match status {
        AccreditationStatus::Accredited { .. } => "accredited",
        AccreditationStatus::Expired { .. } => "expired",
        AccreditationStatus::Withdrawn { .. } => "withdrawn",
        AccreditationStatus::Never => "never",
    }
}

/// One decision of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccreditationResponse {
    pub id: i64,
    pub provider_id: i64,
    /// `grant` or `withdraw`.
    pub decision: String,
    pub from: String,
    /// A grant's last day; absent: until withdrawn.
    pub until: Option<String>,
    pub decided_at: String,
    /// The user name of who decided.
    pub decided_by: Option<String>,
    pub reason: String,
    /// Where the provider stands today, after every decision.
    pub status_today: String,
}

impl AccreditationResponse {
    pub(crate) fn of(record: &AccreditationRecord, status_today: AccreditationStatus) -> Self {
        let decision = &record.decision;
        AccreditationResponse {
            id: record.id,
            provider_id: decision.provider.get(),
            decision: if decision.accredited {
                "grant"
            } else {
                "withdraw"
            }
            .into(),
            from: decision.from.to_string(),
            until: decision.until.map(|until| until.to_string()),
            decided_at: rfc3339(decision.decided_at),
            decided_by: record.decider.clone(),
            reason: decision.reason.clone(),
            status_today: status_code(status_today).into(),
        }
    }
}

/// Accredit an institution (`grant`, from a day, optionally until a day) or withdraw its
/// accreditation (`withdraw`, from a day).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccreditationRequest {
    pub provider_id: i64,
    /// `grant` or `withdraw`.
    pub decision: String,
    /// `YYYY-MM-DD`; today when left out.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, a grant's last day (not before `from`); never for a withdrawal.
    pub until: Option<String>,
    /// Why, 1 to 500 characters (e.g. 经审核符合准入标准).
    pub reason: String,
}

impl AccreditationRequest {
    pub(crate) fn into_text(self) -> AccreditationText {
        AccreditationText {
            provider_id: Some(self.provider_id.to_string()),
            decision: Some(self.decision),
            from: self.from,
            until: self.until,
            reason: Some(self.reason),
        }
    }
}
