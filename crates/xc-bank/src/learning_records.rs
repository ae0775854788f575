//! The learning record store joined to the credit bank (issue 5 §4, §5; docs/xapi.md,
//! "Integration"): which learner a statement's actor is, the learner's activity in the archive,
//! the staff's statement rules that turn statements into points and into outcome proposals for
//! recognition (submitted as a provider's outcome is: `crate::submit`), the walk that applies
//! stored statements once, linking an unknown actor to a learner later (and applying their past
//! statements), and erasing everything about one actor.
//!
//! An actor is a learner when it is an Agent identified by
//! - the platform's own account: `{"homePage": <the platform's base URL>, "name": <learner
//!   id>}` — what the platform's check-ins use, and what any provider may send for a learner
//!   whose id it knows; or
//! - an IFI staff linked to the learner (`xapi_actor_links`): a provider's own account
//!   (`{"homePage": <the provider's>, "name": <its learner number>}`), an `mbox` (linked with the
//!   `mbox_sha1sum` of the same address), an `mbox_sha1sum` or an `openid`.
//!
//! The learner model holds no e-mail address, so no `mbox` maps by itself. A Group is never a
//! learner. Every application is idempotent: a timeline row is keyed by learner and statement,
//! a statement's points are awarded under the event reference `xapi:<statement id>`, which
//! the ledger accepts once per learner, and its outcome is proposed under the external id
//! `xapi:<statement id>`, which the provider's outcomes hold once; so applying a statement twice
//! (the walk, then a link) changes nothing the second time.
//!
//! A statement proposes an outcome for a specification's provider only when that provider's
//! own LRS client stored it, or the platform did (its check-ins): see [`StoredBy`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use time::macros::offset;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{
    EventReference, Evidence, EvidenceKind, Marks, OutcomeSpecification, PointsActivity,
    PointsEvent, Score, SpecificationId, SubmittedOutcome, Version,
};
use xc_domain::{InstitutionId, Invalid, LearnerId, UserId};
use xc_import::RowProblem;
use xc_import::parse::CellInvalid;
use xc_privacy::{PiiField, PiiVault};
use xc_store::{
    Actor, ActorErasureCounts, AuditEvent, LearnerStatementRow, NewActorLink, NewOutcome,
    StatementPosition, StatementRulesVersion, Store, StoredStatement, TimelineWindow, Written,
    micros,
};
use xc_xapi::Statement;
use xc_xapi::agents::ifi_key;
use xc_xapi::model::{Actor as XapiActor, Agent, Ifi, StatementObject};
use xc_xapi::types::{Iri, LanguageMap};

use crate::archive::ArchiveFilter;
use crate::points::award_points_once;
use crate::{BankError, Standards};

/// How many statements the walk reads and applies at a time.
const WALK_PAGE: u32 = 500;
/// The most rules one version holds.
pub const MAX_RULES: usize = 100;
/// The verb of a voiding statement, which is never learning activity.
const VOIDED_VERB: &str = "http://adlnet.gov/expapi/verbs/voided";

// ---------------------------------------------------------------------------------------------
// Statement rules
// ---------------------------------------------------------------------------------------------

/// One rule as staff type it (a form row or an API item); blank optional fields match anything.
/// A rule awards points, proposes an outcome, or both: at least one of `award` and
/// `specification` is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementRuleInput {
    pub verb: String,
    pub activity: Option<String>,
    pub activity_type: Option<String>,
    /// The lowest `result.score.scaled` that matches, as typed (`0.6`).
    pub min_scaled: Option<String>,
    /// What a matching statement earns: a points activity's code (`completion`); blank for none.
    pub award: String,
    /// The published specification a matching statement proposes an outcome of, by id (`3`).
    pub specification: Option<String>,
}

/// A checked rule: a statement with this verb (on this activity, of this activity type, with at
/// least this scaled score, where given) earns one unit of `award` under the points policy, and
/// proposes its learner's outcome of `specification` for recognition, where given (at least one
/// of the two is).
#[derive(Debug, Clone, PartialEq)]
pub struct StatementRule {
    pub verb: String,
    pub activity: Option<String>,
    pub activity_type: Option<String>,
    pub min_scaled: Option<f64>,
    pub award: Option<PointsActivity>,
    pub specification: Option<SpecificationId>,
}

impl StatementRule {
    /// Whether `statement` matches.
    pub fn matches(&self, statement: &Statement) -> bool {
        if statement.verb.id.as_str() != self.verb {
            return false;
        }
        let StatementObject::Activity(activity) = &statement.object else {
            return self.activity.is_none() && self.activity_type.is_none();
        };
        if self
            .activity
            .as_ref()
            .is_some_and(|wanted| activity.id.as_str() != wanted)
        {
            return false;
        }
        if let Some(wanted) = &self.activity_type {
            let given = activity
                .definition
                .as_ref()
                .and_then(|d| d.activity_type.as_ref());
            if given.is_none_or(|given| given.as_str() != wanted) {
                return false;
            }
        }
        match self.min_scaled {
            None => true,
            Some(min) => statement
                .result
                .as_ref()
                .and_then(|r| r.score.as_ref())
                .and_then(|s| s.scaled.as_ref())
                .and_then(serde_json::Number::as_f64)
                .is_some_and(|scaled| scaled >= min),
        }
    }

    /// Whether every statement `other` matches, this rule matches too.
    fn covers(&self, other: &StatementRule) -> bool {
        self.verb == other.verb
            && self
                .activity
                .as_ref()
                .is_none_or(|a| other.activity.as_ref() == Some(a))
            && self
                .activity_type
                .as_ref()
                .is_none_or(|t| other.activity_type.as_ref() == Some(t))
            && self
                .min_scaled
                .is_none_or(|min| other.min_scaled.is_some_and(|theirs| theirs >= min))
    }
}

/// The statement rules in force. Points and proposals are decided apart: a statement earns
/// what the first rule with an award it matches awards (a statement earns points once), and
/// proposes the outcome of the first rule with a specification it matches (once).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementRules {
    rules: Vec<StatementRule>,
}

impl StatementRules {
    pub fn rules(&self) -> &[StatementRule] {
        &self.rules
    }

    /// The first rule with an award `statement` matches, with its position.
    pub fn rule_for(&self, statement: &Statement) -> Option<(usize, &StatementRule)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.award.is_some() && rule.matches(statement))
    }

    /// The first rule proposing an outcome `statement` matches, with its position.
    pub fn proposal_for(&self, statement: &Statement) -> Option<(usize, &StatementRule)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.specification.is_some() && rule.matches(statement))
    }

    /// The stored JSON of these rules. A rule without an award stores `"award": null`; a rule
    /// without a specification stores no `specification` (the shape of the versions stored
    /// before proposals existed).
    pub fn to_json(&self) -> Value {
        json!({
            "rules": self.rules.iter().map(|rule| {
                let mut body = json!({
                    "verb": rule.verb,
                    "activity": rule.activity,
                    "activity_type": rule.activity_type,
                    "min_scaled": rule.min_scaled,
                    "award": rule.award.map(PointsActivity::as_str),
                });
                if let Some(spec) = rule.specification {
                    body["specification"] = json!(spec.get());
                }
                body
            }).collect::<Vec<_>>(),
        })
    }

    /// Reads [`StatementRules::to_json`]'s body back (and the versions stored before proposals
    /// existed, whose every rule has an award and none a specification).
    pub fn from_json(body: &Value) -> Result<Self, String> {
        let rules = body
            .get("rules")
            .and_then(Value::as_array)
            .ok_or("no list of rules")?;
        let text =
            |rule: &Value, key: &str| rule.get(key).and_then(Value::as_str).map(str::to_owned);
        rules
            .iter()
            .map(|rule| {
                let award = text(rule, "award")
                    .map(|code| PointsActivity::parse(&code).map_err(|e| e.to_string()))
                    .transpose()?;
                let specification = match rule.get("specification") {
                    None | Some(Value::Null) => None,
                    Some(id) => Some(SpecificationId::new(
                        id.as_i64().ok_or("a specification that is not an id")?,
                    )),
                };
                if award.is_none() && specification.is_none() {
                    return Err("a rule that neither awards nor proposes".to_owned());
                }
                Ok(StatementRule {
                    verb: text(rule, "verb").ok_or("a rule without its verb")?,
                    activity: text(rule, "activity"),
                    activity_type: text(rule, "activity_type"),
                    min_scaled: rule.get("min_scaled").and_then(Value::as_f64),
                    award,
                    specification,
                })
            })
            .collect::<Result<Vec<_>, String>>()
            .map(|rules| StatementRules { rules })
    }
}

fn problem(row: usize, column: &str, value: &str, zh: &str, en: impl Into<String>) -> RowProblem {
    RowProblem::new(row as u64, column, value, CellInvalid::new(zh, en))
}

fn blank_to_none(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Checks staff's rules (rows numbered from 1) against the standards in force (the points
/// policy, the published specifications): every problem by row and field, or the rules. A rule
/// that could never award or propose anything is refused with the reason: a verb or activity
/// that is not an IRI, the voiding verb, a scaled score outside -1..1, an award the policy has
/// no rule for or that is not a single event, a specification that is not a published one, a
/// rule with neither an award nor a specification, or a rule an earlier one already matches
/// whenever it would for each thing it does.
pub fn check_rules(
    inputs: &[StatementRuleInput],
    standards: &Standards,
) -> Result<StatementRules, BankError> {
    let policy = standards.points_policy();
    let mut problems = Vec::new();
    if inputs.len() > MAX_RULES {
        problems.push(problem(
            inputs.len(),
            "rules",
            &inputs.len().to_string(),
            &format!("规则最多 {MAX_RULES} 条"),
            format!("at most {MAX_RULES} rules"),
        ));
    }
    let mut rules: Vec<StatementRule> = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let row = index + 1;
        let before = problems.len();
        let verb = input.verb.trim();
        if Iri::parse(verb, "verb").is_err() {
            problems.push(problem(
                row,
                "verb",
                verb,
                "动词须为绝对 IRI",
                "the verb must be an absolute IRI (http://adlnet.gov/expapi/verbs/completed)",
            ));
        } else if verb == VOIDED_VERB {
            problems.push(problem(
                row,
                "verb",
                verb,
                "作废语句不是学习活动，此规则永远不会匹配",
                "a voiding statement is never learning activity: this rule could never match",
            ));
        }
        let mut iri = |column: &str, value: Option<&str>| {
            if let Some(value) = value
                && Iri::parse(value, column).is_err()
            {
                problems.push(problem(
                    row,
                    column,
                    value,
                    "须为绝对 IRI",
                    format!("the {column} must be an absolute IRI"),
                ));
            }
            value.map(str::to_owned)
        };
        let activity = iri("activity", blank_to_none(&input.activity));
        let activity_type = iri("activity_type", blank_to_none(&input.activity_type));
        let min_scaled = match blank_to_none(&input.min_scaled) {
            None => None,
            Some(text) => match text.parse::<f64>() {
                Ok(min) if (-1.0..=1.0).contains(&min) => Some(min),
                Ok(_) => {
                    problems.push(problem(
                        row,
                        "min_scaled",
                        text,
                        "标准化分数在 -1 到 1 之间，此规则永远不会匹配",
                        "a scaled score lies between -1 and 1: this rule could never match",
                    ));
                    None
                }
                Err(_) => {
                    problems.push(problem(
                        row,
                        "min_scaled",
                        text,
                        "须为 -1 到 1 之间的小数，如 0.6",
                        "write a decimal between -1 and 1, such as 0.6",
                    ));
                    None
                }
            },
        };
        let award = match PointsActivity::parse(input.award.trim()) {
            _ if input.award.trim().is_empty() => None,
            Err(_) => {
                problems.push(problem(
                    row,
                    "award",
                    &input.award,
                    "未知的积分项目",
                    "not a points activity: attendance, check_in or completion",
                ));
                None
            }
            Ok(PointsActivity::VolunteeringHour) => {
                problems.push(problem(row, "award", &input.award, "志愿服务按时长计分，请通过积分事件接口报送", "volunteering earns points by the hour: report it with its hours through the points events API"));
                None
            }
            Ok(PointsActivity::RecognisedOutcome) => {
                problems.push(problem(row, "award", &input.award, "成果认定的积分在认定时发放", "a recognised outcome earns its points when it is recognised, not from a statement"));
                None
            }
            Ok(activity) if policy.rule_for(activity).is_none() => {
                problems.push(problem(row, "award", &input.award, "现行积分规则不为该项目计分，此规则永远不会发放积分", format!("the points policy in force awards nothing for {activity}: this rule could never award points")));
                None
            }
            Ok(activity) => Some(activity),
        };
        let specification = blank_to_none(&input.specification).and_then(|text| {
            match SpecificationId::parse(text) {
                Ok(id) if standards.catalogue().history(id).is_some() => Some(id),
                Ok(_) => {
                    problems.push(problem(
                        row,
                        "specification",
                        text,
                        "没有这个编号的已发布成果标准",
                        "no published specification has this id",
                    ));
                    None
                }
                Err(_) => {
                    problems.push(problem(
                        row,
                        "specification",
                        text,
                        "须为成果标准的编号（数字）",
                        "write the specification's id, a number",
                    ));
                    None
                }
            }
        });
        if problems.len() > before {
            continue;
        }
        if award.is_none() && specification.is_none() {
            problems.push(problem(
                row,
                "award",
                "",
                "规则须发放积分、提出成果认定申请，或两者兼有：请选择积分项目或填写成果标准",
                "a rule awards points, proposes an outcome, or both: choose an award or give a specification",
            ));
            continue;
        }
        let rule = StatementRule {
            verb: verb.to_owned(),
            activity,
            activity_type,
            min_scaled,
            award,
            specification,
        };
        // Points and proposals are decided apart, each by the first rule that does it: a rule
        // is useless when, for each thing it does, an earlier rule doing it matches whenever
        // this one would.
        let shadowed = |does: fn(&StatementRule) -> bool| {
            does(&rule).then(|| {
                rules
                    .iter()
                    .position(|earlier| does(earlier) && earlier.covers(&rule))
            })
        };
        let award_shadow = shadowed(|r| r.award.is_some());
        let proposal_shadow = shadowed(|r| r.specification.is_some());
        if let Some(Some(earlier)) = award_shadow {
            problems.push(problem(
                row,
                "verb",
                verb,
                &format!("第 {} 条规则已匹配此规则所匹配的全部语句（每条语句只计一次分），此规则永远不会发放积分", earlier + 1),
                format!("rule {} already matches every statement this one does (a statement earns points once): this rule could never award points", earlier + 1),
            ));
        }
        if let Some(Some(earlier)) = proposal_shadow {
            problems.push(problem(
                row,
                "specification",
                blank_to_none(&input.specification).unwrap_or_default(),
                &format!("第 {} 条规则已匹配此规则所匹配的全部语句（每条语句只提出一次成果认定），此规则永远不会提出成果认定", earlier + 1),
                format!("rule {} already matches every statement this one does (a statement proposes one outcome): this rule could never propose an outcome", earlier + 1),
            ));
        }
        if problems.len() > before {
            continue;
        }
        rules.push(rule);
    }
    if problems.is_empty() {
        Ok(StatementRules { rules })
    } else {
        Err(BankError::Rejected(problems))
    }
}

/// The rules in force: the latest version (`None` and no rules before the first).
#[derive(Debug, Clone, Default)]
pub struct RulesInForce {
    pub version: Option<Version>,
    pub rules: StatementRules,
}

/// Every stored version, oldest first, each with its rules.
pub async fn rule_history(
    store: &dyn Store,
) -> Result<Vec<(StatementRulesVersion, StatementRules)>, BankError> {
    store
        .list_statement_rule_versions()
        .await?
        .into_iter()
        .map(|stored| {
            let rules = StatementRules::from_json(&stored.body).map_err(|reason| {
                BankError::Corrupt(format!(
                    "statement rules version {}: {reason}",
                    stored.version
                ))
            })?;
            Ok((stored, rules))
        })
        .collect()
}

/// The rules in force.
pub async fn rules_in_force(store: &dyn Store) -> Result<RulesInForce, BankError> {
    Ok(match rule_history(store).await?.pop() {
        Some((stored, rules)) => RulesInForce {
            version: Some(stored.version),
            rules,
        },
        None => RulesInForce::default(),
    })
}

/// Checks `inputs` and publishes them as the next version (audited as `xapi_rules.publish`
/// with the whole body). Statements stored from then on are applied under them; what was
/// applied before keeps its points and outcomes.
pub async fn publish_rules(
    store: &dyn Store,
    inputs: &[StatementRuleInput],
    standards: &Standards,
    published_at: OffsetDateTime,
    published_by: Option<UserId>,
    actor: Actor,
) -> Result<(Version, StatementRules), BankError> {
    let rules = check_rules(inputs, standards)?;
    let body = rules.to_json();
    let audit = AuditEvent::new(actor, "xapi_rules.publish", "xapi_rules", "next")
        .with_detail(json!({ "rules": body["rules"] }));
    let version = store
        .publish_statement_rules(&body, published_at, published_by, &audit)
        .await?;
    Ok((version, rules))
}

// ---------------------------------------------------------------------------------------------
// Actors and learners
// ---------------------------------------------------------------------------------------------

/// Every key an agent is linked by: its IFI's, and for an `mbox` also the `mbox_sha1sum` of
/// the same address (Data 2.4.2.3: the SHA-1 of the `mailto:` IRI), so a provider that sends
/// either form is recognised.
pub fn link_keys(agent: &Agent) -> Vec<String> {
    let mut keys = vec![ifi_key(&agent.ifi)];
    if let Ifi::Mbox(mbox) = &agent.ifi {
        let digest = Sha1::digest(mbox.as_str().as_bytes());
        keys.push(ifi_key(&Ifi::MboxSha1Sum(hex::encode(&digest[..]))));
    }
    keys
}

/// What the audit log keeps of an actor: the keyed hash of its first key (hex), never the
/// identifier itself (docs/privacy.md). Whoever holds the key and the identifier can find the
/// entry again; the log alone reveals nothing.
pub fn actor_hash(vault: &PiiVault, agent: &Agent) -> String {
    hex::encode(vault.lookup(PiiField::XapiActor, &ifi_key(&agent.ifi)))
}

/// The kind of an agent's identifier, for audit details and pages.
pub fn ifi_kind(agent: &Agent) -> &'static str {
    match agent.ifi {
        Ifi::Mbox(_) => "mbox",
        Ifi::MboxSha1Sum(_) => "mbox_sha1sum",
        Ifi::OpenId(_) => "openid",
        Ifi::Account(_) => "account",
    }
}

/// The learner the platform's own account names: homePage the platform's base URL (`home_page`)
/// and name a learner id.
fn platform_learner(agent: &Agent, home_page: &str) -> Option<LearnerId> {
    match &agent.ifi {
        Ifi::Account(account)
            if account.home_page.as_str().trim_end_matches('/')
                == home_page.trim_end_matches('/') =>
        {
            account
                .name
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(LearnerId::new)
        }
        _ => None,
    }
}

/// The learner each statement's actor is, in order (`None`: not a learner, or a Group).
pub async fn learners_of(
    store: &dyn Store,
    home_page: &str,
    statements: &[StoredStatement],
) -> Result<Vec<Option<LearnerId>>, BankError> {
    let agents: Vec<Option<&Agent>> = statements
        .iter()
        .map(|s| match &s.statement.actor {
            XapiActor::Agent(agent) => Some(agent),
            XapiActor::Group(_) => None,
        })
        .collect();
    let claimed: BTreeSet<LearnerId> = agents
        .iter()
        .flatten()
        .filter_map(|agent| platform_learner(agent, home_page))
        .collect();
    let existing: BTreeSet<LearnerId> = if claimed.is_empty() {
        BTreeSet::new()
    } else {
        let claimed: Vec<LearnerId> = claimed.into_iter().collect();
        store
            .existing_learners(&claimed)
            .await?
            .into_iter()
            .collect()
    };
    let keys: BTreeSet<String> = agents.iter().flatten().map(|a| ifi_key(&a.ifi)).collect();
    let keys: Vec<String> = keys.into_iter().collect();
    let linked: HashMap<String, LearnerId> = if keys.is_empty() {
        HashMap::new()
    } else {
        store
            .actor_links(&keys)
            .await?
            .into_iter()
            .map(|link| (link.agent_key, link.learner))
            .collect()
    };
    Ok(agents
        .into_iter()
        .map(|agent| {
            let agent = agent?;
            platform_learner(agent, home_page)
                .filter(|id| existing.contains(id))
                .or_else(|| linked.get(&ifi_key(&agent.ifi)).copied())
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Applying statements
// ---------------------------------------------------------------------------------------------

/// What statements are applied under: the platform's home page (its base URL), the rules and
/// the standards in force (the points policy, the specifications outcomes are proposed of and
/// recognised by).
#[derive(Debug, Clone)]
pub struct Integration {
    pub home_page: String,
    pub rules: StatementRules,
    pub standards: Arc<Standards>,
}

/// What one application did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Statements looked at.
    pub statements: u64,
    /// Timeline rows added.
    pub timeline: u64,
    /// Awards that added points.
    pub awards: u64,
    pub points: u64,
    /// Outcomes proposed (stored now), and of those how many were recognised automatically
    /// (the rest wait for review).
    pub proposed: u64,
    pub recognised: u64,
    /// Statements a rule would have proposed an outcome from, but whose LRS client belongs to
    /// another institution than the specification's provider (or to none): not proposed.
    pub untrusted: u64,
}

impl Applied {
    fn add(&mut self, other: Applied) {
        self.statements += other.statements;
        self.timeline += other.timeline;
        self.awards += other.awards;
        self.points += other.points;
        self.proposed += other.proposed;
        self.recognised += other.recognised;
        self.untrusted += other.untrusted;
    }
}

/// The event reference a statement's points are awarded under, once: `xapi:<statement id>`.
pub fn statement_reference(statement: &Statement) -> Option<EventReference> {
    let id = statement.id.as_ref()?;
    EventReference::parse(&format!("xapi:{}", id.as_str())).ok()
}

/// Applies `statements`: each whose actor is a learner (and that is neither voided nor a voiding
/// statement) joins the learner's timeline; each of those a provider stored (not the platform
/// itself, whose check-ins award their points when they happen) earns what the first matching
/// rule with an award awards; and each of those the first matching rule with a specification
/// proposes an outcome from (see [`propose`]). Answers the timeline rows to record and what was
/// awarded and proposed.
async fn apply(
    store: &dyn Store,
    integration: &Integration,
    statements: &[StoredStatement],
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<(Vec<LearnerStatementRow>, Applied), BankError> {
    let learners = learners_of(store, &integration.home_page, statements).await?;
    let mut rows = Vec::new();
    let mut applied = Applied {
        statements: statements.len() as u64,
        ..Applied::default()
    };
    // The institution of each LRS client, read once the first proposal needs it.
    let mut clients: Option<HashMap<i64, Option<InstitutionId>>> = None;
    for (stored, learner) in statements.iter().zip(learners) {
        let statement = &stored.statement;
        let (Some(learner), Some(at)) = (learner, statement.stored.as_ref()) else {
            continue;
        };
        if stored.voided || statement.voids().is_some() {
            continue;
        }
        rows.push(LearnerStatementRow {
            learner,
            stored: micros(at.datetime()),
            seq: stored.seq,
        });
        if let Some((_, rule)) = integration.rules.proposal_for(statement)
            && let Some(spec) = rule.specification
        {
            if clients.is_none() {
                clients = Some(
                    store
                        .list_lrs_clients()
                        .await?
                        .into_iter()
                        .map(|client| (client.id, client.institution))
                        .collect(),
                );
            }
            let institution =
                |id: i64| clients.as_ref().and_then(|c| c.get(&id).copied().flatten());
            let stored_by = match stored.client {
                None => StoredBy::Platform,
                Some(id) => StoredBy::Client(id, institution(id)),
            };
            let proposal = Proposal {
                stored,
                learner,
                spec,
                stored_by,
            };
            match propose(store, &integration.standards, &proposal, now, actor).await? {
                Proposed::Stored { recognised } => {
                    applied.proposed += 1;
                    applied.recognised += u64::from(recognised);
                }
                Proposed::Untrusted => applied.untrusted += 1,
                Proposed::Nothing => {}
            }
        }
        if stored.client.is_none() {
            continue;
        }
        let (Some((_, rule)), Some(reference)) = (
            integration.rules.rule_for(statement),
            statement_reference(statement),
        ) else {
            continue;
        };
        let Some(award) = rule.award else { continue };
        let occurred = statement.timestamp.as_ref().unwrap_or(at).datetime().date();
        let event = PointsEvent::once(award, occurred, reference);
        if let Some(award) = award_points_once(
            store,
            integration.standards.points_policy(),
            learner,
            &event,
            now,
            actor.clone(),
        )
        .await?
            && !award.awarded.is_zero()
        {
            applied.awards += 1;
            applied.points += award.awarded.get();
        }
    }
    Ok((rows, applied))
}

/// Who stored a statement: the platform itself (its check-ins), or an LRS client with the
/// institution it belongs to, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredBy {
    Platform,
    Client(i64, Option<InstitutionId>),
}

impl StoredBy {
    /// Whether a statement stored so may propose an outcome of `provider`: the platform's own
    /// statements may (it checked the learner in itself), a client's only for its own
    /// institution — otherwise one platform could make up outcomes of another provider's
    /// courses.
    pub fn may_propose_for(self, provider: InstitutionId) -> bool {
        match self {
            StoredBy::Platform => true,
            StoredBy::Client(_, institution) => institution == Some(provider),
        }
    }
}

/// A statement a rule proposes an outcome of `spec` from.
#[derive(Debug, Clone, Copy)]
struct Proposal<'a> {
    stored: &'a StoredStatement,
    learner: LearnerId,
    spec: SpecificationId,
    stored_by: StoredBy,
}

/// What a proposal came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proposed {
    /// An outcome stored now, recognised automatically or waiting for review.
    Stored { recognised: bool },
    /// Its client may not propose for the specification's provider.
    Untrusted,
    /// Proposed before (the same statement applied again), or nothing to propose.
    Nothing,
}

/// The external id of the outcome a statement proposes: `xapi:<statement id>`. Unique per
/// provider, so a statement proposes its outcome once however often it is applied.
pub fn proposal_external_id(statement: &Statement) -> Option<String> {
    Some(format!("xapi:{}", statement.id.as_ref()?.as_str()))
}

/// The day a statement's learning happened, in Beijing time: its `timestamp`'s, but never after
/// the day it was stored (a timestamp in the future is the sender's clock, and no outcome is
/// achieved after it is reported).
fn achieved_on(statement: &Statement) -> Option<Date> {
    let stored = statement.stored.as_ref()?.datetime();
    let at = statement
        .timestamp
        .as_ref()
        .map_or(stored, |t| t.datetime().min(stored));
    Some(at.to_offset(offset!(+8)).date())
}

/// The score a statement reports, as marks out of 100: `result.score.scaled` × 100 (to a
/// tenth) when it is 0 or more; else `raw` placed between `min` (0 when absent) and `max` when
/// `max` is given; else the statement's `success` as a pass or a fail; else none.
pub fn score_of(statement: &Statement) -> Option<Score> {
    let result = statement.result.as_ref()?;
    let marks = |fraction: f64| {
        (0.0..=1.0)
            .contains(&fraction)
            .then(|| Marks::from_tenths((fraction * 1000.0).round() as u16))
            .flatten()
            .map(Score::Marks)
    };
    let number = |n: Option<&serde_json::Number>| n.and_then(serde_json::Number::as_f64);
    if let Some(score) = &result.score {
        if let Some(scaled) = number(score.scaled.as_ref()) {
            if let Some(marks) = marks(scaled) {
                return Some(marks);
            }
        } else if let (Some(raw), Some(max)) =
            (number(score.raw.as_ref()), number(score.max.as_ref()))
        {
            let min = number(score.min.as_ref()).unwrap_or(0.0);
            if max > min
                && let Some(marks) = marks((raw - min) / (max - min))
            {
                return Some(marks);
            }
        }
    }
    result.success.map(|success| {
        if success {
            Score::Passed
        } else {
            Score::Failed
        }
    })
}

/// The outcome a statement proposes of `spec`: the specification's provider, kind, title,
/// contact hours, grade and field (the learner did the course the specification describes), so
/// the current version matches it exactly unless another specification of the provider has the
/// same kind and title; achieved on the day of its `timestamp` in Beijing time (never after the
/// day it was stored); the statement's score ([`score_of`]); the statement's id as its evidence. `None` for a statement without the id
/// and `stored` every stored statement has.
pub fn outcome_of_statement(
    statement: &Statement,
    spec: &OutcomeSpecification,
) -> Option<SubmittedOutcome> {
    let evidence =
        Evidence::parse(EvidenceKind::XapiStatement, statement.id.as_ref()?.as_str()).ok()?;
    Some(SubmittedOutcome {
        provider: spec.provider(),
        kind: spec.kind(),
        title: spec.title().clone(),
        hours: spec.hours(),
        grade: spec.grade(),
        field: spec.field().cloned(),
        achieved_on: achieved_on(statement)?,
        score: score_of(statement),
        evidence: vec![evidence],
    })
}

/// Proposes `proposal`'s outcome through the submission path every provider's outcome takes
/// (`crate::submit`): recognised by the standards (automatically on an exact match, else
/// waiting for review), stored under the external id [`proposal_external_id`] for the
/// specification's provider (nothing stored when it was before), audited as `outcome.submit`
/// with the statement, and a recognition's points awarded. A statement whose client may not
/// propose for that provider ([`StoredBy::may_propose_for`]) proposes nothing and is logged
/// with its statement id, client and the institutions (no personal data).
async fn propose(
    store: &dyn Store,
    standards: &Standards,
    proposal: &Proposal<'_>,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<Proposed, BankError> {
    let statement = &proposal.stored.statement;
    let Some(spec) = standards
        .catalogue()
        .history(proposal.spec)
        .map(|history| history.current().value())
    else {
        tracing::warn!(specification = %proposal.spec, "a statement rule names a specification the standards do not hold");
        return Ok(Proposed::Nothing);
    };
    let (Some(submitted), Some(external_id)) = (
        outcome_of_statement(statement, spec),
        proposal_external_id(statement),
    ) else {
        return Ok(Proposed::Nothing);
    };
    if !proposal.stored_by.may_propose_for(spec.provider()) {
        let (client, institution) = match proposal.stored_by {
            StoredBy::Client(client, institution) => (client, institution.map(|i| i.get())),
            StoredBy::Platform => (0, None),
        };
        tracing::warn!(
            statement.id = %external_id,
            lrs_client.id = client,
            lrs_client.institution = ?institution,
            specification.provider = spec.provider().get(),
            "statement not proposed as an outcome: its LRS client belongs to another institution than the specification's provider"
        );
        return Ok(Proposed::Untrusted);
    }
    let recognition = standards.recognise(&submitted);
    let outcome = NewOutcome {
        learner: proposal.learner,
        external_id,
        submitted,
        submitted_at: now,
        submitted_by: None,
        automatic: standards.automatic_of(&recognition),
    };
    let audit =
        AuditEvent::new(actor.clone(), "outcome.submit", "outcome", "new").with_detail(json!({
            "provider": outcome.submitted.provider.get(),
            "learner": outcome.learner.get(),
            "external_id": outcome.external_id,
            "recognised": outcome.automatic.is_some(),
            "from": "xapi_statement",
            "specification": proposal.spec.get(),
            "lrs_client": match proposal.stored_by {
                StoredBy::Client(id, _) => Some(id),
                StoredBy::Platform => None,
            },
        }));
    Ok(
        match crate::submit::store_outcome(store, standards, &outcome, &audit).await? {
            Written::Stored(_) => Proposed::Stored {
                recognised: outcome.automatic.is_some(),
            },
            Written::AlreadyStored(_) | Written::RepeatedInBatch(_) => Proposed::Nothing,
        },
    )
}

/// Applies every statement stored since the walk's mark, a page at a time, moving the mark
/// after each page (awards first, so a crash between repeats only idempotent work).
pub async fn integrate_pending(
    store: &dyn Store,
    integration: &Integration,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<Applied, BankError> {
    let mut total = Applied::default();
    loop {
        let mark = store.integration_applied().await?;
        let page = store.statements_after(mark, WALK_PAGE).await?;
        let Some(last) = page.last().map(|s| s.seq) else {
            return Ok(total);
        };
        let (rows, mut applied) = apply(store, integration, &page, now, &actor).await?;
        applied.timeline = store.record_integration(&rows, Some(last)).await?;
        total.add(applied);
    }
}

/// Applies every statement of the actor known by `key` (its own: actor or object), a page at a
/// time: after a link, their past statements join the learner's archive and earn their points,
/// once.
pub async fn apply_actor(
    store: &dyn Store,
    integration: &Integration,
    key: &str,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<Applied, BankError> {
    let mut total = Applied::default();
    let mut after: Option<StatementPosition> = None;
    loop {
        let page = store.statements_of_agent(key, after, WALK_PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(total);
        };
        after = last
            .statement
            .stored
            .as_ref()
            .map(|at| (micros(at.datetime()), last.seq));
        let (rows, mut applied) = apply(store, integration, &page, now, &actor).await?;
        applied.timeline = store.record_integration(&rows, None).await?;
        total.add(applied);
        if page.len() < WALK_PAGE as usize {
            return Ok(total);
        }
    }
}

/// What linking an actor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActorLinked {
    /// False when every key was linked to this learner already.
    pub linked: bool,
    /// The actor's past statements applied.
    pub applied: Applied,
}

/// Links `agent` (every key of [`link_keys`]) to `learner` (audited as `xapi_actor.link`, the
/// actor only as its keyed hash), then applies the actor's past statements. Refusals come from
/// the store: an unknown learner (`NotFound`), a key linked to another learner (`Conflict {
/// field: "agent" }`).
#[allow(clippy::too_many_arguments)]
pub async fn link_actor(
    store: &dyn Store,
    vault: &PiiVault,
    integration: &Integration,
    agent: &Agent,
    learner: LearnerId,
    linked_by: Option<UserId>,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<ActorLinked, BankError> {
    let keys = link_keys(agent);
    let audit = AuditEvent::new(actor.clone(), "xapi_actor.link", "learner", learner)
        .with_detail(json!({ "ifi": ifi_kind(agent), "actor": actor_hash(vault, agent) }));
    let link = NewActorLink {
        keys: keys.clone(),
        learner,
        linked_at: now,
        linked_by,
    };
    let linked = store.link_actor(&link, &audit).await?;
    let mut applied = Applied::default();
    for key in &keys {
        applied.add(apply_actor(store, integration, key, now, actor.clone()).await?);
    }
    Ok(ActorLinked { linked, applied })
}

/// Deletes everything about `agent` (every key of [`link_keys`]): its statements, documents,
/// attachments no other statement lists, remembered agents and links (`LrsIntegrationStore::
/// erase_actor`), audited as `xapi_actor.erase` with the actor only as its keyed hash. Points
/// and outcomes the statements earned stay: they are the bank's records (docs/privacy.md).
pub async fn erase_actor(
    store: &dyn Store,
    vault: &PiiVault,
    agent: &Agent,
    actor: Actor,
) -> Result<ActorErasureCounts, BankError> {
    let keys = link_keys(agent);
    let audit = AuditEvent::new(
        actor,
        "xapi_actor.erase",
        "xapi_actor",
        actor_hash(vault, agent),
    )
    .with_detail(json!({
        "ifi": ifi_kind(agent),
        "kept": "points and outcomes the statements earned; see docs/privacy.md",
    }));
    Ok(store.erase_actor(&keys, &audit).await?)
}

/// Reads an agent as staff give it: the xAPI `agent` parameter's JSON (one Agent with one IFI).
/// `Invalid { field: "agent" }` naming what is wrong otherwise.
pub fn parse_agent(text: &str) -> Result<Agent, Invalid> {
    match xc_xapi::parse_agent_parameter(text.trim(), "agent") {
        Ok(XapiActor::Agent(agent)) => Ok(agent),
        Ok(XapiActor::Group(_)) => Err(Invalid::new(
            "agent",
            "a Group is not one person: give one Agent with one identifier",
        )),
        Err(error) => Err(Invalid::new("agent", error.to_string())),
    }
}

// ---------------------------------------------------------------------------------------------
// The learner's activity in the archive
// ---------------------------------------------------------------------------------------------

/// One statement in a learner's archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityItem {
    pub statement_id: String,
    pub verb_id: String,
    /// The verb's display, Chinese first (falling back to any language, then the id's last
    /// segment).
    pub verb_zh: String,
    pub verb_en: String,
    /// The object's id when it is an Activity.
    pub activity_id: Option<String>,
    pub activity_zh: Option<String>,
    pub activity_en: Option<String>,
    /// When it happened (`timestamp`, else `stored`).
    pub at: OffsetDateTime,
    /// The LRS client's name; `None` for the platform itself.
    pub provider: Option<String>,
    pub scaled: Option<f64>,
    pub position: StatementPosition,
}

/// A page of a learner's activity, newest first; `next` is where the next page starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityPage {
    pub items: Vec<ActivityItem>,
    pub next: Option<StatementPosition>,
}

/// Writes a page position for a link or an API answer: `<stored>.<seq>`.
pub fn encode_position(position: StatementPosition) -> String {
    format!("{}.{}", position.0, position.1)
}

/// Reads [`encode_position`]'s text back; `Invalid { field }` otherwise.
pub fn decode_position(field: &'static str, text: &str) -> Result<StatementPosition, Invalid> {
    text.split_once('.')
        .and_then(|(stored, seq)| Some((stored.parse::<i64>().ok()?, seq.parse::<i64>().ok()?)))
        .filter(|(_, seq)| *seq > 0)
        .ok_or_else(|| Invalid::new(field, "not a position this archive gave out"))
}

fn label(map: Option<&LanguageMap>, prefix: &str) -> Option<String> {
    let map = map?;
    map.iter()
        .find(|(tag, _)| tag.as_str().to_ascii_lowercase().starts_with(prefix))
        .or_else(|| map.iter().next())
        .map(|(_, text)| text.clone())
}

fn last_segment(iri: &str) -> String {
    iri.trim_end_matches('/')
        .rsplit(['/', '#'])
        .next()
        .unwrap_or(iri)
        .to_owned()
}

/// How a stored statement reads in an archive (and on the staff's statement search): `None`
/// only for a statement without the id and `stored` every stored statement has.
pub fn item_of(stored: &StoredStatement, providers: &HashMap<i64, String>) -> Option<ActivityItem> {
    let statement = &stored.statement;
    let stored_at = statement.stored.as_ref()?.datetime();
    let display = statement.verb.display.as_ref();
    let fallback = last_segment(statement.verb.id.as_str());
    let (activity_id, name) = match &statement.object {
        StatementObject::Activity(activity) => (
            Some(activity.id.as_str().to_owned()),
            activity.definition.as_ref().and_then(|d| d.name.as_ref()),
        ),
        _ => (None, None),
    };
    Some(ActivityItem {
        statement_id: statement.id.as_ref()?.as_str().to_owned(),
        verb_id: statement.verb.id.as_str().to_owned(),
        verb_zh: label(display, "zh").unwrap_or_else(|| fallback.clone()),
        verb_en: label(display, "en").unwrap_or(fallback),
        activity_zh: label(name, "zh"),
        activity_en: label(name, "en"),
        activity_id,
        at: statement
            .timestamp
            .as_ref()
            .map_or(stored_at, |t| t.datetime()),
        provider: stored.client.and_then(|id| providers.get(&id).cloned()),
        scaled: statement
            .result
            .as_ref()
            .and_then(|r| r.score.as_ref())
            .and_then(|s| s.scaled.as_ref())
            .and_then(serde_json::Number::as_f64),
        position: (micros(stored_at), stored.seq),
    })
}

/// A page of `learner`'s activity (at most `limit`, newest first, before `before`), read
/// through the learner's timeline index. The archive's filter applies as to outcomes: a year
/// keeps the statements stored in it; a kind or field (properties of outcomes only) keeps none.
pub async fn learner_activity(
    store: &dyn Store,
    learner: LearnerId,
    filter: &ArchiveFilter,
    before: Option<StatementPosition>,
    limit: u32,
) -> Result<ActivityPage, BankError> {
    if filter.kind.is_some() || filter.field.is_some() {
        return Ok(ActivityPage::default());
    }
    let year_start = |year: i32| {
        time::Date::from_calendar_date(year, time::Month::January, 1)
            .ok()
            .map(|day| micros(day.midnight().assume_utc()))
    };
    let window = TimelineWindow {
        before,
        from: filter.year.and_then(year_start),
        until: filter.year.and_then(|year| year_start(year + 1)),
    };
    let limit = limit.clamp(1, xc_store::LEARNER_STATEMENT_PAGE_MAX - 1);
    let mut statements = store
        .learner_statements(learner, &window, limit + 1)
        .await?;
    let more = statements.len() > limit as usize;
    statements.truncate(limit as usize);
    let providers: HashMap<i64, String> = if statements.iter().any(|s| s.client.is_some()) {
        store
            .list_lrs_clients()
            .await?
            .into_iter()
            .map(|client| (client.id, client.name))
            .collect()
    } else {
        HashMap::new()
    };
    let items: Vec<ActivityItem> = statements
        .iter()
        .filter_map(|s| item_of(s, &providers))
        .collect();
    let next = if more {
        items.last().map(|item| item.position)
    } else {
        None
    };
    Ok(ActivityPage { items, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(body: Value) -> Statement {
        xc_xapi::parse_statement(&body, xc_xapi::XapiVersion::LATEST_1_0).unwrap()
    }

    fn input(verb: &str, activity_type: &str, min: &str, award: &str) -> StatementRuleInput {
        let text = |t: &str| (!t.is_empty()).then(|| t.to_owned());
        StatementRuleInput {
            verb: verb.into(),
            activity: None,
            activity_type: text(activity_type),
            min_scaled: text(min),
            award: award.into(),
            specification: None,
        }
    }

    /// The (row, column) of every problem `check_rules` finds; panics when it accepts.
    fn refused(inputs: &[StatementRuleInput], standards: &Standards) -> Vec<(u64, String)> {
        match check_rules(inputs, standards) {
            Err(BankError::Rejected(problems)) => {
                problems.iter().map(|p| (p.row, p.column.clone())).collect()
            }
            other => panic!("accepted: {other:?}"),
        }
    }

    const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
    const COURSE: &str = "http://adlnet.gov/expapi/activities/course";

    fn completed(scaled: Option<f64>, activity_type: &str) -> Statement {
        let mut body = json!({
            "actor": {"mbox": "mailto:ann@example.com"},
            "verb": {"id": COMPLETED},
            "object": {"id": "http://example.com/c", "definition": {"type": activity_type}},
        });
        if let Some(scaled) = scaled {
            body["result"] = json!({"score": {"scaled": scaled}});
        }
        statement(body)
    }

    #[test]
    fn a_rule_matches_its_verb_type_and_least_score() {
        let standards = Standards::default();
        let rules =
            check_rules(&[input(COMPLETED, COURSE, "0.6", "completion")], &standards).unwrap();
        assert!(rules.rule_for(&completed(Some(0.6), COURSE)).is_some());
        assert!(rules.rule_for(&completed(Some(0.59), COURSE)).is_none());
        assert!(rules.rule_for(&completed(None, COURSE)).is_none());
        assert!(
            rules
                .rule_for(&completed(Some(0.9), "http://example.com/other"))
                .is_none()
        );
        let round = StatementRules::from_json(&rules.to_json()).unwrap();
        assert_eq!(round, rules);
    }

    #[test]
    fn rules_that_could_never_award_are_refused_with_their_reason() {
        let standards = Standards::default();
        let policy = standards.points_policy().clone();
        let columns = |inputs: &[StatementRuleInput]| refused(inputs, &standards);
        assert_eq!(
            columns(&[input("completed", "", "", "completion")]),
            vec![(1, "verb".to_string())]
        );
        assert_eq!(
            columns(&[input(VOIDED_VERB, "", "", "completion")]),
            vec![(1, "verb".to_string())]
        );
        assert_eq!(
            columns(&[input(COMPLETED, "", "1.2", "completion")]),
            vec![(1, "min_scaled".to_string())]
        );
        assert_eq!(
            columns(&[input(COMPLETED, "", "sixty", "completion")]),
            vec![(1, "min_scaled".to_string())]
        );
        assert_eq!(
            columns(&[input(COMPLETED, "not an iri", "", "completion")]),
            vec![(1, "activity_type".to_string())]
        );
        for award in ["dancing", "volunteering_hour", "recognised_outcome"] {
            assert_eq!(
                columns(&[input(COMPLETED, "", "", award)]),
                vec![(1, "award".to_string())]
            );
        }
        // An earlier rule that matches everything a later one would: the later never awards.
        assert_eq!(
            columns(&[
                input(COMPLETED, "", "0.5", "completion"),
                input(COMPLETED, COURSE, "0.6", "attendance"),
            ]),
            vec![(2, "verb".to_string())]
        );
        // The other way round both can award.
        check_rules(
            &[
                input(COMPLETED, COURSE, "0.6", "attendance"),
                input(COMPLETED, "", "0.5", "completion"),
            ],
            &standards,
        )
        .unwrap();
        // An award the policy in force has no rule for.
        let no_completion = xc_domain::credit::PointsPolicy::new(
            policy
                .rules()
                .filter(|r| r.activity() != PointsActivity::Completion)
                .cloned()
                .collect(),
        )
        .unwrap();
        assert!(matches!(
            check_rules(
                &[input(COMPLETED, "", "", "completion")],
                &Standards::default().with_points_policy(no_completion, None)
            ),
            Err(BankError::Rejected(p)) if p[0].column == "award"
        ));
    }

    #[test]
    fn stored_versions_from_before_proposals_read_back_and_a_rule_must_do_something() {
        // The shape every version published before proposals has: an award, no specification.
        let old = json!({"rules": [{"verb": COMPLETED, "activity": null, "activity_type": COURSE,
            "min_scaled": 0.6, "award": "completion"}]});
        let rules = StatementRules::from_json(&old).unwrap();
        assert_eq!(rules.rules()[0].award, Some(PointsActivity::Completion));
        assert_eq!(rules.rules()[0].specification, None);
        assert_eq!(rules.to_json(), old);
        let proposing = json!({"rules": [{"verb": COMPLETED, "award": null, "specification": 7}]});
        let rules = StatementRules::from_json(&proposing).unwrap();
        assert_eq!(
            rules.rules()[0].specification,
            Some(SpecificationId::new(7))
        );
        assert!(rules.rule_for(&completed(Some(0.9), COURSE)).is_none());
        assert!(rules.proposal_for(&completed(Some(0.9), COURSE)).is_some());
        assert!(StatementRules::from_json(&json!({"rules": [{"verb": COMPLETED}]})).is_err());

        let standards = Standards::default();
        let refused = |inputs: &[StatementRuleInput]| refused(inputs, &standards);
        assert_eq!(
            refused(&[input(COMPLETED, "", "", "")]),
            vec![(1, "award".to_string())]
        );
        for spec in ["3", "three"] {
            let mut rule = input(COMPLETED, "", "", "completion");
            rule.specification = Some(spec.into());
            assert_eq!(refused(&[rule]), vec![(1, "specification".to_string())]);
        }
    }

    #[test]
    fn a_statement_scores_and_dates_its_outcome() {
        let with_result = |result: Value, timestamp: &str| {
            statement(json!({
                "id": "6fa459ea-ee8a-3ca4-894e-db77e160355e",
                "actor": {"mbox": "mailto:ann@example.com"},
                "verb": {"id": COMPLETED},
                "object": {"id": "http://example.com/c"},
                "result": result,
                "timestamp": timestamp,
                "stored": "2026-11-20T02:00:00Z",
            }))
        };
        let at = "2026-11-19T17:30:00Z";
        let marks = |tenths| Some(Score::Marks(Marks::from_tenths(tenths).unwrap()));
        assert_eq!(
            score_of(&with_result(json!({"score": {"scaled": 0.855}}), at)),
            marks(855)
        );
        assert_eq!(
            score_of(&with_result(
                json!({"score": {"raw": 45, "min": 0, "max": 50}}),
                at
            )),
            marks(900)
        );
        assert_eq!(
            score_of(&with_result(
                json!({"score": {"scaled": -0.5}, "success": true}),
                at
            )),
            Some(Score::Passed)
        );
        assert_eq!(
            score_of(&with_result(json!({"success": false}), at)),
            Some(Score::Failed)
        );
        assert_eq!(
            score_of(&with_result(json!({"completion": true}), at)),
            None
        );
        // 17:30 UTC is the next day in Beijing; a timestamp after `stored` counts as stored.
        let day = |timestamp| achieved_on(&with_result(json!({}), timestamp)).unwrap();
        assert_eq!(day(at), time::macros::date!(2026 - 11 - 20));
        assert_eq!(
            day("2026-11-10T01:00:00Z"),
            time::macros::date!(2026 - 11 - 10)
        );
        assert_eq!(
            day("2027-01-01T00:00:00Z"),
            time::macros::date!(2026 - 11 - 20)
        );
        // Only the platform, or a client of the provider itself, may propose for it.
        let provider = InstitutionId::new(4);
        assert!(StoredBy::Platform.may_propose_for(provider));
        assert!(StoredBy::Client(1, Some(provider)).may_propose_for(provider));
        assert!(!StoredBy::Client(1, Some(InstitutionId::new(5))).may_propose_for(provider));
        assert!(!StoredBy::Client(1, None).may_propose_for(provider));
    }

    #[test]
    fn an_mbox_is_linked_with_its_sha1sum_and_positions_round_trip() {
        let agent = parse_agent(r#"{"mbox": "mailto:ann@example.com"}"#).unwrap();
        let keys = link_keys(&agent);
        assert_eq!(keys[0], "mbox:mailto:ann@example.com");
        // sha1("mailto:ann@example.com")
        let expected = hex::encode(&Sha1::digest(b"mailto:ann@example.com")[..]);
        assert_eq!(keys[1], format!("mbox_sha1sum:{expected}"));
        assert!(
            parse_agent(r#"{"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}]}"#)
                .is_err()
        );
        assert_eq!(parse_agent("{").unwrap_err().field, "agent");
        assert_eq!(
            parse_agent(r#"{"mbox": "ann@example.com"}"#)
                .unwrap_err()
                .field,
            "agent"
        );
        assert_eq!(
            decode_position("before", &encode_position((12, 3))).unwrap(),
            (12, 3)
        );
        assert!(decode_position("before", "12").is_err());
        assert!(decode_position("before", "12.0").is_err());
    }

    #[test]
    fn only_the_platforms_own_account_names_a_learner_by_id() {
        let agent = |home: &str, name: &str| {
            parse_agent(&json!({"account": {"homePage": home, "name": name}}).to_string()).unwrap()
        };
        let home = "https://xuecheng.example";
        assert_eq!(
            platform_learner(&agent(home, "42"), home),
            Some(LearnerId::new(42))
        );
        assert_eq!(
            platform_learner(&agent("https://xuecheng.example/", "42"), home),
            Some(LearnerId::new(42))
        );
        assert_eq!(
            platform_learner(&agent("https://mooc.example", "42"), home),
            None
        );
        assert_eq!(platform_learner(&agent(home, "ann"), home), None);
        assert_eq!(platform_learner(&agent(home, "-3"), home), None);
    }
}
