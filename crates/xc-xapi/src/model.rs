//! The statement model (Data 2.4): what a valid statement is, as types. Values of these types
//! come from [`crate::parse_statement`] (which checks every rule) or are built by the LRS
//! itself; serialising one gives the JSON the LRS returns in `exact` format: the properties as
//! received, with only what the spec lets an LRS change changed (UUIDs in lower case,
//! timestamps in UTC, `contextActivities` values always arrays).
//!
//! Where the spec lets a property be omitted with a default (`objectType` of an Agent or an
//! Activity), the model keeps whether it was sent, so that `exact` returns it the way it came.

use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::types::{Duration, Iri, LanguageMap, LanguageTag, Mbox, Timestamp, Uuid};

/// Extension maps: IRI keys (checked), any JSON values (never checked: Data 4.1 "An LRS MUST
/// NOT reject a Statement based on the values of the extensions map").
pub type Extensions = Map<String, Value>;

/// The verb whose statements void another statement (Data 2.3.2).
pub const VOIDED_VERB: &str = "http://adlnet.gov/expapi/verbs/voided";

/// The `usageType` of a JWS signature attachment (Data 2.6).
pub const SIGNATURE_USAGE_TYPE: &str = "http://adlnet.gov/expapi/attachments/signature";

/// A statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub actor: Actor,
    pub verb: Verb,
    pub object: StatementObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<StatementResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<Actor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
}

impl Statement {
    /// Whether this is a voiding statement (verb `…/voided`; its object is then a StatementRef,
    /// which validation guarantees). Returns the id of the statement it voids.
    pub fn voids(&self) -> Option<&Uuid> {
        match (&self.object, self.verb.id.as_str() == VOIDED_VERB) {
            (StatementObject::StatementRef(target), true) => Some(&target.id),
            _ => None,
        }
    }

    /// The attachments whose `usageType` is the JWS signature's.
    pub fn signature_attachments(&self) -> impl Iterator<Item = &Attachment> {
        self.attachments
            .iter()
            .flatten()
            .filter(|a| a.usage_type.as_str() == SIGNATURE_USAGE_TYPE)
    }

    /// The statement as the LRS stores it: `stored` set (any value sent is overwritten, Data
    /// 2.4.8), `authority` overwritten by the credentials' (2.4.9: "SHOULD overwrite"), and
    /// where absent an `id` (2.4.1), a `timestamp` equal to `stored` (2.4.7) and the version's
    /// default `version` (2.4.10). What the client sent is kept otherwise.
    pub fn assign(self, assigned: Assigned) -> Statement {
        Statement {
            id: self.id.or(Some(assigned.id_if_absent)),
            timestamp: self.timestamp.or(Some(assigned.stored)),
            stored: Some(assigned.stored),
            authority: Some(assigned.authority),
            version: self
                .version
                .or_else(|| Some(assigned.version.default_statement_version().to_string())),
            ..self
        }
    }

    /// The JSON of this statement (as `exact` format returns it).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// What the LRS assigns to a statement it accepts (see [`Statement::assign`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    /// A fresh UUID, used only when the statement has no id.
    pub id_if_absent: Uuid,
    /// The LRS's clock when it stores the statement.
    pub stored: Timestamp,
    /// The agent (or OAuth consumer + user group) the request authenticated as.
    pub authority: Actor,
    /// The version family of the request, for the default `version`.
    pub version: crate::version::XapiVersion,
}

/// `objectType: "Agent"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AgentType {
    Agent,
}

/// `objectType: "Group"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GroupType {
    Group,
}

/// `objectType: "Activity"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ActivityType {
    Activity,
}

/// `objectType: "StatementRef"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StatementRefType {
    StatementRef,
}

/// `objectType: "SubStatement"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SubStatementType {
    SubStatement,
}

/// `objectType: "contextAgent"` (2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContextAgentType {
    #[serde(rename = "contextAgent")]
    ContextAgent,
}

/// `objectType: "contextGroup"` (2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContextGroupType {
    #[serde(rename = "contextGroup")]
    ContextGroup,
}

/// An Agent or a Group, wherever the spec allows either (actor, authority, instructor).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Actor {
    Agent(Agent),
    Group(Group),
}

impl Actor {
    /// The inverse functional identifier, if any (anonymous groups have none).
    pub fn ifi(&self) -> Option<&Ifi> {
        match self {
            Actor::Agent(agent) => Some(&agent.ifi),
            Actor::Group(group) => group.ifi.as_ref(),
        }
    }
}

/// An Agent (Data 2.4.2.1): one person or system, identified by exactly one IFI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    /// `Some` when `objectType` was sent (it is optional except when the Agent is a
    /// statement's object).
    #[serde(rename = "objectType", skip_serializing_if = "Option::is_none")]
    pub object_type: Option<AgentType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub ifi: Ifi,
}

/// A Group (Data 2.4.2.2): identified (one IFI, members optional) or anonymous (no IFI,
/// members required).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    #[serde(rename = "objectType")]
    pub object_type: GroupType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub ifi: Option<Ifi>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<Vec<Agent>>,
}

/// An Inverse Functional Identifier (Data 2.4.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Ifi {
    #[serde(rename = "mbox")]
    Mbox(Mbox),
    /// 40 hex digits, as sent.
    #[serde(rename = "mbox_sha1sum")]
    MboxSha1Sum(String),
    #[serde(rename = "openid")]
    OpenId(Iri),
    #[serde(rename = "account")]
    Account(Account),
}

/// An account on some system (Data 2.4.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Account {
    #[serde(rename = "homePage")]
    pub home_page: Iri,
    pub name: String,
}

/// The verb (Data 2.4.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verb {
    pub id: Iri,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<LanguageMap>,
}

/// The object of a statement (Data 2.4.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StatementObject {
    Activity(Activity),
    /// An Agent as object; its `objectType` is always present (Data 2.4.4.2).
    Agent(Agent),
    Group(Group),
    StatementRef(StatementRef),
    SubStatement(Box<SubStatement>),
}

/// An Activity (Data 2.4.4.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    #[serde(rename = "objectType", skip_serializing_if = "Option::is_none")]
    pub object_type: Option<ActivityType>,
    pub id: Iri,
    /// Boxed: definitions are large and most activities in context have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<Box<ActivityDefinition>>,
}

/// An Activity Definition, including the interaction properties.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDefinition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<LanguageMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<LanguageMap>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub activity_type: Option<Iri>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_info: Option<Iri>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction_type: Option<InteractionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct_responses_pattern: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<InteractionComponent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<Vec<InteractionComponent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Vec<InteractionComponent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Vec<InteractionComponent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<InteractionComponent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Extensions>,
}

/// The interaction types (the SCORM 2004 cmi.interactions types), exact case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InteractionType {
    TrueFalse,
    Choice,
    FillIn,
    LongFillIn,
    Matching,
    Performance,
    Sequencing,
    Likert,
    Numeric,
    Other,
}

impl InteractionType {
    /// Every type with its spelling.
    pub const ALL: [(&'static str, InteractionType); 10] = [
        ("true-false", InteractionType::TrueFalse),
        ("choice", InteractionType::Choice),
        ("fill-in", InteractionType::FillIn),
        ("long-fill-in", InteractionType::LongFillIn),
        ("matching", InteractionType::Matching),
        ("performance", InteractionType::Performance),
        ("sequencing", InteractionType::Sequencing),
        ("likert", InteractionType::Likert),
        ("numeric", InteractionType::Numeric),
        ("other", InteractionType::Other),
    ];

    /// The interaction component lists this type supports (Data 2.4.4.1, table of
    /// interaction component lists).
    pub fn component_lists(self) -> &'static [&'static str] {
        match self {
            InteractionType::Choice | InteractionType::Sequencing => &["choices"],
            InteractionType::Likert => &["scale"],
            InteractionType::Matching => &["source", "target"],
            InteractionType::Performance => &["steps"],
            InteractionType::TrueFalse
            | InteractionType::FillIn
            | InteractionType::LongFillIn
            | InteractionType::Numeric
            | InteractionType::Other => &[],
        }
    }
}

/// One interaction component (a choice, a likert point, a source, a target, a step).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InteractionComponent {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<LanguageMap>,
}

/// A reference to another statement by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    #[serde(rename = "objectType")]
    pub object_type: StatementRefType,
    pub id: Uuid,
}

/// A statement inside a statement (no id, stored, version, authority or nested SubStatement).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubStatement {
    #[serde(rename = "objectType")]
    pub object_type: SubStatementType,
    pub actor: Actor,
    pub verb: Verb,
    pub object: StatementObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<StatementResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
}

/// The result (Data 2.4.5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Extensions>,
}

/// A score (Data 2.4.5.1). Numbers are kept as JSON numbers, so that they are returned as
/// they came.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaled: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
}

/// The context (Data 2.4.6; `contextAgents` and `contextGroups` from 2.0).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructor: Option<Actor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<Group>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_activities: Option<ContextActivities>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<LanguageTag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<StatementRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Extensions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_agents: Option<Vec<ContextAgent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_groups: Option<Vec<ContextGroup>>,
}

/// `contextActivities`: every value normalised to an array (Data 2.4.6.2).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ContextActivities {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Vec<Activity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grouping: Option<Vec<Activity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Vec<Activity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<Vec<Activity>>,
}

impl ContextActivities {
    /// All context activities, of every kind.
    pub fn all(&self) -> impl Iterator<Item = &Activity> {
        [&self.parent, &self.grouping, &self.category, &self.other]
            .into_iter()
            .flatten()
            .flatten()
    }
}

/// A 2.0 `contextAgents` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextAgent {
    pub object_type: ContextAgentType,
    pub agent: Agent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevant_types: Option<Vec<Iri>>,
}

/// A 2.0 `contextGroups` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextGroup {
    pub object_type: ContextGroupType,
    pub group: Group,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevant_types: Option<Vec<Iri>>,
}

/// An attachment's metadata (Data 2.4.11); its bytes travel in a multipart part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub usage_type: Iri,
    pub display: LanguageMap,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<LanguageMap>,
    pub content_type: String,
    pub length: u64,
    /// Hex SHA-2 of the bytes, as sent.
    pub sha2: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_url: Option<Iri>,
}
