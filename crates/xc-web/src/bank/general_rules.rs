//! The general rules (non-formal hours rules, the vocational grade mapping) for credit-bank
//! staff, shared by pages and the API: reading the rules in force with their version history,
//! and publishing a new version, which puts the standards in force at once (publications are
//! serialised with specification publishing, as [`crate::bank::publish`] does).

use std::sync::Arc;

use time::OffsetDateTime;
use xc_bank::general_rules::{self, GeneralRuleHistory};
use xc_bank::{BankError, GradeLevelRow, NonFormalRuleRow, Standards};
use xc_domain::credit::{OutcomeKind, Version};
use xc_domain::{Action, UserId};
use xc_store::AuditEvent;

use crate::AppState;
use crate::auth::Identity;
use crate::error::AppResult;

const WHO: &str = "only credit-bank staff manage the general rules";

/// The general rules in force (in the standards recognition runs against now) and every
/// published version.
#[derive(Debug)]
pub struct GeneralRules {
    pub standards: Arc<Standards>,
    pub history: GeneralRuleHistory,
}

impl GeneralRules {
    /// Every non-formal kind, the rows of the rules form.
    pub fn kinds(&self) -> impl Iterator<Item = OutcomeKind> {
        OutcomeKind::ALL
            .iter()
            .copied()
            .filter(|kind| kind.is_non_formal())
    }
}

pub async fn general_rules(state: &AppState, identity: &Identity) -> AppResult<GeneralRules> {
    identity.require_to(Action::ManageStandards, WHO)?;
    Ok(GeneralRules {
        standards: state.standards(),
        history: general_rules::load_history(&*state.store).await?,
    })
}

/// One publication of the general rules: who may, its audit event, one publication at a time,
/// and the standards reloaded before the next one starts.
async fn publish_then_reload<T>(
    state: &AppState,
    identity: &Identity,
    action: &str,
    subject: &str,
    publish: impl AsyncFnOnce(&Standards, Option<UserId>, &AuditEvent) -> Result<T, BankError>,
) -> AppResult<T> {
    let principal = identity.require_to(Action::ManageStandards, WHO)?;
    let audit = AuditEvent::new(identity.actor(), action, subject, subject);
    let _publishing = state.publishing().await;
    let published = publish(&state.standards(), principal.user_id, &audit).await?;
    state.reload_standards().await?;
    Ok(published)
}

/// Publishes the non-formal rules `rows` change (audited as `general_rules.publish`), then puts
/// the new standards in force. Answers each changed kind with its new version.
pub async fn publish_nonformal_rules(
    state: &AppState,
    identity: &Identity,
    rows: &[NonFormalRuleRow],
) -> AppResult<Vec<(OutcomeKind, Version)>> {
    let publish = async |standards: &Standards, by: Option<UserId>, audit: &AuditEvent| {
        general_rules::publish_nonformal_rules(
            &*state.store,
            standards,
            rows,
            OffsetDateTime::now_utc(),
            by,
            audit,
        )
        .await
    };
    publish_then_reload(
        state,
        identity,
        "general_rules.publish",
        "general_rules",
        publish,
    )
    .await
}

/// Publishes the next version of the grade mapping (audited as `grade_mapping.publish`, subject:
/// the version), then puts the new standards in force.
pub async fn publish_grade_mapping(
    state: &AppState,
    identity: &Identity,
    rows: &[GradeLevelRow],
) -> AppResult<Version> {
    let publish = async |standards: &Standards, by: Option<UserId>, audit: &AuditEvent| {
        general_rules::publish_grade_mapping(
            &*state.store,
            standards,
            rows,
            OffsetDateTime::now_utc(),
            by,
            audit,
        )
        .await
    };
    publish_then_reload(
        state,
        identity,
        "grade_mapping.publish",
        "grade_mapping",
        publish,
    )
    .await
}
