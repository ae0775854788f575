//! The register of accredited providers (认定的培训机构) for credit-bank staff, shared by pages
//! and the API: reading every decision with where each provider stands today, and recording a
//! grant or a withdrawal, which puts the standards in force again at once (serialised with the
//! other publications).

use std::sync::Arc;

use time::OffsetDateTime;
use xc_bank::Standards;
use xc_bank::accreditation::{self, AccreditationInput};
use xc_domain::{Action, InstitutionId};
use xc_store::{AccreditationRecord, AuditEvent};

use crate::AppState;
use crate::auth::Identity;
use crate::bank::points::parse_day;
use crate::error::{AppError, AppResult};

const WHO: &str = "only credit-bank staff manage accredited providers";

/// A decision as typed, from a form or JSON.
#[derive(Debug, Clone, Default)]
pub struct AccreditationText {
    pub provider_id: Option<String>,
    /// `grant` or `withdraw`.
    pub decision: Option<String>,
    /// `YYYY-MM-DD`; today when left out.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, a grant's last day; none when left out.
    pub until: Option<String>,
    pub reason: Option<String>,
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

impl AccreditationText {
    pub fn parse(&self, today: time::Date) -> AppResult<AccreditationInput> {
        let provider = non_empty(&self.provider_id)
            .ok_or_else(|| AppError::invalid("provider_id", "give the institution's id"))
            .and_then(|text| {
                InstitutionId::parse(text)
                    .map_err(|invalid| AppError::invalid("provider_id", invalid.reason))
            })?;
        let from = non_empty(&self.from)
            .map(|text| parse_day(text, "from"))
            .transpose()?
            .unwrap_or(today);
        let until = non_empty(&self.until)
            .map(|text| parse_day(text, "until"))
            .transpose()?;
        let reason = self.reason.clone().unwrap_or_default();
        match non_empty(&self.decision) {
            Some("grant") => Ok(AccreditationInput::Grant {
                provider,
                from,
                until,
                reason,
            }),
            Some("withdraw") if until.is_some() => Err(AppError::invalid(
                "until",
                "a withdrawal has no last day: leave it out",
            )),
            Some("withdraw") => Ok(AccreditationInput::Withdraw {
                provider,
                from,
                reason,
            }),
            _ => Err(AppError::invalid("decision", "write grant or withdraw")),
        }
    }
}

/// Every decision, in the order made, and the standards in force (for today's status).
pub async fn accreditations(
    state: &AppState,
    identity: &Identity,
) -> AppResult<(Vec<AccreditationRecord>, Arc<Standards>)> {
    identity.require_to(Action::ManageStandards, WHO)?;
    Ok((state.store.list_accreditations().await?, state.standards()))
}

/// Records a grant or a withdrawal (audited as `accreditation.record`) and reloads the
/// standards; answers the decision's id.
pub async fn record(
    state: &AppState,
    identity: &Identity,
    text: &AccreditationText,
) -> AppResult<i64> {
    let principal = identity.require_to(Action::ManageStandards, WHO)?;
    let input = text.parse(crate::bank::today())?;
    let provider = match &input {
        AccreditationInput::Grant { provider, .. }
        | AccreditationInput::Withdraw { provider, .. } => *provider,
    };
    let audit = AuditEvent::new(
        identity.actor(),
        "accreditation.record",
        "accreditation",
        "new",
    )
    .with_detail(serde_json::json!({
        "provider": provider.get(),
        "decision": text.decision,
    }));
    let _publishing = state.publishing().await;
    let id = accreditation::record_accreditation(
        &*state.store,
        &input,
        OffsetDateTime::now_utc(),
        principal.user_id,
        &audit,
    )
    .await
    .map_err(|error| match error {
        xc_bank::BankError::Store(xc_store::StoreError::NotFound { .. }) => {
            AppError::invalid("provider_id", format!("there is no institution {provider}"))
        }
        other => other.into(),
    })?;
    state.reload_standards().await?;
    Ok(id)
}
