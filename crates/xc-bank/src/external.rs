//! Outcomes brought from another city's credit bank (长三角互认, issue 4 §8), once their
//! credential has been verified against the trust list: the Open Badges credential read as a
//! submitted outcome of the issuing bank (its institution is the provider), stored with its
//! provenance, and recognised by **this** bank's rules — an exact match with one of this bank's
//! specifications for that provider is recognised automatically, anything else waits in the
//! review queue with the credential as evidence. The other bank's credits and level are not
//! taken over: they stay in the stored credential for the reviewer to read.
//!
//! Bringing a credential twice stores nothing the second time (the outcome is keyed by the
//! bank and the credential's id); a credential another learner already brought is refused.

use serde_json::{Value, json};
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{
    Evidence, EvidenceKind, Field, OutcomeId, OutcomeKind, OutcomeTitle, Recognition,
    SubmittedOutcome,
};
use xc_domain::{Invalid, LearnerId};
use xc_store::{
    Actor, AuditEvent, NewExternalOutcome, NewOutcome, Provenance, Store, StoreError,
    TrustedBankRecord, Written,
};

use crate::{BankError, Standards};

/// What became of a brought credential.
#[derive(Debug, Clone)]
pub struct Brought {
    pub outcome: OutcomeId,
    /// `false` when the learner had brought it before (nothing was stored now).
    pub stored_now: bool,
    /// How this bank's rules recognise it: automatically, or why it waits for review.
    pub recognition: Recognition,
}

/// The outcome an Open Badges credential of another bank describes, submitted by `bank`:
///
/// - title: `credentialSubject.achievement.name`;
/// - kind: the first `achievement.tag` that is one of our kind codes (the banks of this
///   platform write it), otherwise by `achievementType` (`Degree` an academic degree, `Course`
///   an academic course, anything else non-formal training);
/// - achieved on: the day of `credentialSubject.activityEndDate`, else of `validFrom`;
/// - field: `achievement.fieldOfStudy` when it is a topic or discipline code;
/// - evidence: a web link to the credential at the issuing bank.
///
/// Contact hours, grade and score are not carried by the credential and stay empty, so a
/// specification that states hours never matches exactly (the outcome goes to review).
pub fn outcome_of_credential(
    credential: &Value,
    bank: &TrustedBankRecord,
) -> Result<SubmittedOutcome, Invalid> {
    let subject = &credential["credentialSubject"];
    let achievement = &subject["achievement"];
    let title = achievement["name"].as_str().ok_or_else(|| {
        Invalid::new(
            "credentialSubject.achievement.name",
            "the credential names no achievement",
        )
    })?;
    let title = OutcomeTitle::parse(title)
        .map_err(|invalid| Invalid::new("credentialSubject.achievement.name", invalid.reason))?;
    let tagged = achievement["tag"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|tag| OutcomeKind::parse(tag).ok());
    let kind = tagged.unwrap_or(match achievement["achievementType"].as_str() {
        Some("Degree") => OutcomeKind::AcademicDegree,
        Some("Course") => OutcomeKind::AcademicCourse,
        _ => OutcomeKind::NonFormalTraining,
    });
    let day_of = |value: &Value| -> Option<Date> {
        let text = value.as_str()?;
        Date::parse(text.get(..10)?, format_description!("[year]-[month]-[day]")).ok()
    };
    let achieved_on = day_of(&subject["activityEndDate"])
        .or_else(|| day_of(&credential["validFrom"]))
        .ok_or_else(|| {
            Invalid::new(
                "credentialSubject.activityEndDate",
                "the credential says neither when the learning ended nor when it was issued",
            )
        })?;
    let field = achievement["fieldOfStudy"]
        .as_str()
        .and_then(|text| Field::parse(text).ok());
    let credential_id = credential["id"].as_str().unwrap_or_default();
    let evidence = Evidence::parse(
        EvidenceKind::WebLink,
        &format!("{}/credentials/{credential_id}", bank.base_url),
    )
    .map(|evidence| vec![evidence])
    .unwrap_or_default();
    Ok(SubmittedOutcome {
        provider: bank.institution,
        kind,
        title,
        hours: None,
        grade: None,
        field,
        achieved_on,
        score: None,
        evidence,
    })
}

/// A verified credential to record for its learner.
#[derive(Debug, Clone)]
pub struct BroughtCredential<'a> {
    pub learner: LearnerId,
    /// The trust-list entry of its issuer.
    pub bank: &'a TrustedBankRecord,
    pub credential: &'a Value,
    pub provenance: Provenance,
    pub actor: Actor,
    pub now: OffsetDateTime,
}

/// Records a verified credential of `bank` as `learner`'s outcome with its provenance and lets
/// this bank's standards recognise it (see the module doc); recognised automatically, it earns
/// its points as a submission does. `provenance.credential_id` is the outcome's external id.
/// A credential another learner brought is `Conflict { field: "credential" }`.
pub async fn record_brought(
    store: &dyn Store,
    standards: &Standards,
    brought: BroughtCredential<'_>,
) -> Result<Brought, BankError> {
    let BroughtCredential {
        learner,
        bank,
        credential,
        provenance,
        actor,
        now,
    } = brought;
    let submitted = outcome_of_credential(credential, bank)?;
    let recognition = standards.recognise(&submitted);
    let audit = AuditEvent::new(
        actor.clone(),
        "external_credential.accept",
        "outcome",
        "new",
    )
    .with_detail(json!({
        "bank": bank.id,
        "issuer": bank.did,
        "credential": provenance.credential_id,
        "sha256": provenance.credential_sha256,
        "verified_with": provenance.verified_with,
        "status": provenance.status_check,
        "inclusion": provenance.inclusion_check,
        "recognised": matches!(recognition, Recognition::Automatic { .. }),
    }));
    let new = NewExternalOutcome {
        outcome: NewOutcome {
            learner,
            external_id: provenance.credential_id.clone(),
            submitted,
            submitted_at: now,
            submitted_by: None,
            automatic: standards.automatic_of(&recognition),
        },
        bank: bank.id,
        provenance,
    };
    let written = store.record_external_outcome(&new, &audit).await?;
    let (outcome, stored_now) = match written {
        Written::Stored(id) => (id, true),
        Written::AlreadyStored(id) | Written::RepeatedInBatch(id) => {
            let held = store.get_outcome(id).await?;
            if held.learner != learner {
                return Err(StoreError::Conflict {
                    field: "credential",
                }
                .into());
            }
            (id, false)
        }
    };
    if stored_now && new.outcome.automatic.is_some() {
        crate::points::award_recognition(
            store,
            standards.points_policy(),
            learner,
            outcome,
            now,
            Actor::System("points".into()),
        )
        .await;
    }
    Ok(Brought {
        outcome,
        stored_now,
        recognition,
    })
}
