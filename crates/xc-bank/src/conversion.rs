//! Conversion (学分转换): target programmes, their versioned conversion rules, and a learner's
//! application. The learner applies for a programme; the domain's engine proposes what their
//! recognised outcomes convert into, each line with the rule that matched and, for every other
//! rule, why it did not; the application keeps that explanation as it was made. Staff approve it
//! (keeping all lines, or only some: an amendment) or reject it with a reason; approved lines
//! count against the programme's cap and their courses stay exempted in later applications.
//!
//! Rules are stored as JSON ([`rule_body`] / [`rule_from_body`]); a rule is retired by publishing
//! a version marked `retired`, so its earlier versions, and the applications that used them,
//! stay as they were.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use xc_domain::credit::{ApplicationId, OutcomeId};
use xc_domain::credit::{
    ConversionRule, ConversionRuleDraft, ConversionRuleId, ConversionRuleSet, CourseCode, Credits,
    ExemptedCourse, Field, Grant, OutcomeCategory, OutcomeKind, OutcomeTitle, Prior, Programme,
    ProgrammeId, Proposal, RecognisedOutcome, RuleRefusal, ScoreRequirement, ValidityPeriod,
    Version, VocationalGrade, propose_after,
};
use xc_domain::{Invalid, LearnerId, UserId};
use xc_store::{
    Actor, ApplicationDecision, ApplicationRecord, ApplicationStatus, AuditEvent,
    ConversionRuleVersion, NewApplication, NewApplicationLine, NewProgramme, OutcomeRecord,
    OutcomeStatus, ProgrammeRecord, RuleTarget, Store, StoreError,
};

use crate::BankError;

/// A rule as stored in `conversion_rule_versions.body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    priority: u16,
    kinds: Vec<String>,
    category: Option<String>,
    title: Option<String>,
    field: Option<String>,
    min_grade: Option<String>,
    min_level: Option<u8>,
    min_score: Option<String>,
    max_age_years: Option<u8>,
    count: u8,
    repeat: u8,
    grant: GrantBody,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    retired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum GrantBody {
    CourseExemptions(Vec<CourseBody>),
    ElectiveCredits(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CourseBody {
    course: String,
    credits: String,
}

/// A grant as JSON: `{"course_exemptions": [{"course", "credits"}]}` or
/// `{"elective_credits": "2"}`.
pub fn grant_body(grant: &Grant) -> Value {
    serde_json::to_value(grant_body_of(grant)).expect("a grant serialises")
}

fn grant_body_of(grant: &Grant) -> GrantBody {
    match grant {
        Grant::CourseExemptions(courses) => GrantBody::CourseExemptions(
            courses
                .iter()
                .map(|c| CourseBody {
                    course: c.course.as_str().to_owned(),
                    credits: c.credits.to_string(),
                })
                .collect(),
        ),
        Grant::ElectiveCredits(credits) => GrantBody::ElectiveCredits(credits.to_string()),
    }
}

fn grant_of(body: &GrantBody) -> Result<Grant, Invalid> {
    Ok(match body {
        GrantBody::CourseExemptions(courses) => Grant::CourseExemptions(
            courses
                .iter()
                .map(|c| {
                    Ok(ExemptedCourse {
                        course: CourseCode::parse(&c.course)?,
                        credits: Credits::parse(&c.credits)?,
                    })
                })
                .collect::<Result<_, Invalid>>()?,
        ),
        GrantBody::ElectiveCredits(credits) => Grant::ElectiveCredits(Credits::parse(credits)?),
    })
}

/// Reads a grant written by [`grant_body`].
pub fn grant_from_body(body: &Value) -> Result<Grant, String> {
    let parsed: GrantBody = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    grant_of(&parsed).map_err(|invalid| invalid.to_string())
}

/// What staff fill in for a rule (its id and programme come from where it is published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInput {
    pub priority: u16,
    pub kinds: Vec<OutcomeKind>,
    pub category: Option<OutcomeCategory>,
    pub title: Option<OutcomeTitle>,
    pub field: Option<Field>,
    pub min_grade: Option<VocationalGrade>,
    pub min_level: Option<u8>,
    pub min_score: Option<ScoreRequirement>,
    pub max_age_years: Option<u8>,
    pub count: u8,
    pub repeat: u8,
    pub grant: Grant,
}

impl RuleInput {
    fn draft(&self, id: ConversionRuleId, programme: ProgrammeId) -> ConversionRuleDraft {
        ConversionRuleDraft {
            id,
            programme,
            priority: self.priority,
            kinds: self.kinds.clone(),
            category: self.category,
            title: self.title.clone(),
            field: self.field.clone(),
            min_grade: self.min_grade,
            min_level: self.min_level,
            min_score: self.min_score,
            max_age_years: self.max_age_years,
            count: self.count,
            repeat: self.repeat,
            grant: self.grant.clone(),
        }
    }

    fn of(draft: &ConversionRuleDraft) -> Self {
        Self {
            priority: draft.priority,
            kinds: draft.kinds.clone(),
            category: draft.category,
            title: draft.title.clone(),
            field: draft.field.clone(),
            min_grade: draft.min_grade,
            min_level: draft.min_level,
            min_score: draft.min_score,
            max_age_years: draft.max_age_years,
            count: draft.count,
            repeat: draft.repeat,
            grant: draft.grant.clone(),
        }
    }
}

/// A score requirement as a rule's body and staff's form write it: `pass`, or the minimum marks
/// (what `ScoreRequirement::parse` reads back; its `Display` is for people).
pub fn score_text(requirement: ScoreRequirement) -> String {
    match requirement {
        ScoreRequirement::Passed => "pass".to_owned(),
        ScoreRequirement::AtLeast(marks) => marks.to_string(),
    }
}

/// A rule as JSON, for `conversion_rule_versions.body`.
pub fn rule_body(input: &RuleInput, retired: bool) -> Value {
    let body = RuleBody {
        priority: input.priority,
        kinds: input.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        category: input.category.map(|c| c.as_str().to_owned()),
        title: input.title.as_ref().map(|t| t.as_str().to_owned()),
        field: input.field.as_ref().map(ToString::to_string),
        min_grade: input.min_grade.map(|g| g.as_str().to_owned()),
        min_level: input.min_level,
        min_score: input.min_score.map(score_text),
        max_age_years: input.max_age_years,
        count: input.count,
        repeat: input.repeat,
        grant: grant_body_of(&input.grant),
        retired,
    };
    serde_json::to_value(body).expect("a rule serialises")
}

/// Reads a rule written by [`rule_body`]: the draft, and whether it is retired.
pub fn rule_from_body(
    body: &Value,
    id: ConversionRuleId,
    programme: ProgrammeId,
) -> Result<(ConversionRuleDraft, bool), String> {
    let body: RuleBody = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    let parse = || -> Result<ConversionRuleDraft, Invalid> {
        Ok(ConversionRuleDraft {
            id,
            programme,
            priority: body.priority,
            kinds: body
                .kinds
                .iter()
                .map(|k| OutcomeKind::parse(k))
                .collect::<Result<_, _>>()?,
            category: body
                .category
                .as_deref()
                .map(OutcomeCategory::parse)
                .transpose()?,
            title: body.title.as_deref().map(OutcomeTitle::parse).transpose()?,
            field: body.field.as_deref().map(Field::parse).transpose()?,
            min_grade: body
                .min_grade
                .as_deref()
                .map(VocationalGrade::parse)
                .transpose()?,
            min_level: body.min_level,
            min_score: body
                .min_score
                .as_deref()
                .map(ScoreRequirement::parse)
                .transpose()?,
            max_age_years: body.max_age_years,
            count: body.count,
            repeat: body.repeat,
            grant: grant_of(&body.grant)?,
        })
    };
    parse()
        .map(|draft| (draft, body.retired))
        .map_err(|invalid| invalid.to_string())
}

/// The field of a rule form that a refusal is about.
fn refusal_field(refusal: &RuleRefusal) -> &'static str {
    match refusal {
        RuleRefusal::CountZero => "count",
        RuleRefusal::RepeatZero | RuleRefusal::ExemptionRepeated => "repeat",
        RuleRefusal::NoCredits
        | RuleRefusal::TooManyCredits
        | RuleRefusal::CreditsAboveProgrammeCap { .. }
        | RuleRefusal::CourseListedTwice { .. }
        | RuleRefusal::CourseWithoutCredits { .. }
        | RuleRefusal::ExemptionCreditsDiffer { .. } => "grant",
        RuleRefusal::LevelZero | RuleRefusal::LevelAboveFramework { .. } => "min_level",
        RuleRefusal::MaxAgeZero => "max_age_years",
        RuleRefusal::NeverConverts | RuleRefusal::KindsCannotHaveCategory { .. } => "category",
        RuleRefusal::GradeWithoutCertificates => "min_grade",
        RuleRefusal::UnknownProgramme { .. } => "programme",
        RuleRefusal::DuplicateId { .. }
        | RuleRefusal::Duplicate { .. }
        | RuleRefusal::SameConditionsDifferentGrant { .. } => "rule",
    }
}

fn refused(refusal: RuleRefusal) -> BankError {
    Invalid::new(refusal_field(&refusal), refusal.to_string()).into()
}

/// The programmes and the rules in force, loaded from the store. Reload after publishing.
#[derive(Debug, Clone, Default)]
pub struct ConversionRules {
    set: ConversionRuleSet,
    programmes: BTreeMap<ProgrammeId, ProgrammeRecord>,
    /// The current version of every rule (retired ones included, marked).
    current: BTreeMap<ConversionRuleId, (ConversionRuleVersion, bool)>,
}

impl ConversionRules {
    pub async fn load(store: &dyn Store) -> Result<Self, BankError> {
        let programmes = store.list_programmes().await?;
        let versions = store.list_conversion_rule_versions().await?;
        Self::from_records(programmes, versions)
    }

    pub fn from_records(
        programmes: Vec<ProgrammeRecord>,
        versions: Vec<ConversionRuleVersion>,
    ) -> Result<Self, BankError> {
        let mut set = ConversionRuleSet::default();
        let mut by_id = BTreeMap::new();
        for record in programmes {
            set.add_programme(Programme::new(record.id, record.max_credits)?)?;
            by_id.insert(record.id, record);
        }
        // Ordered by id then version: the last one of each rule is current, and only the
        // current versions are read into the rule set.
        let latest: BTreeMap<ConversionRuleId, ConversionRuleVersion> = versions
            .into_iter()
            .map(|version| (version.id, version))
            .collect();
        let mut current = BTreeMap::new();
        let mut drafts = Vec::with_capacity(latest.len());
        for (id, version) in latest {
            let (draft, retired) =
                rule_from_body(&version.body, id, version.programme).map_err(|reason| {
                    BankError::Corrupt(format!(
                        "conversion rule {id} version {}: {reason}",
                        version.version
                    ))
                })?;
            if !retired {
                drafts.push(draft);
            }
            current.insert(id, (version, retired));
        }
        let set = set.with_rules(drafts).map_err(|problems| {
            BankError::Corrupt(format!(
                "stored conversion rules contradict each other: {}",
                problems
                    .iter()
                    .map(|p| format!("rule {}: {}", p.rule, p.refusal))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
        Ok(Self {
            set,
            programmes: by_id,
            current,
        })
    }

    pub fn programmes(&self) -> impl Iterator<Item = &ProgrammeRecord> {
        self.programmes.values()
    }

    pub fn programme(&self, id: ProgrammeId) -> Option<&ProgrammeRecord> {
        self.programmes.get(&id)
    }

    /// The rules of a programme in force, in the order the engine tries them, each with its
    /// stored version.
    pub fn rules_of(
        &self,
        programme: ProgrammeId,
    ) -> impl Iterator<Item = (&ConversionRule, &ConversionRuleVersion)> {
        self.set.rules(programme).filter_map(|rule| {
            self.current
                .get(&rule.id())
                .map(|(version, _)| (rule, version))
        })
    }

    /// The stored current version of a rule and whether it is retired.
    pub fn current(&self, id: ConversionRuleId) -> Option<(&ConversionRuleVersion, bool)> {
        self.current
            .get(&id)
            .map(|(version, retired)| (version, *retired))
    }

    fn version_of(&self, id: ConversionRuleId) -> Option<Version> {
        self.current.get(&id).map(|(version, _)| version.version)
    }

    fn code_of(&self, id: ConversionRuleId) -> &str {
        self.current
            .get(&id)
            .map_or("", |(version, _)| version.code.as_str())
    }

    pub fn set(&self) -> &ConversionRuleSet {
        &self.set
    }
}

/// Creates a programme: code and name required, a cap above 0.
pub async fn create_programme(
    store: &dyn Store,
    programme: &NewProgramme,
    audit: &AuditEvent,
) -> Result<ProgrammeId, BankError> {
    crate::check_label("code", &programme.code, 32, "a programme code")?;
    crate::check_label("name", &programme.name, 100, "a programme name")?;
    Programme::new(ProgrammeId::new(1), programme.max_credits)?;
    Ok(store.create_programme(programme, audit).await?)
}

/// Publishes a new rule or the next version of one, after checking it on its own and against
/// the programme's other rules in force (a rule that can never be met, or contradicts another,
/// is refused with the reason). `retire` publishes the rule's current content marked retired.
pub async fn publish_rule(
    store: &dyn Store,
    rules: &ConversionRules,
    target: &RuleTarget,
    input: &RuleInput,
    published_at: OffsetDateTime,
    published_by: Option<UserId>,
    audit: &AuditEvent,
) -> Result<(ConversionRuleId, Version), BankError> {
    let body = match target {
        RuleTarget::New { programme, code } => {
            crate::check_label("code", code, 32, "a rule code")?;
            if rules.programme(*programme).is_none() {
                return Err(StoreError::NotFound { what: "programme" }.into());
            }
            // Checked under an id no stored rule has; the store assigns the real one.
            let draft = input.draft(ConversionRuleId::new(i64::MAX), *programme);
            rules.set.check(draft).map_err(refused)?;
            rule_body(input, false)
        }
        RuleTarget::Existing(id) => {
            let (version, retired) = rules
                .current(*id)
                .ok_or(StoreError::NotFound { what: "rule" })?;
            let draft = input.draft(*id, version.programme);
            let mut trial = rules.set.clone();
            if retired {
                trial.add(draft).map_err(refused)?;
            } else {
                trial.replace(draft).map_err(refused)?;
            }
            let body = rule_body(input, false);
            if !retired && body == version.body {
                return Err(Invalid::new(
                    "rule",
                    "nothing changed: a new version must differ from the current one",
                )
                .into());
            }
            body
        }
    };
    Ok(store
        .publish_conversion_rule(target, &body, published_at, published_by, audit)
        .await?)
}

/// Retires a rule: a new version with the same content, marked retired, so it no longer applies
/// while what was decided under it stays.
pub async fn retire_rule(
    store: &dyn Store,
    rules: &ConversionRules,
    id: ConversionRuleId,
    published_at: OffsetDateTime,
    published_by: Option<UserId>,
    audit: &AuditEvent,
) -> Result<Version, BankError> {
    let (version, retired) = rules
        .current(id)
        .ok_or(StoreError::NotFound { what: "rule" })?;
    if retired {
        return Err(Invalid::new("rule", "the rule is already retired").into());
    }
    let (draft, _) =
        rule_from_body(&version.body, id, version.programme).map_err(BankError::Corrupt)?;
    let body = rule_body(&RuleInput::of(&draft), true);
    let (_, version) = store
        .publish_conversion_rule(
            &RuleTarget::Existing(id),
            &body,
            published_at,
            published_by,
            audit,
        )
        .await?;
    Ok(version)
}

/// The learner's recognised outcomes as conversion reads them.
pub fn recognised_outcomes<'a>(
    records: impl IntoIterator<Item = &'a OutcomeRecord>,
) -> Vec<RecognisedOutcome> {
    records
        .into_iter()
        .filter(|record| record.status == OutcomeStatus::Recognised)
        .filter_map(|record| {
            let grant = record.grant?;
            let submitted = &record.submitted;
            let validity = ValidityPeriod::new(submitted.achieved_on, grant.valid_until).ok()?;
            Some(RecognisedOutcome {
                id: record.id,
                kind: submitted.kind,
                category: grant.category,
                title: submitted.title.clone(),
                grade: submitted.grade,
                level: grant.level,
                credits: grant.credits,
                field: submitted.field.clone(),
                score: submitted.score,
                achieved_on: submitted.achieved_on,
                validity,
            })
        })
        .collect()
}

/// What a learner already converted into `programme` (approved applications' kept lines), and
/// the outcomes those lines used.
fn prior_of(
    applications: &[ApplicationRecord],
    programme: ProgrammeId,
) -> Result<(Prior, HashSet<OutcomeId>), BankError> {
    let mut prior = Prior::default();
    let mut used = HashSet::new();
    for application in applications {
        if application.programme != programme || application.status != ApplicationStatus::Approved {
            continue;
        }
        for line in &application.lines {
            if line.kept != Some(true) {
                continue;
            }
            prior.converted = prior
                .converted
                .checked_add(line.credits)
                .unwrap_or(Credits::MAX);
            let grant = grant_from_body(&line.grant).map_err(|reason| {
                BankError::Corrupt(format!(
                    "application {} line {}: {reason}",
                    application.id, line.line_no
                ))
            })?;
            for course in grant.courses() {
                prior.exempted.push((course.course.clone(), line.rule));
            }
            used.extend(line.outcomes.iter().copied());
        }
    }
    Ok((prior, used))
}

/// The engine's proposal for a learner and a programme today, taking earlier approved
/// conversions into account. Nothing is stored.
pub async fn preview(
    store: &dyn Store,
    rules: &ConversionRules,
    learner: LearnerId,
    programme: ProgrammeId,
    today: Date,
) -> Result<Proposal, BankError> {
    if rules.programme(programme).is_none() {
        return Err(StoreError::NotFound { what: "programme" }.into());
    }
    let outcomes = recognised_outcomes(&store.list_learner_outcomes(learner).await?);
    let applications = store.list_learner_applications(learner).await?;
    propose_for(&outcomes, &applications, rules, programme, today)
}

/// The one way a proposal is made from what was read: the outcomes earlier approved
/// conversions into `programme` used are left out, and those conversions count against its cap.
fn propose_for(
    outcomes: &[RecognisedOutcome],
    applications: &[ApplicationRecord],
    rules: &ConversionRules,
    programme: ProgrammeId,
    today: Date,
) -> Result<Proposal, BankError> {
    let (prior, used) = prior_of(applications, programme)?;
    let available: Vec<RecognisedOutcome> = outcomes
        .iter()
        .filter(|outcome| !used.contains(&outcome.id))
        .cloned()
        .collect();
    Ok(propose_after(
        &available, &rules.set, programme, today, &prior,
    )?)
}

/// A learner's conversions at a glance, for the archive: every application, and what the
/// engine would propose now for the programmes worth looking at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlook {
    /// Every application of the learner, oldest first.
    pub applications: Vec<ApplicationRecord>,
    /// The engine's proposal today for each programme (in programme order) with a rule in
    /// force that selects one of the learner's recognised outcomes; at most `limit` of them.
    pub proposals: Vec<Proposal>,
    /// Programmes like those that were left out to keep the archive cheap; the conversion page
    /// previews any of them.
    pub more: usize,
}

/// One recognised outcome for each kind, and for each title one for each kind: a rule selects by
/// kind and title only (`Conditions::selects`), so it selects one of the learner's outcomes
/// exactly when it selects one of these. Checking every rule in force against these few instead
/// of every outcome keeps the archive's outlook cheap with thousands of rules and outcomes.
struct Selectable<'a> {
    by_kind: BTreeMap<OutcomeKind, &'a RecognisedOutcome>,
    by_title: HashMap<&'a OutcomeTitle, BTreeMap<OutcomeKind, &'a RecognisedOutcome>>,
}

impl<'a> Selectable<'a> {
    fn of(outcomes: &'a [RecognisedOutcome]) -> Self {
        let mut by_kind = BTreeMap::new();
        let mut by_title: HashMap<_, BTreeMap<_, _>> = HashMap::new();
        for outcome in outcomes {
            by_kind.entry(outcome.kind).or_insert(outcome);
            by_title
                .entry(&outcome.title)
                .or_default()
                .entry(outcome.kind)
                .or_insert(outcome);
        }
        Selectable { by_kind, by_title }
    }

    /// Whether `rule` selects at least one of the outcomes.
    fn by(&self, rule: &ConversionRule) -> bool {
        let conditions = rule.conditions();
        let candidates = match conditions.title() {
            Some(title) => self.by_title.get(title),
            None => Some(&self.by_kind),
        };
        candidates.is_some_and(|candidates| {
            candidates
                .values()
                .any(|outcome| conditions.selects(outcome))
        })
    }
}

/// What `outcomes` (all of the learner's, as the archive read them) would convert into today:
/// one preview per programme whose rules select at least one recognised outcome of the
/// learner's kinds and titles, the first `limit` of them, with the learner's applications.
/// Programmes whose rules select none of them are not previewed: nothing would convert.
pub async fn outlook<'a>(
    store: &dyn Store,
    rules: &ConversionRules,
    learner: LearnerId,
    outcomes: impl IntoIterator<Item = &'a OutcomeRecord>,
    today: Date,
    limit: usize,
) -> Result<Outlook, BankError> {
    let recognised = recognised_outcomes(outcomes);
    let applications = store.list_learner_applications(learner).await?;
    let selectable = Selectable::of(&recognised);
    let mut proposals = Vec::new();
    let mut more = 0;
    for programme in rules.programmes() {
        if !rules
            .set
            .rules(programme.id)
            .any(|rule| selectable.by(rule))
        {
            continue;
        }
        if proposals.len() == limit {
            more += 1;
            continue;
        }
        proposals.push(propose_for(
            &recognised,
            &applications,
            rules,
            programme.id,
            today,
        )?);
    }
    Ok(Outlook {
        applications,
        proposals,
        more,
    })
}

/// The explanation of a proposal as JSON: what is stored with an application and shown to the
/// learner and staff. Every rule that did not apply is listed with why, in English (the pages
/// translate the codes).
pub fn proposal_json(proposal: &Proposal, rules: &ConversionRules) -> Value {
    json!({
        "made_on": proposal.made_on.to_string(),
        "cap": proposal.cap.to_string(),
        "already_converted": proposal.already_converted.to_string(),
        "total_credits": proposal.total_credits.to_string(),
        "lines": proposal.lines.iter().map(|line| json!({
            "rule": line.rule.get(),
            "code": rules.code_of(line.rule),
            "version": rules.version_of(line.rule).map(Version::get),
            "grant": grant_body(&line.grant),
            "credits": line.credits.to_string(),
            "outcomes": line.outcomes.iter().map(|id| id.get()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "misses": proposal.misses.iter().map(|miss| json!({
            "rule": miss.rule.get(),
            "code": rules.code_of(miss.rule),
            "reason": miss.reason.to_string(),
        })).collect::<Vec<_>>(),
        "excluded": proposal.excluded.iter().map(|excluded| json!({
            "outcome": excluded.outcome.get(),
            "reason": format!("{:?}", excluded.reason),
        })).collect::<Vec<_>>(),
        "unused": proposal.unused.iter().map(|id| id.get()).collect::<Vec<_>>(),
    })
}

/// A learner applies to convert into `programme`: the proposal is computed and stored with its
/// explanation, for staff to decide. `Conflict { field: "programme" }` while an earlier
/// application for it is open; `Invalid` when nothing would convert.
pub async fn apply(
    store: &dyn Store,
    rules: &ConversionRules,
    learner: LearnerId,
    programme: ProgrammeId,
    today: Date,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<ApplicationRecord, BankError> {
    let proposal = preview(store, rules, learner, programme, today).await?;
    if proposal.lines.is_empty() {
        return Err(Invalid::new(
            "programme",
            "none of your recognised outcomes converts into this programme yet: see why for each rule",
        )
        .into());
    }
    let lines = proposal
        .lines
        .iter()
        .map(|line| {
            let rule_version = rules.version_of(line.rule).ok_or_else(|| {
                BankError::Corrupt(format!("rule {} has no stored version", line.rule))
            })?;
            Ok(NewApplicationLine {
                rule: line.rule,
                rule_version,
                outcomes: line.outcomes.clone(),
                grant: grant_body(&line.grant),
                credits: line.credits,
            })
        })
        .collect::<Result<Vec<_>, BankError>>()?;
    let application = NewApplication {
        learner,
        programme,
        applied_at: now,
        made_on: today,
        proposal: proposal_json(&proposal, rules),
        proposed_credits: proposal.total_credits,
        lines,
    };
    let audit = AuditEvent::new(actor, "conversion.apply", "conversion_application", "new")
        .with_detail(json!({
            "learner": learner.get(),
            "programme": programme.get(),
            "proposed_credits": proposal.total_credits.to_string(),
        }));
    let id = store.create_application(&application, &audit).await?;
    Ok(store.get_application(id).await?)
}

/// Staff approve an open application keeping `kept_lines` (all of them: as proposed; fewer: an
/// amendment, which needs a reason), or reject it with a reason.
#[allow(clippy::too_many_arguments)]
pub async fn decide_application(
    store: &dyn Store,
    id: ApplicationId,
    approve: bool,
    kept_lines: Vec<u32>,
    reason: &str,
    reviewer: UserId,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<ApplicationRecord, BankError> {
    let application = store.get_application(id).await?;
    if application.status != ApplicationStatus::Proposed {
        return Err(StoreError::Conflict { field: "status" }.into());
    }
    let reason = reason.trim().to_owned();
    if reason.chars().count() > 1000 {
        return Err(Invalid::new("reason", "a reason has at most 1,000 characters").into());
    }
    let mut kept_lines = kept_lines;
    kept_lines.sort_unstable();
    kept_lines.dedup();
    if approve {
        if let Some(unknown) = kept_lines
            .iter()
            .find(|n| !application.lines.iter().any(|line| line.line_no == **n))
        {
            return Err(
                Invalid::new("lines", format!("the application has no line {unknown}")).into(),
            );
        }
        if kept_lines.is_empty() {
            return Err(Invalid::new(
                "lines",
                "keep at least one line to approve, or reject the application",
            )
            .into());
        }
        if kept_lines.len() < application.lines.len() && reason.is_empty() {
            return Err(Invalid::new(
                "reason",
                "say why some lines are not approved: the learner will read it",
            )
            .into());
        }
    } else if reason.is_empty() {
        return Err(Invalid::new(
            "reason",
            "say why the application is rejected: the learner will read it",
        )
        .into());
    }
    let audit = AuditEvent::new(actor, "conversion.decide", "conversion_application", id)
        .with_detail(json!({
            "approve": approve,
            "kept_lines": kept_lines,
            "reason": reason,
        }));
    store
        .decide_application(
            &ApplicationDecision {
                application: id,
                decided_at: now,
                decided_by: reviewer,
                approve,
                kept_lines,
                reason,
            },
            &audit,
        )
        .await?;
    Ok(store.get_application(id).await?)
}
