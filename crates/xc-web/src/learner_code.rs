//! The learner code (申学码) served: a learner's own code, fresh each minute (the QR code on
//! their phone page, and the same as JSON for the page's script), and staff checking learners
//! in at a site by scanning it. Pages and API share these operations, as `accounts` does.
//!
//! A check-in: the staff member must run the site (`Principal::may_check_in_at`); the code is
//! verified by the issuer's learner-code keys (shape, signature, minute, purpose); its learner is
//! found by the handle it carries; the check-in is recorded with its audit entry, keyed by the
//! code's id, so a second scan of the same code is refused as replayed, durably and across
//! servers. Only then do the points (the policy's attendance award, referenced by the code, so
//! at most once) and the xAPI statement (`…/verbs/attended` the site) follow. A refusal writes
//! nothing. The learner is shown to staff only by a masked name.

use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use xc_credentials::learner_code::{LearnerCodeError, LearnerCodePurpose, learner_code_svg};
use xc_domain::credit::{EventReference, PointsActivity, PointsEvent};
use xc_domain::{LearnerId, LearnerScope, SiteId, masked_name};
use xc_store::{AuditEvent, NewCheckIn, Site, StoreError, StoredCodeId, StoredHandle};

use crate::AppState;
use crate::auth::Identity;
use crate::bank::own_learner;
use crate::error::{AppError, AppResult};

/// The verb of a check-in's xAPI statement.
pub const ATTENDED_VERB: &str = "http://adlnet.gov/expapi/verbs/attended";
/// The activity type of a site in a check-in's statement.
pub const PLACE_ACTIVITY_TYPE: &str = "http://activitystrea.ms/schema/1.0/place";

/// A learner's code as shown now.
#[derive(Debug, Clone)]
pub struct LearnerCodeNow {
    pub token: String,
    /// The token as an SVG QR code.
    pub svg: String,
    /// When the next code is due: the start of the next minute.
    pub refresh_at: OffsetDateTime,
}

/// Why a scanned code was refused. Each has its own stable API code, status and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("this is not a learner code: scan the QR code on the learner's 申学码 page")]
    Malformed,
    #[error("the learner code is forged or from another platform: it was refused")]
    Forged,
    #[error("the learner code has expired: ask the learner to show the current code")]
    Expired,
    #[error("the learner code is not valid yet: check this device's clock")]
    NotYetValid,
    #[error("this learner code is for opening a share, not for checking in")]
    WrongPurpose,
    #[error("this learner code was already used: ask the learner to show the current code")]
    Replayed,
    #[error("no learner has this code: the learner's account may have been closed")]
    UnknownLearner,
}

impl CodeRefusal {
    fn of(error: LearnerCodeError) -> AppError {
        let refusal = match error {
            LearnerCodeError::Malformed { .. } => CodeRefusal::Malformed,
            LearnerCodeError::UnknownKey { .. } | LearnerCodeError::BadSignature => {
                CodeRefusal::Forged
            }
            LearnerCodeError::Expired { .. } => CodeRefusal::Expired,
            LearnerCodeError::NotYetValid { .. } => CodeRefusal::NotYetValid,
            LearnerCodeError::WrongPurpose { .. } => CodeRefusal::WrongPurpose,
            LearnerCodeError::Replayed => CodeRefusal::Replayed,
            other => return AppError::Internal(other.into()),
        };
        AppError::LearnerCode(refusal)
    }

    /// The stable code of the API's error body.
    pub fn code(self) -> &'static str {
        match self {
            CodeRefusal::Malformed => "learner_code_malformed",
            CodeRefusal::Forged => "learner_code_forged",
            CodeRefusal::Expired => "learner_code_expired",
            CodeRefusal::NotYetValid => "learner_code_not_yet_valid",
            CodeRefusal::WrongPurpose => "learner_code_wrong_purpose",
            CodeRefusal::Replayed => "learner_code_replayed",
            CodeRefusal::UnknownLearner => "learner_code_unknown_learner",
        }
    }
}

/// The signed-in learner's handle, recorded in the store the first time it is needed.
async fn own_handle(state: &AppState, learner: LearnerId) -> AppResult<StoredHandle> {
    let handle = StoredHandle::parse(&state.issuer.learner_codes().handle(learner).to_hex())?;
    if state.store.learner_handle(learner).await?.as_ref() != Some(&handle) {
        state.store.record_learner_handle(learner, &handle).await?;
    }
    Ok(handle)
}

/// The signed-in learner's check-in code for this minute (a fresh token each call).
pub async fn my_learner_code(state: &AppState, identity: &Identity) -> AppResult<LearnerCodeNow> {
    let learner = own_learner(identity)?;
    own_handle(state, learner).await?;
    let now = state.config.clock.now();
    let signer = state.issuer.learner_codes();
    let token = signer
        .issue(signer.handle(learner), LearnerCodePurpose::CheckIn, now)
        .map_err(|error| AppError::Internal(error.into()))?;
    let svg = learner_code_svg(&token).map_err(|error| AppError::Internal(error.into()))?;
    let minute_start = now.unix_timestamp().div_euclid(60) * 60;
    let refresh_at = OffsetDateTime::from_unix_timestamp(minute_start + 60)
        .map_err(|error| AppError::Internal(error.into()))?;
    Ok(LearnerCodeNow {
        token,
        svg,
        refresh_at,
    })
}

/// The site, if the signed-in staff member may check learners in there (else 401/403; an
/// unknown site is 404).
pub async fn check_in_site(state: &AppState, identity: &Identity, site: SiteId) -> AppResult<Site> {
    let principal = identity.require_to(
        xc_domain::Action::CheckInLearners,
        "only staff who run a site check learners in there",
    )?;
    let site = state.store.get_site(site).await?;
    if !principal.may_check_in_at(site.institution, &site.district) {
        return Err(AppError::Forbidden(
            "you do not run this site: only its institution's staff or its district's administrators check learners in here",
        ));
    }
    Ok(site)
}

/// The sites the signed-in staff member checks learners in at (the page `request` asks for, by
/// id), with how many there are in all.
pub async fn my_check_in_sites(
    state: &AppState,
    identity: &Identity,
    request: xc_store::PageRequest,
) -> AppResult<xc_store::Paged<Site>> {
    let principal = identity.require_to(
        xc_domain::Action::CheckInLearners,
        "only staff who run a site check learners in there",
    )?;
    let filter = match &principal.scope {
        xc_domain::Scope::Institution(id) => xc_store::SiteFilter {
            institution: Some(*id),
            ..Default::default()
        },
        xc_domain::Scope::District(code) => xc_store::SiteFilter {
            district: Some(code.clone()),
            ..Default::default()
        },
        _ => xc_store::SiteFilter::default(),
    };
    Ok(state.store.list_sites(&filter, request).await?)
}

/// A check-in as recorded.
#[derive(Debug, Clone)]
pub struct CheckedIn {
    /// The learner as staff see them: `王**`.
    pub learner: String,
    pub site: Site,
    pub at: OffsetDateTime,
    /// Points the check-in earned (0 when today's cap was reached).
    pub points: u64,
}

/// Checks a learner in at `site` with the scanned `token` (see the module doc).
pub async fn check_in(
    state: &AppState,
    identity: &Identity,
    site: SiteId,
    token: &str,
) -> AppResult<CheckedIn> {
    let site = check_in_site(state, identity, site).await?;
    let principal = identity.require()?;
    let now = state.config.clock.now();
    let verified = state
        .issuer
        .learner_codes()
        .verify(token.trim(), LearnerCodePurpose::CheckIn, now)
        .map_err(CodeRefusal::of)?;
    let handle = StoredHandle::parse(&verified.handle.to_hex())?;
    let learner = state
        .store
        .find_learner_by_handle(&handle)
        .await?
        .ok_or(AppError::LearnerCode(CodeRefusal::UnknownLearner))?;
    let record = state
        .store
        .get_learner(&LearnerScope::All, learner)
        .await
        .map_err(|error| match error {
            StoreError::NotFound { .. } => AppError::LearnerCode(CodeRefusal::UnknownLearner),
            other => other.into(),
        })?;
    let code = StoredCodeId::parse(&hex::encode(verified.id.0))?;
    let audit = AuditEvent::new(identity.actor(), "check_in.record", "learner", learner)
        .with_detail(json!({ "site": site.id.get(), "code": code.as_str() }));
    state
        .store
        .record_check_in(
            &NewCheckIn {
                code: code.clone(),
                learner,
                site: site.id,
                at: now,
                recorded_by: principal.user_id,
            },
            &audit,
        )
        .await
        .map_err(|error| match error {
            StoreError::Conflict { field: "code" } => AppError::LearnerCode(CodeRefusal::Replayed),
            other => other.into(),
        })?;
    // The check-in stands from here: what follows is idempotent by the code's id, and a
    // failure is logged rather than undoing the attendance the learner did.
    let points = award_attendance(state, identity, learner, &code, now).await;
    if let Err(error) = record_statement(state, learner, &site, &code, now).await {
        tracing::warn!(learner.id = %learner, site.id = %site.id, %error, "the check-in's xAPI statement was not stored");
    }
    Ok(CheckedIn {
        learner: masked_name(&record.display_name),
        site,
        at: now,
        points,
    })
}

async fn award_attendance(
    state: &AppState,
    identity: &Identity,
    learner: LearnerId,
    code: &StoredCodeId,
    now: OffsetDateTime,
) -> u64 {
    let result = async {
        let reference = EventReference::parse(&format!("learner-code:{}", code.as_str()))?;
        let event = PointsEvent::once(PointsActivity::Attendance, now.date(), reference);
        let standards = state.standards();
        let award = xc_bank::points::award_points(
            &*state.store,
            standards.points_policy(),
            learner,
            &event,
            now,
            identity.actor(),
        )
        .await?;
        Ok::<u64, AppError>(award.awarded.get())
    }
    .await;
    result.unwrap_or_else(|error| {
        tracing::warn!(learner.id = %learner, %error, "the check-in's points were not awarded");
        0
    })
}

/// The id of a check-in's statement: derived from the code's id, so it is the same statement
/// however often it is written.
fn statement_id(code: &StoredCodeId) -> xc_xapi::types::Uuid {
    let digest = Sha256::new()
        .chain_update(b"xuecheng check-in statement v1")
        .chain_update(code.as_str().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    xc_xapi::types::Uuid::from_random_bytes(bytes)
}

/// The xAPI statement of a check-in: the learner (an account on the platform, by learner id,
/// never a name) attended the site (an Activity).
pub fn check_in_statement(
    base_url: &str,
    learner: LearnerId,
    site: &Site,
    code: &StoredCodeId,
    at: OffsetDateTime,
) -> AppResult<xc_xapi::Statement> {
    let at = xc_xapi::types::Timestamp::from_datetime(at).to_rfc3339();
    let body = json!({
        "id": statement_id(code).as_str(),
        "actor": {
            "objectType": "Agent",
            "account": { "homePage": base_url, "name": learner.to_string() },
        },
        "verb": {
            "id": ATTENDED_VERB,
            "display": { "zh-CN": "出席", "en-US": "attended" },
        },
        "object": {
            "objectType": "Activity",
            "id": format!("{base_url}/sites/{}", site.id),
            "definition": {
                "name": { "zh-CN": site.name },
                "type": PLACE_ACTIVITY_TYPE,
            },
        },
        "context": { "platform": "学城 xuecheng", "language": "zh-CN" },
        "timestamp": at,
        "stored": at,
        "authority": {
            "objectType": "Agent",
            "account": { "homePage": base_url, "name": "xuecheng" },
        },
        "version": "1.0.3",
    });
    xc_xapi::parse_statement(&body, xc_xapi::XapiVersion::LATEST_1_0)
        .map_err(|error| AppError::Internal(anyhow::anyhow!("check-in statement: {error}")))
}

async fn record_statement(
    state: &AppState,
    learner: LearnerId,
    site: &Site,
    code: &StoredCodeId,
    at: OffsetDateTime,
) -> AppResult<()> {
    let statement = check_in_statement(&state.issuer.profile().base_url, learner, site, code, at)?;
    state.store.insert_statements(&[statement], &[]).await?;
    // The statement joins the learner's archive; its points were awarded by the check-in.
    crate::learning_records::integrate_later(state);
    Ok(())
}
