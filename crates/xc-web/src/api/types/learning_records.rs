//! The shapes of the learning record store joined to the credit bank (issue 5 §4, §5): the
//! statement rules, linking an actor to a learner, erasing an actor, and a learner's activity in
//! the archive.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xc_bank::learning_records::{
    ActivityItem, ActivityPage, Applied, StatementRule, StatementRuleInput, StatementRules,
    encode_position,
};
use xc_store::{ActorErasureCounts, StatementRulesVersion};

use super::bank::TextOrNumber;
use super::rfc3339;

/// One statement rule: a statement with `verb` (on `activity`, of `activity_type`, with a
/// `result.score.scaled` of at least `min_scaled`, where given) earns one `award` under the
/// points policy in force, and proposes its learner's outcome of `specification` for
/// recognition; a rule has an `award`, a `specification` or both. The first matching rule with
/// an award decides a statement's points (once), the first matching rule with a specification
/// its outcome (once, and only from the specification provider's own LRS client or the
/// platform's check-ins).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRuleItem {
    /// The verb's IRI (`http://adlnet.gov/expapi/verbs/completed`).
    pub verb: String,
    /// Only this activity (its IRI).
    pub activity: Option<String>,
    /// Only activities of this type (`http://adlnet.gov/expapi/activities/course`).
    pub activity_type: Option<String>,
    /// Only statements whose `result.score.scaled` is at least this (-1 to 1).
    pub min_scaled: Option<f64>,
    /// `attendance`, `check_in` or `completion`; absent or null for none.
    pub award: Option<String>,
    /// The id of the published specification a matching statement proposes an outcome of.
    pub specification: Option<TextOrNumber>,
}

impl StatementRuleItem {
    pub fn input(&self) -> StatementRuleInput {
        StatementRuleInput {
            verb: self.verb.clone(),
            activity: self.activity.clone(),
            activity_type: self.activity_type.clone(),
            min_scaled: self.min_scaled.map(|min| min.to_string()),
            award: self.award.clone().unwrap_or_default(),
            specification: self.specification.clone().map(TextOrNumber::into_text),
        }
    }
}

/// A new version of the statement rules: the whole list (an empty list awards nothing).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRulesRequest {
    pub rules: Vec<StatementRuleItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementRuleResponse {
    pub verb: String,
    pub activity: Option<String>,
    pub activity_type: Option<String>,
    pub min_scaled: Option<f64>,
    /// `null` for a rule that only proposes outcomes.
    pub award: Option<String>,
    /// The specification a matching statement proposes an outcome of; `null` for none.
    pub specification: Option<i64>,
}

impl From<&StatementRule> for StatementRuleResponse {
    fn from(rule: &StatementRule) -> Self {
        Self {
            verb: rule.verb.clone(),
            activity: rule.activity.clone(),
            activity_type: rule.activity_type.clone(),
            min_scaled: rule.min_scaled,
            award: rule.award.map(|award| award.as_str().to_owned()),
            specification: rule.specification.map(|spec| spec.get()),
        }
    }
}

/// One published version of the rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementRulesVersionResponse {
    pub version: u32,
    pub published_at: String,
    pub published_by: Option<i64>,
    pub rules: Vec<StatementRuleResponse>,
}

impl StatementRulesVersionResponse {
    pub fn of(stored: &StatementRulesVersion, rules: &StatementRules) -> Self {
        Self {
            version: stored.version.get(),
            published_at: rfc3339(stored.published_at),
            published_by: stored.published_by.map(|user| user.get()),
            rules: rules
                .rules()
                .iter()
                .map(StatementRuleResponse::from)
                .collect(),
        }
    }
}

/// The rules in force (version `null` and no rules before the first publication) and every
/// version, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementRulesResponse {
    pub version: Option<u32>,
    pub rules: Vec<StatementRuleResponse>,
    pub history: Vec<StatementRulesVersionResponse>,
}

/// Link an xAPI actor to the learner it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorLinkRequest {
    /// The actor as an xAPI Agent with one identifier: `{"mbox": "mailto:…"}`, `{"account":
    /// {"homePage": …, "name": …}}`, `{"mbox_sha1sum": …}` or `{"openid": …}`. An `mbox` is
    /// linked with the `mbox_sha1sum` of the same address.
    #[schema(value_type = Object)]
    pub agent: serde_json::Value,
    pub learner_id: i64,
}

/// What applying statements did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedResponse {
    /// Statements looked at.
    pub statements: u64,
    /// Statements that joined the learner's archive.
    pub timeline: u64,
    /// Awards that added points, and how many points.
    pub awards: u64,
    pub points: u64,
    /// Outcomes proposed for recognition (stored now), and of those how many were recognised
    /// automatically (the rest wait for review).
    pub proposed: u64,
    pub recognised: u64,
    /// Statements not proposed because their LRS client belongs to another institution than
    /// the specification's provider.
    pub untrusted: u64,
}

impl From<Applied> for AppliedResponse {
    fn from(applied: Applied) -> Self {
        Self {
            statements: applied.statements,
            timeline: applied.timeline,
            awards: applied.awards,
            points: applied.points,
            proposed: applied.proposed,
            recognised: applied.recognised,
            untrusted: applied.untrusted,
        }
    }
}

/// A link made (or already there: `linked` false), and the actor's past statements applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorLinkResponse {
    pub linked: bool,
    pub applied: AppliedResponse,
}

/// Erase everything the learning record store holds about one actor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorErasureRequest {
    /// The actor as an xAPI Agent with one identifier (as for a link).
    #[schema(value_type = Object)]
    pub agent: serde_json::Value,
    /// `删除` (or `delete`), to confirm.
    pub confirm: String,
}

/// What an actor's erasure deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorErasureResponse {
    pub statements: u64,
    pub documents: u64,
    pub attachments: u64,
    pub agents: u64,
    pub links: u64,
}

impl From<ActorErasureCounts> for ActorErasureResponse {
    fn from(counts: ActorErasureCounts) -> Self {
        Self {
            statements: counts.statements,
            documents: counts.documents,
            attachments: counts.attachments,
            agents: counts.agents,
            links: counts.links,
        }
    }
}

/// One xAPI statement in a learner's archive.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityItemResponse {
    pub statement_id: String,
    pub verb: String,
    pub verb_zh: String,
    pub verb_en: String,
    pub activity_id: Option<String>,
    pub activity_zh: Option<String>,
    pub activity_en: Option<String>,
    /// When it happened (RFC 3339).
    pub at: String,
    /// The learning platform that reported it; `null` for this platform.
    pub provider: Option<String>,
    pub scaled: Option<f64>,
}

impl From<&ActivityItem> for ActivityItemResponse {
    fn from(item: &ActivityItem) -> Self {
        Self {
            statement_id: item.statement_id.clone(),
            verb: item.verb_id.clone(),
            verb_zh: item.verb_zh.clone(),
            verb_en: item.verb_en.clone(),
            activity_id: item.activity_id.clone(),
            activity_zh: item.activity_zh.clone(),
            activity_en: item.activity_en.clone(),
            at: rfc3339(item.at),
            provider: item.provider.clone(),
            scaled: item.scaled,
        }
    }
}

/// A page of the learner's activity (xAPI statements from the learning platforms), newest
/// first; `next` is the `activity_before` of the next page (`null` at the end).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPageResponse {
    pub items: Vec<ActivityItemResponse>,
    pub next: Option<String>,
}

impl From<&ActivityPage> for ActivityPageResponse {
    fn from(page: &ActivityPage) -> Self {
        Self {
            items: page.items.iter().map(ActivityItemResponse::from).collect(),
            next: page.next.map(encode_position),
        }
    }
}
