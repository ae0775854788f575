//! The parameters of GET /statements (Communication 2.1.3), parsed and checked: every value to
//! the same standard as in a statement (Data 2.2: "The LRS MUST validate parameter values to
//! the same standards required for values of the same types in Statements"), unknown and
//! repeated parameters refused, and `statementId` / `voidedStatementId` alone but for `format`
//! and `attachments`.
//!
//! The HTTP layer's own paging parameter (the `more` IRL is the LRS's to design) is not an
//! xAPI parameter: the caller takes it out before calling [`StatementQuery::parse`].

use crate::agents::{StatementIndex, actor_keys};
use crate::error::{Result, XapiError};
use crate::format::Format;
use crate::model::Actor;
use crate::params::Params;
use crate::parse::parse_agent_parameter;
use crate::types::{Iri, Timestamp, Uuid};

/// Every parameter the Statement resource's GET takes.
pub const PARAMETERS: [&str; 14] = [
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
];

/// A parsed GET /statements.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementQuery {
    /// One statement by id, or a filtered list.
    pub selection: Selection,
    /// `format` (default `exact`).
    pub format: Format,
    /// `attachments` (default false): answer in multipart/mixed with the attachments' bytes.
    pub attachments: bool,
}

/// What is asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// `statementId` (`voided: false`: a voided statement is then not found) or
    /// `voidedStatementId` (`voided: true`: only a voided statement is found).
    Single { id: Uuid, voided: bool },
    /// A list, filtered.
    Filter(Box<Filter>),
}

/// The filters of a list query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    pub agent: Option<Actor>,
    pub verb: Option<Iri>,
    pub activity: Option<Iri>,
    pub registration: Option<Uuid>,
    pub related_activities: bool,
    pub related_agents: bool,
    /// Stored strictly after.
    pub since: Option<Timestamp>,
    /// Stored at or before.
    pub until: Option<Timestamp>,
    /// 0: as many as the server allows.
    pub limit: u32,
    pub ascending: bool,
}

impl Filter {
    /// The keys the `agent` filter matches (its IFI; for an Identified Group with members
    /// given, only the group's IFI counts).
    pub fn agent_key(&self) -> Option<String> {
        self.agent
            .as_ref()
            .and_then(|a| actor_keys(a).into_iter().next())
    }

    /// Whether a statement with this index passes the agent, verb, activity and registration
    /// filters (not the time window, and not the StatementRef rule: those need the store).
    pub fn matches(&self, index: &StatementIndex) -> bool {
        let agent_ok = match self.agent_key() {
            None => true,
            Some(key) if self.related_agents => index.related_agents.contains(&key),
            Some(key) => index.agents.contains(&key),
        };
        let verb_ok = self.verb.as_ref().is_none_or(|v| index.verb == v.as_str());
        let activity_ok = match &self.activity {
            None => true,
            Some(id) if self.related_activities => index.related_activities.contains(id.as_str()),
            Some(id) => index.activity.as_deref() == Some(id.as_str()),
        };
        let registration_ok = self
            .registration
            .as_ref()
            .is_none_or(|r| index.registration.as_deref() == Some(r.as_str()));
        agent_ok && verb_ok && activity_ok && registration_ok
    }
}

impl StatementQuery {
    /// Parses decoded `(name, value)` pairs from the query string (or, in 1.0.x's alternate
    /// request syntax, from the form body).
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let params = Params::collect(pairs, &PARAMETERS, "GET statements")?;
        let get = |name: &str| params.get(name);
        let format = get("format")
            .map(Format::parse)
            .transpose()?
            .unwrap_or_default();
        let attachments = params.boolean("attachments", false)?;
        let single = match (get("statementId"), get("voidedStatementId")) {
            (Some(_), Some(_)) => {
                return Err(XapiError::bad_request(
                    "voidedStatementId",
                    "statementId and voidedStatementId cannot be used together",
                ));
            }
            (Some(id), None) => Some(("statementId", id, false)),
            (None, Some(id)) => Some(("voidedStatementId", id, true)),
            (None, None) => None,
        };
        if let Some((name, id, voided)) = single {
            if let Some(other) = params.names().find(|n| {
                !["statementId", "voidedStatementId", "format", "attachments"].contains(n)
            }) {
                return Err(XapiError::bad_request(
                    other,
                    format!("cannot be used with {name}: only format and attachments can"),
                ));
            }
            return Ok(StatementQuery {
                selection: Selection::Single {
                    id: Uuid::parse(id, name)?,
                    voided,
                },
                format,
                attachments,
            });
        }
        let filter = Filter {
            agent: get("agent")
                .map(|v| parse_agent_parameter(v, "agent"))
                .transpose()?,
            verb: get("verb").map(|v| Iri::parse(v, "verb")).transpose()?,
            activity: get("activity")
                .map(|v| Iri::parse(v, "activity"))
                .transpose()?,
            registration: get("registration")
                .map(|v| Uuid::parse(v, "registration"))
                .transpose()?,
            related_activities: params.boolean("related_activities", false)?,
            related_agents: params.boolean("related_agents", false)?,
            since: get("since")
                .map(|v| Timestamp::parse(v, "since"))
                .transpose()?,
            until: get("until")
                .map(|v| Timestamp::parse(v, "until"))
                .transpose()?,
            limit: match get("limit") {
                None => 0,
                Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                    text.parse().unwrap_or(u32::MAX)
                }
                Some(text) => {
                    return Err(XapiError::bad_request(
                        "limit",
                        format!("must be a non-negative integer, not {text:?}"),
                    ));
                }
            },
            ascending: params.boolean("ascending", false)?,
        };
        Ok(StatementQuery {
            selection: Selection::Filter(Box::new(filter)),
            format,
            attachments,
        })
    }
}
