//! Conversion (学分转换) as pages and the API share it: credit-bank staff create target
//! programmes and publish or retire their conversion rules (one change at a time, the rules in
//! [`AppState`] replaced after each); a learner previews what their recognised outcomes convert
//! into and applies; staff read and decide open applications (every read of someone else's
//! application audited). Input arrives as text and is parsed here into domain values, each
//! problem naming its field; the use cases are `xc_bank::conversion`'s.

use serde_json::json;
use time::OffsetDateTime;
use xc_bank::conversion::{self as engine, RuleInput};
use xc_domain::credit::{
    ApplicationId, ConversionRuleId, CourseCode, Credits, ExemptedCourse, Field, Grant,
    OutcomeCategory, OutcomeKind, OutcomeTitle, ProgrammeId, Proposal, ScoreRequirement, Version,
    VocationalGrade,
};
use xc_domain::{Action, InstitutionId, LearnerId};
use xc_store::{
    ApplicationLine, ApplicationRecord, AuditEvent, NewProgramme, OutcomeRecord, PageRequest,
    Paged, RuleTarget,
};

use super::{audit_read, institution_exists, non_empty, today};
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};

/// Re-labels a domain refusal with the name of the input that carried the value.
fn as_field(field: &'static str) -> impl Fn(xc_domain::Invalid) -> AppError {
    move |invalid| AppError::invalid(field, invalid.reason)
}

/// A programme as typed, from a form or JSON.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeText {
    pub institution_id: Option<String>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub max_credits: Option<String>,
}

impl ProgrammeText {
    pub fn parse(&self) -> AppResult<NewProgramme> {
        let institution = non_empty(self.institution_id.as_deref())
            .ok_or_else(|| {
                AppError::invalid(
                    "institution_id",
                    "give the id of the institution that runs the programme",
                )
            })
            .and_then(|text| InstitutionId::parse(text).map_err(as_field("institution_id")))?;
        let max_credits = non_empty(self.max_credits.as_deref())
            .ok_or_else(|| {
                AppError::invalid(
                    "max_credits",
                    "give the most credits the programme accepts by conversion",
                )
            })
            .and_then(|text| Credits::parse(text).map_err(as_field("max_credits")))?;
        if max_credits.is_zero() {
            return Err(AppError::invalid(
                "max_credits",
                "a programme that accepts 0 converted credits can never use a rule: give it a cap above 0",
            ));
        }
        Ok(NewProgramme {
            institution,
            code: self.code.as_deref().unwrap_or_default().trim().to_owned(),
            name: self.name.as_deref().unwrap_or_default().trim().to_owned(),
            max_credits,
        })
    }
}

/// Creates a target programme of an existing institution, then puts it in force.
pub async fn create_programme(
    state: &AppState,
    identity: &Identity,
    text: &ProgrammeText,
) -> AppResult<ProgrammeId> {
    identity.require_to(
        Action::ManageConversion,
        "only credit-bank staff manage programmes and conversion rules",
    )?;
    let programme = text.parse()?;
    institution_exists(state, "institution_id", programme.institution).await?;
    let audit = AuditEvent::new(identity.actor(), "programme.create", "programme", "new")
        .with_detail(json!({
            "institution": programme.institution.get(),
            "code": programme.code,
            "name": programme.name,
            "max_credits": programme.max_credits.to_string(),
        }));
    let _publishing = state.publishing_rules().await;
    let id = engine::create_programme(&*state.store, &programme, &audit).await?;
    state.reload_conversion_rules().await?;
    Ok(id)
}

/// What a rule grants, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GrantText {
    /// Nothing chosen.
    #[default]
    Missing,
    /// Courses exempted, each `(course code, credits)`.
    CourseExemptions(Vec<(String, String)>),
    ElectiveCredits(String),
}

/// A conversion rule as typed, from a form or JSON. Empty text means "no such condition";
/// `priority` defaults to 0, `count` and `repeat` to 1.
#[derive(Debug, Clone, Default)]
pub struct RuleText {
    pub priority: Option<String>,
    /// Any of these kinds; none for any kind.
    pub kinds: Vec<String>,
    pub category: Option<String>,
    pub title: Option<String>,
    pub field: Option<String>,
    pub min_grade: Option<String>,
    pub min_level: Option<String>,
    pub min_score: Option<String>,
    pub max_age_years: Option<String>,
    pub count: Option<String>,
    pub repeat: Option<String>,
    pub grant: GrantText,
}

/// A small whole number, or the field named with what to write.
fn small_number<T: std::str::FromStr>(
    text: Option<&str>,
    field: &'static str,
    what: &str,
) -> AppResult<Option<T>> {
    non_empty(text)
        .map(|text| {
            text.parse::<T>().map_err(|_| {
                AppError::invalid(field, format!("'{text}' is not a number: write {what}"))
            })
        })
        .transpose()
}

impl RuleText {
    pub fn parse(&self) -> AppResult<RuleInput> {
        let kinds = self
            .kinds
            .iter()
            .filter_map(|kind| non_empty(Some(kind)))
            .map(|kind| OutcomeKind::parse_written(kind).map_err(as_field("kinds")))
            .collect::<AppResult<Vec<_>>>()?;
        let grant = match &self.grant {
            GrantText::Missing => {
                return Err(AppError::invalid(
                    "grant",
                    "say what the rule grants: course exemptions or elective credits",
                ));
            }
            GrantText::ElectiveCredits(credits) => {
                Grant::ElectiveCredits(Credits::parse(credits.trim()).map_err(|invalid| {
                    AppError::invalid("grant", format!("elective credits: {}", invalid.reason))
                })?)
            }
            GrantText::CourseExemptions(courses) => Grant::CourseExemptions(
                courses
                    .iter()
                    .map(|(course, credits)| {
                        let course_code = CourseCode::parse(course).map_err(as_field("grant"))?;
                        let credits = Credits::parse(credits.trim()).map_err(|invalid| {
                            AppError::invalid(
                                "grant",
                                format!("course {course_code}: {}", invalid.reason),
                            )
                        })?;
                        Ok(ExemptedCourse {
                            course: course_code,
                            credits,
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?,
            ),
        };
        Ok(RuleInput {
            priority: small_number(self.priority.as_deref(), "priority", "0 to 65535")?
                .unwrap_or(0),
            kinds,
            category: non_empty(self.category.as_deref())
                .map(|text| OutcomeCategory::parse_written(text).map_err(as_field("category")))
                .transpose()?,
            title: non_empty(self.title.as_deref())
                .map(|text| OutcomeTitle::parse(text).map_err(as_field("title")))
                .transpose()?,
            field: non_empty(self.field.as_deref())
                .map(|text| Field::parse(text).map_err(as_field("field")))
                .transpose()?,
            min_grade: non_empty(self.min_grade.as_deref())
                .map(|text| VocationalGrade::parse(text).map_err(as_field("min_grade")))
                .transpose()?,
            // Out-of-range levels (0, 11) are the domain's to refuse, with its reason.
            min_level: small_number(
                self.min_level.as_deref(),
                "min_level",
                "a level from 1 to 10",
            )?,
            min_score: non_empty(self.min_score.as_deref())
                .map(|text| ScoreRequirement::parse(text).map_err(as_field("min_score")))
                .transpose()?,
            max_age_years: small_number(
                self.max_age_years.as_deref(),
                "max_age_years",
                "a number of years from 1 to 255",
            )?,
            count: small_number(
                self.count.as_deref(),
                "count",
                "how many outcomes, 1 to 255",
            )?
            .unwrap_or(1),
            repeat: small_number(
                self.repeat.as_deref(),
                "repeat",
                "how many times the rule may apply, 1 to 255",
            )?
            .unwrap_or(1),
            grant,
        })
    }
}

/// Publishes a new rule of a programme (`RuleTarget::New`) or the next version of a rule, after
/// the domain's checks against the rules in force (a rule that can never be met or contradicts
/// another is a 422 naming the field, with the domain's reason), then puts the rules in force.
pub async fn publish_rule(
    state: &AppState,
    identity: &Identity,
    target: RuleTarget,
    text: &RuleText,
) -> AppResult<(ConversionRuleId, Version)> {
    let principal = identity.require_to(
        Action::ManageConversion,
        "only credit-bank staff manage programmes and conversion rules",
    )?;
    let input = text.parse()?;
    let (subject, detail) = match &target {
        RuleTarget::New { programme, code } => (
            "new".to_owned(),
            json!({ "programme": programme.get(), "code": code }),
        ),
        RuleTarget::Existing(id) => (id.to_string(), json!({})),
    };
    let audit = AuditEvent::new(
        identity.actor(),
        "conversion_rule.publish",
        "conversion_rule",
        subject,
    )
    .with_detail(detail);
    let _publishing = state.publishing_rules().await;
    let rules = state.conversion_rules();
    let published = engine::publish_rule(
        &*state.store,
        &rules,
        &target,
        &input,
        OffsetDateTime::now_utc(),
        principal.user_id,
        &audit,
    )
    .await?;
    state.reload_conversion_rules().await?;
    Ok(published)
}

/// Retires a rule (a new version marked retired): it no longer applies; what was decided under
/// it stays. Returns the retiring version.
pub async fn retire_rule(
    state: &AppState,
    identity: &Identity,
    id: ConversionRuleId,
) -> AppResult<Version> {
    let principal = identity.require_to(
        Action::ManageConversion,
        "only credit-bank staff manage programmes and conversion rules",
    )?;
    let audit = AuditEvent::new(
        identity.actor(),
        "conversion_rule.retire",
        "conversion_rule",
        id.to_string(),
    );
    let _publishing = state.publishing_rules().await;
    let rules = state.conversion_rules();
    let version = engine::retire_rule(
        &*state.store,
        &rules,
        id,
        OffsetDateTime::now_utc(),
        principal.user_id,
        &audit,
    )
    .await?;
    state.reload_conversion_rules().await?;
    Ok(version)
}

/// The learner a citizen converts for: their own.
pub fn applicant(identity: &Identity) -> AppResult<LearnerId> {
    identity
        .require_to(
            Action::ApplyConversion,
            "only learners convert their outcomes, each their own",
        )?
        .learner_id
        .ok_or(AppError::Forbidden(
            "this account has no learner record to convert",
        ))
}

/// What the signed-in learner's outcomes would convert into today, and their outcomes (so the
/// explanation can name them). Nothing is stored.
pub async fn preview(
    state: &AppState,
    identity: &Identity,
    programme: ProgrammeId,
) -> AppResult<(Proposal, Vec<OutcomeRecord>)> {
    let learner = applicant(identity)?;
    let rules = state.conversion_rules();
    let proposal = engine::preview(&*state.store, &rules, learner, programme, today()).await?;
    let outcomes = state.store.list_learner_outcomes(learner).await?;
    Ok((proposal, outcomes))
}

/// The signed-in learner applies: the proposal is stored with its explanation for staff to
/// decide. 409 (`programme`) while an earlier application for the programme is open; 422
/// (`programme`) when nothing would convert.
pub async fn apply(
    state: &AppState,
    identity: &Identity,
    programme: ProgrammeId,
) -> AppResult<ApplicationRecord> {
    let learner = applicant(identity)?;
    let rules = state.conversion_rules();
    Ok(engine::apply(
        &*state.store,
        &rules,
        learner,
        programme,
        today(),
        OffsetDateTime::now_utc(),
        identity.actor(),
    )
    .await?)
}

/// The signed-in learner's applications, oldest first.
pub async fn my_applications(
    state: &AppState,
    identity: &Identity,
) -> AppResult<Vec<ApplicationRecord>> {
    let learner = applicant(identity)?;
    Ok(state.store.list_learner_applications(learner).await?)
}

/// One application, for the learner it belongs to and for credit-bank staff (audited as
/// `conversion_application.read`); 404 for anyone else.
pub async fn read_application(
    state: &AppState,
    identity: &Identity,
    id: ApplicationId,
) -> AppResult<ApplicationRecord> {
    let principal = identity.require()?;
    let application = state.store.get_application(id).await?;
    let own = principal.learner_id == Some(application.learner);
    if !own && !principal.may(Action::DecideConversion) {
        return Err(AppError::NotFound {
            what: "conversion application",
        });
    }
    if principal.reads_other_person(application.learner) {
        audit_read(
            state,
            identity,
            "conversion_application.read",
            "conversion_application",
            id,
            json!({ "learner": application.learner.get() }),
        )
        .await?;
    }
    Ok(application)
}

/// Open applications, oldest first (credit-bank staff). The applications listed are audited.
pub async fn open_applications(
    state: &AppState,
    identity: &Identity,
    page: PageRequest,
) -> AppResult<Paged<ApplicationRecord>> {
    identity.require_to(
        Action::DecideConversion,
        "only credit-bank staff decide conversion applications",
    )?;
    let open = state.store.list_open_applications(page).await?;
    if !open.items.is_empty() {
        let ids: Vec<i64> = open.items.iter().map(|a| a.id.get()).collect();
        audit_read(
            state,
            identity,
            "conversion_application.list",
            "conversion_application",
            "many",
            json!({ "ids": ids }),
        )
        .await?;
    }
    Ok(open)
}

/// What a line of `application` grants, read back from its stored body (a body that no longer
/// reads is a server error).
pub fn line_grant(application: &ApplicationRecord, line: &ApplicationLine) -> AppResult<Grant> {
    engine::grant_from_body(&line.grant).map_err(|reason| {
        AppError::Internal(anyhow::anyhow!(
            "application {} line {}: {reason}",
            application.id,
            line.line_no
        ))
    })
}

/// Staff's decision as given: approve keeping `lines` (all when `None`), or reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDecisionText {
    pub decision: String,
    pub lines: Option<Vec<u32>>,
    pub reason: Option<String>,
}

/// A parsed decision: approve (keeping these lines, or all) or reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDecision {
    pub approve: bool,
    pub lines: Option<Vec<u32>>,
    pub reason: String,
}

impl ApplicationDecisionText {
    pub fn parse(&self) -> AppResult<ApplicationDecision> {
        let reason = self.reason.clone().unwrap_or_default();
        match self.decision.trim() {
            "approve" => Ok(ApplicationDecision {
                approve: true,
                lines: self.lines.clone(),
                reason,
            }),
            "reject" => {
                if self.lines.as_ref().is_some_and(|lines| !lines.is_empty()) {
                    return Err(AppError::invalid(
                        "lines",
                        "a rejection keeps no lines: leave lines out",
                    ));
                }
                Ok(ApplicationDecision {
                    approve: false,
                    lines: None,
                    reason,
                })
            }
            other => Err(AppError::invalid(
                "decision",
                format!("'{other}' is not a decision: write approve or reject"),
            )),
        }
    }
}

/// Records staff's decision on an open application; 409 (`status`) when it was decided
/// meanwhile. The decision, the lines' marks and the audit entry are written together.
pub async fn decide(
    state: &AppState,
    identity: &Identity,
    id: ApplicationId,
    decision: ApplicationDecision,
) -> AppResult<ApplicationRecord> {
    let principal = identity.require_to(
        Action::DecideConversion,
        "only credit-bank staff decide conversion applications",
    )?;
    let reviewer = principal.user_id.ok_or(AppError::Forbidden(
        "decisions are made by a signed-in member of staff",
    ))?;
    let kept = match decision.lines {
        Some(lines) => lines,
        None if decision.approve => state
            .store
            .get_application(id)
            .await?
            .lines
            .iter()
            .map(|line| line.line_no)
            .collect(),
        None => Vec::new(),
    };
    Ok(engine::decide_application(
        &*state.store,
        id,
        decision.approve,
        kept,
        &decision.reason,
        reviewer,
        identity.actor(),
        OffsetDateTime::now_utc(),
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(grant: GrantText) -> RuleText {
        RuleText {
            kinds: vec!["community_course".into()],
            grant,
            ..RuleText::default()
        }
    }

    #[test]
    fn rules_are_parsed_with_the_field_at_fault_named() {
        let parsed = rule(GrantText::ElectiveCredits("2".into()))
            .parse()
            .unwrap();
        assert_eq!((parsed.count, parsed.repeat, parsed.priority), (1, 1, 0));
        assert_eq!(parsed.kinds, [OutcomeKind::CommunityCourse]);
        let field = |text: RuleText| text.parse().unwrap_err().field().unwrap();
        assert_eq!(field(rule(GrantText::Missing)), "grant");
        assert_eq!(
            field(rule(GrantText::ElectiveCredits("-1".into()))),
            "grant"
        );
        assert_eq!(
            field(rule(GrantText::CourseExemptions(vec![(
                "ELEC 101".into(),
                "4".into()
            )]))),
            "grant"
        );
        let with = |edit: fn(&mut RuleText)| {
            let mut text = rule(GrantText::ElectiveCredits("2".into()));
            edit(&mut text);
            text
        };
        assert_eq!(field(with(|t| t.kinds = vec!["cooking".into()])), "kinds");
        assert_eq!(
            field(with(|t| t.min_level = Some("high".into()))),
            "min_level"
        );
        assert_eq!(field(with(|t| t.count = Some("-1".into()))), "count");
        assert_eq!(
            field(with(|t| t.min_grade = Some("九级".into()))),
            "min_grade"
        );
        assert_eq!(field(with(|t| t.category = Some("x".into()))), "category");
        // The domain decides whether a level can ever be met; parsing only reads the number.
        assert_eq!(
            with(|t| t.min_level = Some("11".into()))
                .parse()
                .unwrap()
                .min_level,
            Some(11)
        );
    }

    #[test]
    fn decisions_and_programmes_name_the_field() {
        let decision = |decision: &str, lines: Option<Vec<u32>>| ApplicationDecisionText {
            decision: decision.into(),
            lines,
            reason: Some("x".into()),
        };
        assert!(decision("approve", None).parse().unwrap().approve);
        assert_eq!(
            decision("reject", Some(vec![1]))
                .parse()
                .unwrap_err()
                .field()
                .unwrap(),
            "lines"
        );
        assert!(!decision("reject", Some(vec![])).parse().unwrap().approve);
        assert_eq!(
            decision("maybe", None)
                .parse()
                .unwrap_err()
                .field()
                .unwrap(),
            "decision"
        );
        let programme = |cap: &str| ProgrammeText {
            institution_id: Some("2".into()),
            code: Some(" OU-1 ".into()),
            name: Some("电气自动化".into()),
            max_credits: Some(cap.into()),
        };
        assert_eq!(programme("10").parse().unwrap().code, "OU-1");
        for cap in ["0", "", "ten"] {
            assert_eq!(
                programme(cap).parse().unwrap_err().field().unwrap(),
                "max_credits",
                "{cap}"
            );
        }
    }
}
