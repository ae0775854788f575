//! The register of accredited providers (认定的培训机构): recording a grant or a withdrawal with
//! who decided and why, and building the domain's [`Accreditations`] from the stored decisions.

use time::{Date, OffsetDateTime};
use xc_domain::credit::{AccreditationDecision, Accreditations};
use xc_domain::{InstitutionId, UserId};
use xc_store::{AccreditationRecord, AuditEvent, NewAccreditation, Store};

use crate::BankError;

/// A decision as staff make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccreditationInput {
    Grant {
        provider: InstitutionId,
        from: Date,
        until: Option<Date>,
        reason: String,
    },
    Withdraw {
        provider: InstitutionId,
        from: Date,
        reason: String,
    },
}

/// The register built from every stored decision, in the order made.
pub fn register(records: &[AccreditationRecord]) -> Accreditations {
    let mut register = Accreditations::new();
    for record in records {
        let decision = &record.decision;
        register.push(AccreditationDecision {
            provider: decision.provider,
            accredited: decision.accredited,
            from: decision.from,
            until: decision.until,
        });
    }
    register
}

/// Records a grant or a withdrawal (checked by the domain; a reason of 1 to 500 characters)
/// with its audit entry; answers the decision's id. The caller reloads its standards.
pub async fn record_accreditation(
    store: &dyn Store,
    input: &AccreditationInput,
    decided_at: OffsetDateTime,
    decided_by: Option<UserId>,
    audit: &AuditEvent,
) -> Result<i64, BankError> {
    let (decision, reason) = match input {
        AccreditationInput::Grant {
            provider,
            from,
            until,
            reason,
        } => (
            AccreditationDecision::grant(*provider, *from, *until)?,
            reason,
        ),
        AccreditationInput::Withdraw {
            provider,
            from,
            reason,
        } => (AccreditationDecision::withdraw(*provider, *from), reason),
    };
    crate::check_label("reason", reason, 500, "a reason")?;
    let new = NewAccreditation {
        provider: decision.provider,
        accredited: decision.accredited,
        from: decision.from,
        until: decision.until,
        decided_at,
        decided_by,
        reason: reason.trim().to_owned(),
    };
    Ok(store.record_accreditation(&new, audit).await?)
}
