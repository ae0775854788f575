//! The records of the learning record store (issue 5, SPEC C5) and what both engines share to
//! store them: a statement prepared for its rows ([`PreparedStatement`]: the exact JSON and
//! every key the GET /statements filters match, from `xc_xapi::agents::StatementIndex`), the
//! re-used-id rule (`xc_xapi::compare`), the paging cursor, documents and their preconditions
//! (`xc_xapi::documents`), and the canonical activity definitions (`xc_xapi::format`). See
//! [`crate::LrsStore`] for what a store keeps and in which transaction.

use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_xapi::agents::StatementIndex;
use xc_xapi::documents::{
    DocumentMethod, DocumentResource, check_new_json_document, check_preconditions, etag,
    merge_json,
};
use xc_xapi::model::{ActivityDefinition, StatementObject};
use xc_xapi::types::Uuid;
use xc_xapi::{Statement, XapiError, XapiVersion};

use crate::{StoreError, StoreResult};

/// A new LRS client: Basic credentials (`key` is the user name; only the SHA-256 of the random
/// secret is kept, `xc_privacy::tokens`), the scopes they grant, and who the client is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLrsClient {
    pub key: String,
    pub secret_hash: Vec<u8>,
    pub name: String,
    pub institution: Option<xc_domain::InstitutionId>,
    pub scopes: Vec<xc_xapi::scope::Scope>,
    pub created_by: Option<xc_domain::UserId>,
    pub created_at: OffsetDateTime,
}

/// A stored LRS client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LrsClientRecord {
    pub id: i64,
    pub key: String,
    pub secret_hash: Vec<u8>,
    pub name: String,
    pub institution: Option<xc_domain::InstitutionId>,
    pub scopes: Vec<xc_xapi::scope::Scope>,
    pub created_by: Option<xc_domain::UserId>,
    pub created_at: OffsetDateTime,
    /// When staff revoked the credentials (a revoked client is never found by its key again).
    pub revoked_at: Option<OffsetDateTime>,
}

/// Why a client could not be revoked: `known` says whether its key exists at all.
pub fn revoke_refusal(known: bool) -> StoreError {
    if known {
        StoreError::Invalid {
            field: "key",
            reason: "these credentials are revoked already".into(),
        }
    } else {
        StoreError::NotFound { what: "LRS client" }
    }
}

/// Reads the stored scope list back (`xc_xapi::scope::Scope::join`'s text).
pub fn decode_scopes(text: &str) -> StoreResult<Vec<xc_xapi::scope::Scope>> {
    xc_xapi::scope::Scope::parse_list(text, "scopes")
        .map_err(|e| StoreError::corrupt("xapi_clients.scopes", e.to_string()))
}

/// The most statements one page of a query returns, whatever `limit` asks.
pub const STATEMENT_PAGE_MAX: u32 = 500;

/// A statement as stored: its place in the store's order and whether it has been voided.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStatement {
    /// The store's sequence number (insertion order; ties of `stored` are broken by it).
    pub seq: i64,
    /// Whether a voiding statement targets it.
    pub voided: bool,
    /// The LRS client that stored it (`None`: the platform itself).
    pub client: Option<i64>,
    pub statement: Statement,
}

/// An attachment's bytes, stored once per SHA-2 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentContent {
    /// Lower-case hex, as `sha2` in the attachment and `X-Experience-API-Hash` in the part.
    pub sha2: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// Where the next page of a query starts: the query sees the statements stored up to
/// `max_seq` when its first page was read (a snapshot: statements stored later never appear in
/// its pages, so none is returned twice or pushed past the cursor), and the next page begins
/// after `(stored, seq)` in the query's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementCursor {
    pub max_seq: i64,
    /// `stored` in microseconds since the epoch, and `seq`, of the last statement returned.
    pub after: (i64, i64),
}

impl StatementCursor {
    /// The cursor's text for a `more` IRL: `s<max_seq>.<stored>.<seq>`.
    pub fn encode(&self) -> String {
        format!("s{}.{}.{}", self.max_seq, self.after.0, self.after.1)
    }

    /// Reads [`StatementCursor::encode`]'s text back. `Invalid { field: "more" }` otherwise.
    pub fn decode(text: &str) -> StoreResult<Self> {
        let invalid = || StoreError::Invalid {
            field: "more",
            reason: format!("{text:?} is not a cursor this store gave out"),
        };
        let mut parts = text.strip_prefix('s').ok_or_else(invalid)?.split('.');
        let mut next = || -> StoreResult<i64> {
            parts
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(invalid)
        };
        let cursor = StatementCursor {
            max_seq: next()?,
            after: (next()?, next()?),
        };
        if parts.next().is_some() || cursor.after.1 > cursor.max_seq || cursor.after.1 < 1 {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

/// One page of a statement query, in the query's order; `more` is set when more statements
/// match after the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementPage {
    pub statements: Vec<StoredStatement>,
    pub more: Option<StatementCursor>,
}

/// What an insert did to each statement of the batch, in order: stored now, or already
/// stored with the same content (nothing written for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementInsert {
    Stored,
    AlreadyStored,
}

/// A statement ready for its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedStatement {
    /// Lower-case UUID.
    pub id: String,
    /// `stored` in microseconds since the epoch.
    pub stored: i64,
    pub verb: String,
    pub registration: Option<String>,
    /// The id of the statement this one targets with a StatementRef object.
    pub references: Option<String>,
    /// Whether this is a voiding statement (its `references` is the statement it voids).
    pub voiding: bool,
    /// The statement's `exact` JSON.
    pub body: String,
    /// Every key a filter matches this statement by: `(kind, key, related_only)`, each once;
    /// `related_only` when it matches only with `related_agents` / `related_activities`.
    pub keys: Vec<(KeyKind, String, bool)>,
    /// The activity definitions this statement carries, to fold into the canonical ones.
    pub definitions: Vec<(String, ActivityDefinition)>,
}

/// What a key of `xapi_statement_keys` is, for which filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Agent,
    Activity,
    Verb,
    Registration,
}

impl KeyKind {
    /// The `kind` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Agent => "agent",
            KeyKind::Activity => "activity",
            KeyKind::Verb => "verb",
            KeyKind::Registration => "registration",
        }
    }
}

/// The filters of a query as `(kind, key, also related_only rows)`, the first the one whose
/// range drives the query (agent, else activity, else registration, else verb). Empty: no
/// filter.
pub fn filter_keys(filter: &xc_xapi::query::Filter) -> Vec<(KeyKind, String, bool)> {
    let mut keys = Vec::new();
    if let Some(key) = filter.agent_key() {
        keys.push((KeyKind::Agent, key, filter.related_agents));
    }
    if let Some(activity) = &filter.activity {
        keys.push((
            KeyKind::Activity,
            activity.as_str().to_string(),
            filter.related_activities,
        ));
    }
    if let Some(registration) = &filter.registration {
        keys.push((
            KeyKind::Registration,
            registration.as_str().to_string(),
            false,
        ));
    }
    if let Some(verb) = &filter.verb {
        keys.push((KeyKind::Verb, verb.as_str().to_string(), false));
    }
    keys
}

/// Microseconds since the epoch (the precision both engines keep for `stored`).
pub fn micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

/// The time `micros` gave.
pub fn from_micros(value: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1_000)
        .map_err(|error| StoreError::corrupt("timestamp", error.to_string()))
}

/// Prepares a batch for insertion: every statement needs its `id` and `stored` (the LRS
/// assigns them with `Statement::assign` before storing), and no id may come twice.
pub fn prepare_statements(statements: &[Statement]) -> StoreResult<Vec<PreparedStatement>> {
    if statements.is_empty() {
        return Err(StoreError::Invalid {
            field: "statements",
            reason: "nothing to insert".into(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    statements
        .iter()
        .enumerate()
        .map(|(i, statement)| {
            let prepared = prepare(statement).map_err(|reason| StoreError::Invalid {
                field: "statements",
                reason: format!("statement [{i}] {reason}"),
            })?;
            if !seen.insert(prepared.id.clone()) {
                return Err(StoreError::Invalid {
                    field: "statements",
                    reason: format!(
                        "statement [{i}] repeats the id {} of the batch",
                        prepared.id
                    ),
                });
            }
            Ok(prepared)
        })
        .collect()
}

fn prepare(statement: &Statement) -> Result<PreparedStatement, String> {
    let id = statement
        .id
        .as_ref()
        .ok_or("has no id: assign one before storing")?;
    let stored = statement
        .stored
        .as_ref()
        .ok_or("has no stored time: assign it before storing")?;
    let index = StatementIndex::of(statement);
    let mut keys: Vec<(KeyKind, String, bool)> = index
        .related_agents
        .iter()
        .map(|key| (KeyKind::Agent, key.clone(), !index.agents.contains(key)))
        .collect();
    keys.extend(index.related_activities.iter().map(|a| {
        let related_only = index.activity.as_deref() != Some(a.as_str());
        (KeyKind::Activity, a.clone(), related_only)
    }));
    keys.push((KeyKind::Verb, index.verb.clone(), false));
    if let Some(registration) = &index.registration {
        keys.push((KeyKind::Registration, registration.clone(), false));
    }
    Ok(PreparedStatement {
        id: id.as_str().to_string(),
        stored: micros(stored.datetime()),
        verb: index.verb,
        registration: index.registration,
        references: index.references.map(|r| r.as_str().to_string()),
        voiding: statement.voids().is_some(),
        body: statement.to_json().to_string(),
        keys,
        definitions: definitions(statement),
    })
}

/// Every (activity id, definition) a statement carries, in document order.
fn definitions(statement: &Statement) -> Vec<(String, ActivityDefinition)> {
    let mut found = Vec::new();
    let mut push = |activity: &xc_xapi::model::Activity| {
        if let Some(definition) = &activity.definition {
            found.push((activity.id.as_str().to_string(), (**definition).clone()));
        }
    };
    let mut contexts = vec![statement.context.as_ref()];
    match &statement.object {
        StatementObject::Activity(activity) => push(activity),
        StatementObject::SubStatement(sub) => {
            if let StatementObject::Activity(activity) = &sub.object {
                push(activity);
            }
            contexts.push(sub.context.as_ref());
        }
        _ => {}
    }
    for context in contexts.into_iter().flatten() {
        if let Some(activities) = &context.context_activities {
            activities.all().for_each(&mut push);
        }
    }
    found
}

/// The version a stored statement is read back under: its own `version` family.
fn version_of(body: &Value) -> XapiVersion {
    match body.get("version").and_then(Value::as_str) {
        Some(v) if v.starts_with("2.") => XapiVersion::LATEST_2_0,
        _ => XapiVersion::LATEST_1_0,
    }
}

/// Reads a stored statement's JSON back (`table` names where it came from, for the error).
pub fn decode_statement(body: &str, id: &str) -> StoreResult<Statement> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| StoreError::corrupt("xapi_statements.body", format!("{id}: {e}")))?;
    xc_xapi::parse_statement(&value, version_of(&value))
        .map_err(|e| StoreError::corrupt("xapi_statements.body", format!("{id}: {e}")))
}

/// The re-used-id rule (Communication 2.1.1): a statement whose id is stored already is
/// accepted when equivalent to the stored one (`xc_xapi::compare`), and is a 409 naming the
/// id and the first property that differs otherwise.
pub fn check_same_statement(stored_body: &str, incoming: &Statement) -> StoreResult<()> {
    let id = incoming.id.as_ref().map(Uuid::as_str).unwrap_or_default();
    let stored = without_assigned_timestamp(decode_statement(stored_body, id)?);
    let incoming = &without_assigned_timestamp(incoming.clone());
    if xc_xapi::compare::equivalent(&stored, incoming) {
        return Ok(());
    }
    let difference = xc_xapi::compare::first_difference(&stored, incoming)
        .unwrap_or_else(|| "its content".into());
    Err(StoreError::Xapi(XapiError {
        path: "id".into(),
        reason: format!(
            "statement {id} is already stored with a different {difference}: a statement id names one statement forever"
        ),
        status: xc_xapi::Status::Conflict,
    }))
}

/// The statement without its `timestamp` when the LRS filled it in (`Statement::assign` sets an
/// absent timestamp to `stored`, to the microsecond): the client sent none, so a re-sent
/// statement without one is compared as the client sent it (Data 2.3.1 ignores a timestamp
/// one side lacks).
fn without_assigned_timestamp(mut statement: Statement) -> Statement {
    if statement.timestamp.is_some() && statement.timestamp == statement.stored {
        statement.timestamp = None;
    }
    statement
}

/// The canonical definition after folding `incoming` into `current` (`xc_xapi::format`).
pub fn merged_definition(
    current: Option<ActivityDefinition>,
    incoming: &ActivityDefinition,
) -> ActivityDefinition {
    let mut canonical = current.unwrap_or_default();
    xc_xapi::format::merge_definition(&mut canonical, incoming);
    canonical
}

/// A stored canonical definition read back through the statement validator (the one parser of
/// definitions): it is wrapped as the object of a minimal statement.
pub fn decode_definition(id: &str, text: &str) -> StoreResult<ActivityDefinition> {
    let corrupt = |reason: String| StoreError::corrupt("xapi_activities.definition", reason);
    let definition: Value =
        serde_json::from_str(text).map_err(|e| corrupt(format!("{id}: {e}")))?;
    let wrapper = json!({
        "actor": {"mbox": "mailto:canonical@example.invalid"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": id, "definition": definition},
    });
    match xc_xapi::parse_statement(&wrapper, XapiVersion::LATEST_2_0) {
        Ok(Statement {
            object: StatementObject::Activity(activity),
            ..
        }) => Ok(activity.definition.map(|d| *d).unwrap_or_default()),
        Ok(_) => Err(corrupt(format!("{id}: not an activity"))),
        Err(e) => Err(corrupt(format!("{id}: {e}"))),
    }
}

/// The JSON text a canonical definition is stored as.
pub fn encode_definition(definition: &ActivityDefinition) -> String {
    serde_json::to_value(definition)
        .unwrap_or(Value::Null)
        .to_string()
}

/// Where a document lives: the resource, and the parameters that scope it (empty where the
/// resource has none: the store's key columns are never NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentScope {
    pub resource: DocumentResource,
    /// `activityId` (State, Activity Profile), else empty.
    pub activity_id: String,
    /// The agent's `ifi_key` (State, Agent Profile), else empty.
    pub agent_key: String,
    /// `registration` (State, optional), else empty.
    pub registration: String,
}

impl DocumentScope {
    /// The scope of a parsed document request.
    pub fn of(request: &xc_xapi::documents::DocumentRequest) -> Self {
        DocumentScope {
            resource: request.resource,
            activity_id: request
                .activity_id
                .as_ref()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            agent_key: request
                .agent
                .as_ref()
                .and_then(|a| xc_xapi::agents::actor_keys(a).into_iter().next())
                .unwrap_or_default(),
            registration: request
                .registration
                .as_ref()
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
        }
    }

    /// The resource's name in the store.
    pub fn resource_name(&self) -> &'static str {
        match self.resource {
            DocumentResource::State => "state",
            DocumentResource::ActivityProfile => "activity_profile",
            DocumentResource::AgentProfile => "agent_profile",
        }
    }
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    pub document_id: String,
    pub content_type: String,
    pub contents: Vec<u8>,
    /// Quoted hex SHA-1 of the contents (`xc_xapi::documents::etag`).
    pub etag: String,
    /// For `Last-Modified` and `since`.
    pub updated: OffsetDateTime,
}

/// A PUT, POST or DELETE of one document, with its preconditions.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentWrite {
    pub method: DocumentMethod,
    /// The request's version (State's 409 rule differs).
    pub version: XapiVersion,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub content_type: String,
    pub contents: Vec<u8>,
    pub at: OffsetDateTime,
}

/// What a document write leaves: the new document (`None` after a DELETE).
pub fn apply_document_write(
    scope: &DocumentScope,
    document_id: &str,
    current: Option<&DocumentRecord>,
    write: &DocumentWrite,
) -> StoreResult<Option<DocumentRecord>> {
    check_preconditions(
        scope.resource,
        write.version,
        write.method,
        current.map(|d| d.etag.as_str()),
        write.if_match.as_deref(),
        write.if_none_match.as_deref(),
    )
    .map_err(StoreError::Xapi)?;
    let (content_type, contents) = match (write.method, current) {
        (DocumentMethod::Delete, _) => return Ok(None),
        (DocumentMethod::Get, _) => {
            return Err(StoreError::Invalid {
                field: "method",
                reason: "a GET writes nothing".into(),
            });
        }
        (DocumentMethod::Post, Some(current)) => (
            current.content_type.clone(),
            merge_json(
                &current.contents,
                Some(&current.content_type),
                &write.contents,
                Some(&write.content_type),
            )
            .map_err(StoreError::Xapi)?,
        ),
        (DocumentMethod::Post, None) => {
            check_new_json_document(&write.contents, Some(&write.content_type))
                .map_err(StoreError::Xapi)?;
            (write.content_type.clone(), write.contents.clone())
        }
        (DocumentMethod::Put, _) => (write.content_type.clone(), write.contents.clone()),
    };
    Ok(Some(DocumentRecord {
        document_id: document_id.to_string(),
        content_type,
        etag: etag(&contents),
        contents,
        updated: write.at,
    }))
}

/// The agents stored under one key (their JSON, in the order first seen), read back with the
/// `agent` parameter's rules.
pub fn decode_agents(rows: &[String]) -> StoreResult<Vec<xc_xapi::model::Agent>> {
    rows.iter()
        .filter_map(|text| match xc_xapi::parse_agent_parameter(text, "agent") {
            Ok(xc_xapi::model::Actor::Agent(agent)) => Some(Ok(agent)),
            Ok(xc_xapi::model::Actor::Group(_)) => None,
            Err(e) => Some(Err(StoreError::corrupt("xapi_agents.agent", e.to_string()))),
        })
        .collect()
}

/// The Agents a statement names (actor, object, authority, instructor, group members), with
/// their keys and JSON, for the Agents resource's Person Object.
pub fn agents_named(statement: &Statement) -> Vec<(String, String)> {
    use xc_xapi::model::Actor;
    let mut found = Vec::new();
    let mut push_actor = |actor: &Actor| {
        let agents: Vec<&xc_xapi::model::Agent> = match actor {
            Actor::Agent(agent) => vec![agent],
            Actor::Group(group) => group.member.iter().flatten().collect(),
        };
        for agent in agents {
            let value = serde_json::to_value(agent).unwrap_or(Value::Null);
            found.push((xc_xapi::agents::ifi_key(&agent.ifi), value.to_string()));
        }
    };
    push_actor(&statement.actor);
    if let StatementObject::Agent(agent) = &statement.object {
        push_actor(&Actor::Agent(agent.clone()));
    }
    if let Some(instructor) = statement
        .context
        .as_ref()
        .and_then(|c| c.instructor.as_ref())
    {
        push_actor(instructor);
    }
    found.sort();
    found.dedup();
    found
}
