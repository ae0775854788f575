//! The transcript (成绩单, SPEC C2): a learner's recognised outcomes on one date, grouped by
//! category and framework level with their credits and the decision behind each, the archive's
//! totals, and the approved conversions (credits converted and courses exempted per programme),
//! under a reference that names this content on this date.
//!
//! Built from the archive ([`crate::archive`]) and the stored applications; it adds the grouping
//! and the reference, nothing is decided again. Who may read it is the caller's check, as for
//! the archive; staff reads are audited by the caller.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use time::{Date, OffsetDateTime};
use xc_domain::LearnerId;
use xc_domain::credit::{
    ApplicationId, Credits, ExemptedCourse, FrameworkLevel, OutcomeCategory, ProgrammeId,
};
use xc_store::{ApplicationStatus, OutcomeStatus, Store};

use crate::BankError;
use crate::archive::{ArchiveFilter, ArchiveItem, Tally, Totals, archive};
use crate::conversion::grant_from_body;

/// The recognised outcomes of one category at one level, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptGroup {
    pub category: OutcomeCategory,
    pub level: FrameworkLevel,
    pub items: Vec<ArchiveItem>,
    /// Every outcome of the group; expired ones included (they are marked).
    pub tally: Tally,
}

/// An approved conversion: what the kept lines of one application converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptConversion {
    pub application: ApplicationId,
    pub programme: ProgrammeId,
    pub decided_at: Option<OffsetDateTime>,
    /// The credits of the kept lines.
    pub credits: Credits,
    /// The courses the kept lines exempt, in line order.
    pub courses: Vec<ExemptedCourse>,
}

/// A learner's transcript on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    pub learner: LearnerId,
    pub on: Date,
    /// `XC-<learner>-<yyyymmdd>-<10 hex digits>`: the same content on the same day gives the
    /// same reference, any change to what it lists gives another.
    pub reference: String,
    /// By category, then level.
    pub groups: Vec<TranscriptGroup>,
    /// The archive's totals over every outcome (recognised, in review, rejected).
    pub totals: Totals,
    /// Approved applications, oldest decision first.
    pub conversions: Vec<TranscriptConversion>,
}

/// Builds the transcript of `learner` as of `on`.
pub async fn transcript(
    store: &dyn Store,
    learner: LearnerId,
    on: Date,
) -> Result<Transcript, BankError> {
    let archive = archive(store, learner, &ArchiveFilter::default(), on).await?;
    let mut groups: BTreeMap<(OutcomeCategory, FrameworkLevel), TranscriptGroup> = BTreeMap::new();
    // The archive is newest first; a transcript reads oldest first.
    for item in archive.items.into_iter().rev() {
        let (OutcomeStatus::Recognised, Some(grant)) = (item.outcome.status, item.outcome.grant)
        else {
            continue;
        };
        let group = groups
            .entry((grant.category, grant.level))
            .or_insert_with(|| TranscriptGroup {
                category: grant.category,
                level: grant.level,
                items: Vec::new(),
                tally: Tally::default(),
            });
        group.tally.add(grant.credits);
        group.items.push(item);
    }
    let mut conversions = Vec::new();
    for application in store.list_learner_applications(learner).await? {
        if application.status != ApplicationStatus::Approved {
            continue;
        }
        let mut courses = Vec::new();
        let mut credits = Credits::ZERO;
        for line in application
            .lines
            .iter()
            .filter(|line| line.kept == Some(true))
        {
            let grant = grant_from_body(&line.grant).map_err(|reason| {
                BankError::Corrupt(format!(
                    "application {} line {}: {reason}",
                    application.id, line.line_no
                ))
            })?;
            courses.extend(grant.courses().iter().cloned());
            credits = credits.checked_add(line.credits).unwrap_or(Credits::MAX);
        }
        conversions.push(TranscriptConversion {
            application: application.id,
            programme: application.programme,
            decided_at: application.decided_at,
            credits,
            courses,
        });
    }
    conversions.sort_by_key(|conversion| (conversion.decided_at, conversion.application));
    let groups: Vec<TranscriptGroup> = groups.into_values().collect();
    let reference = reference_of(learner, on, &groups, &conversions);
    Ok(Transcript {
        learner,
        on,
        reference,
        groups,
        totals: archive.totals,
        conversions,
    })
}

/// The reference: the learner, the date and a digest of what the transcript lists (each
/// outcome's decision, grant and validity on the date; each conversion), so a printed copy can
/// be matched against the bank's own on that day.
fn reference_of(
    learner: LearnerId,
    on: Date,
    groups: &[TranscriptGroup],
    conversions: &[TranscriptConversion],
) -> String {
    let mut content = format!("{learner}|{on}");
    for item in groups.iter().flat_map(|group| &group.items) {
        let _ = write!(
            content,
            "|o{}:{}:{}",
            item.outcome.id,
            item.decision.as_ref().map_or(0, |d| d.id.get()),
            item.expired
        );
        if let Some(grant) = item.outcome.grant {
            let _ = write!(
                content,
                ":{}:{}:{}:{:?}",
                grant.category.as_str(),
                grant.level.get(),
                grant.credits,
                grant.valid_until.map(|day| day.to_string())
            );
        }
    }
    for conversion in conversions {
        let _ = write!(
            content,
            "|c{}:{}",
            conversion.application, conversion.credits
        );
    }
    // SHA-256, as the store keeps secrets: a digest, not a secret, here.
    let digest = xc_privacy::tokens::secret_hash(&content);
    let mut hex = String::with_capacity(10);
    for byte in &digest[..5] {
        let _ = write!(hex, "{byte:02X}");
    }
    format!(
        "XC-{learner}-{:04}{:02}{:02}-{hex}",
        on.year(),
        u8::from(on.month()),
        on.day()
    )
}
