//! Statement validation: JSON in, [`Statement`] out, or the first rule broken with its path.
//!
//! Every MUST of the Data part that can be checked without storage is checked here, per
//! version (the version decides only whether 2.0's `contextAgents` / `contextGroups` exist and
//! which statement `version` values are accepted). What needs the store — a duplicate id with
//! different content (409), voiding a voiding statement, attachments' bytes — is the caller's.
//! The order of checks follows the document, so the first error reported is the first one a
//! reader would meet.

use serde_json::{Map, Number, Value};
use std::collections::HashSet;

use crate::error::{Result, XapiError};
use crate::json::{Obj, index, join, parse_strict, wrong_type};
use crate::model::*;
use crate::types::{
    Duration, Iri, LanguageMap, LanguageTag, Mbox, Timestamp, Uuid, hex_of_length, language_map,
    media_type,
};
use crate::version::XapiVersion;

const STATEMENT_KEYS: [&str; 11] = [
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
];
const SUBSTATEMENT_KEYS: [&str; 7] = [
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
];
const IFI_KEYS: [&str; 4] = ["mbox", "mbox_sha1sum", "openid", "account"];

/// Parses and validates one statement from request bytes (a PUT body, or one statement
/// parsed out of a batch by [`parse_statements`]).
pub fn parse_statement_bytes(bytes: &[u8], version: XapiVersion) -> Result<Statement> {
    let value = parse_strict(bytes)?;
    parse_statement(&value, version)
}

/// Parses a POST body: one statement or an array of them. An empty array is refused, and so
/// is a batch that uses the same id twice (Communication 2.1.2). Errors inside a batch are
/// prefixed with the statement's index (`[3].actor.mbox`).
pub fn parse_statements(value: &Value, version: XapiVersion) -> Result<Vec<Statement>> {
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(XapiError::bad_request(
                    "",
                    "the batch is empty: send at least one statement",
                ));
            }
            let mut seen = HashSet::new();
            let mut statements = Vec::with_capacity(items.len());
            for (position, item) in items.iter().enumerate() {
                let statement =
                    parse_statement(item, version).map_err(|e| e.under(&index("", position)))?;
                if let Some(id) = &statement.id
                    && !seen.insert(id.clone())
                {
                    return Err(XapiError::bad_request(
                        index("", position) + ".id",
                        format!("the batch uses the id {id} more than once"),
                    ));
                }
                statements.push(statement);
            }
            Ok(statements)
        }
        Value::Object(_) => Ok(vec![parse_statement(value, version)?]),
        other => Err(wrong_type(
            "",
            "a statement object or an array of statements",
            other,
        )),
    }
}

/// Parses the body of PUT /statements?statementId=…: exactly one statement (an array is
/// refused), whose `id`, when it has one, must be the `statementId` parameter; the statement
/// returned carries that id (Communication 2.1.1).
pub fn parse_put_statement(
    statement_id: Option<&str>,
    value: &Value,
    version: XapiVersion,
) -> Result<Statement> {
    let id = Uuid::parse(
        statement_id.ok_or_else(|| XapiError::bad_request("statementId", "is required for PUT"))?,
        "statementId",
    )?;
    if !value.is_object() {
        return Err(wrong_type(
            "",
            "one statement object (send batches with POST)",
            value,
        ));
    }
    let mut statement = parse_statement(value, version)?;
    match &statement.id {
        Some(own) if *own != id => Err(XapiError::bad_request(
            "id",
            format!("is {own} but the statementId parameter is {id}: they must be the same"),
        )),
        _ => {
            statement.id = Some(id);
            Ok(statement)
        }
    }
}

/// Parses and validates one statement.
pub fn parse_statement(value: &Value, version: XapiVersion) -> Result<Statement> {
    Validator { version }.statement(value)
}

/// Parses an Agent or Identified Group given as the `agent` parameter of the Statement,
/// State, Agent Profile and Agents resources (the same rules as in a statement; anonymous
/// groups are refused because they cannot be matched).
pub fn parse_agent_parameter(text: &str, parameter: &str) -> Result<Actor> {
    let value = parse_strict(text.as_bytes()).map_err(|e| XapiError {
        path: parameter.to_string(),
        ..e
    })?;
    let actor = Validator {
        version: XapiVersion::LATEST_2_0,
    }
    .actor(&value, parameter)?;
    if actor.ifi().is_none() {
        return Err(XapiError::bad_request(
            parameter,
            "must identify an Agent or an Identified Group by mbox, mbox_sha1sum, openid or account",
        ));
    }
    Ok(actor)
}

struct Validator {
    version: XapiVersion,
}

impl Validator {
    fn statement(&self, value: &Value) -> Result<Statement> {
        let object = Obj::new(value, "")?;
        object.only("a Statement", &STATEMENT_KEYS)?;
        let id = object
            .get("id")?
            .map(|v| Uuid::from_json(v, "id"))
            .transpose()?;
        let actor = self.actor(object.required("actor", "a Statement")?, "actor")?;
        let verb = self.verb(object.required("verb", "a Statement")?, "verb")?;
        let statement_object =
            self.object(object.required("object", "a Statement")?, "object", false)?;
        if verb.id.as_str() == VOIDED_VERB
            && !matches!(statement_object, StatementObject::StatementRef(_))
        {
            return Err(XapiError::bad_request(
                "object",
                "a voiding statement (verb http://adlnet.gov/expapi/verbs/voided) must have a StatementRef as its object",
            ));
        }
        let result = object
            .get("result")?
            .map(|v| self.result(v, "result"))
            .transpose()?;
        let context = object
            .get("context")?
            .map(|v| self.context(v, "context", &statement_object))
            .transpose()?;
        let timestamp = object
            .get("timestamp")?
            .map(|v| Timestamp::from_json(v, "timestamp"))
            .transpose()?;
        let stored = object
            .get("stored")?
            .map(|v| Timestamp::from_json(v, "stored"))
            .transpose()?;
        let authority = object
            .get("authority")?
            .map(|v| self.authority(v, "authority"))
            .transpose()?;
        let statement_version = match object.get("version")? {
            None => None,
            Some(Value::String(text)) => {
                if !self.version.accepts_statement_version(text) {
                    let accepted = if self.version.is_2_0() {
                        "1.0.x or 2.0.x"
                    } else {
                        "1.0.x"
                    };
                    return Err(XapiError::bad_request(
                        "version",
                        format!("{text:?} is not a supported statement version: use {accepted}"),
                    ));
                }
                Some(text.clone())
            }
            Some(other) => return Err(wrong_type("version", "a string", other)),
        };
        let attachments = match object.array("attachments")? {
            None => None,
            Some(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.attachment(item, &index("attachments", i)))
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        Ok(Statement {
            id,
            actor,
            verb,
            object: statement_object,
            result,
            context,
            timestamp,
            stored,
            authority,
            version: statement_version,
            attachments,
        })
    }

    fn actor(&self, value: &Value, path: &str) -> Result<Actor> {
        let object = Obj::new(value, path)?;
        match object.string("objectType")? {
            None | Some("Agent") => self.agent(value, path).map(Actor::Agent),
            Some("Group") => self.group(value, path).map(Actor::Group),
            Some(other) => Err(XapiError::bad_request(
                join(path, "objectType"),
                format!("must be \"Agent\" or \"Group\", not {other:?}"),
            )),
        }
    }

    fn agent(&self, value: &Value, path: &str) -> Result<Agent> {
        let object = Obj::new(value, path)?;
        object.only(
            "an Agent",
            &[
                "objectType",
                "name",
                "mbox",
                "mbox_sha1sum",
                "openid",
                "account",
            ],
        )?;
        let object_type = match object.string("objectType")? {
            None => None,
            Some("Agent") => Some(AgentType::Agent),
            Some(other) => {
                return Err(XapiError::bad_request(
                    join(path, "objectType"),
                    format!("must be \"Agent\", not {other:?}"),
                ));
            }
        };
        let name = object.string("name")?.map(str::to_string);
        let ifi = self.ifi(&object)?.ok_or_else(|| {
            XapiError::bad_request(
                path,
                "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account",
            )
        })?;
        Ok(Agent {
            object_type,
            name,
            ifi,
        })
    }

    fn group(&self, value: &Value, path: &str) -> Result<Group> {
        let object = Obj::new(value, path)?;
        object.only(
            "a Group",
            &[
                "objectType",
                "name",
                "member",
                "mbox",
                "mbox_sha1sum",
                "openid",
                "account",
            ],
        )?;
        match object.string("objectType")? {
            Some("Group") => {}
            Some(other) => {
                return Err(XapiError::bad_request(
                    join(path, "objectType"),
                    format!("must be \"Group\", not {other:?}"),
                ));
            }
            None => {
                return Err(XapiError::bad_request(
                    join(path, "objectType"),
                    "is required in a Group and must be \"Group\"",
                ));
            }
        }
        let name = object.string("name")?.map(str::to_string);
        let ifi = self.ifi(&object)?;
        let member_path = join(path, "member");
        let member = match object.array("member")? {
            None => None,
            Some(items) => {
                let mut members = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let item_path = index(&member_path, i);
                    let item_object = Obj::new(item, &item_path)?;
                    if item_object.string("objectType")? == Some("Group") {
                        return Err(XapiError::bad_request(
                            join(&item_path, "objectType"),
                            "a Group's members must be Agents, not Groups",
                        ));
                    }
                    members.push(self.agent(item, &item_path)?);
                }
                Some(members)
            }
        };
        if ifi.is_none() {
            match &member {
                None => {
                    return Err(XapiError::bad_request(
                        member_path,
                        "an Anonymous Group (no mbox, mbox_sha1sum, openid or account) must list its members",
                    ));
                }
                Some(members) if members.is_empty() => {
                    return Err(XapiError::bad_request(
                        member_path,
                        "an Anonymous Group must list at least one member",
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(Group {
            object_type: GroupType::Group,
            name,
            ifi,
            member,
        })
    }

    /// At most one IFI; `None` when there is none.
    fn ifi(&self, object: &Obj<'_>) -> Result<Option<Ifi>> {
        let present: Vec<&str> = IFI_KEYS
            .iter()
            .copied()
            .filter(|key| object.map.contains_key(*key))
            .collect();
        if present.len() > 1 {
            return Err(XapiError::bad_request(
                object.path,
                format!(
                    "uses {} together: an Agent or Identified Group has exactly one inverse functional identifier",
                    present.join(" and ")
                ),
            ));
        }
        let Some(key) = present.first() else {
            return Ok(None);
        };
        let path = join(object.path, key);
        let value = object.required(key, "")?;
        let text = |value: &Value| match value {
            Value::String(text) => Ok(text.clone()),
            other => Err(wrong_type(&path, "a string", other)),
        };
        Ok(Some(match *key {
            "mbox" => Ifi::Mbox(Mbox::parse(&text(value)?, &path)?),
            "mbox_sha1sum" => Ifi::MboxSha1Sum(hex_of_length(
                &text(value)?,
                &[40],
                &path,
                "the SHA-1 of a mailto IRI as 40 hex digits",
            )?),
            "openid" => Ifi::OpenId(Iri::from_json(value, &path)?),
            _ => {
                let account = Obj::new(value, &path)?;
                account.only("an Account", &["homePage", "name"])?;
                let home_page = Iri::from_json(
                    account.required("homePage", "an Account")?,
                    &join(&path, "homePage"),
                )?;
                let name = match account.required("name", "an Account")? {
                    Value::String(name) => name.clone(),
                    other => return Err(wrong_type(&join(&path, "name"), "a string", other)),
                };
                Ifi::Account(Account { home_page, name })
            }
        }))
    }

    fn authority(&self, value: &Value, path: &str) -> Result<Actor> {
        let actor = self.actor(value, path)?;
        if let Actor::Group(group) = &actor {
            if group.ifi.is_some() {
                return Err(XapiError::bad_request(
                    path,
                    "an authority that is a Group must be an Anonymous Group (OAuth consumer and user), not an Identified Group",
                ));
            }
            let members = group.member.as_ref().map_or(0, Vec::len);
            if members != 2 {
                return Err(XapiError::bad_request(
                    join(path, "member"),
                    format!(
                        "an authority Group must have exactly two members (the OAuth consumer and the user), not {members}"
                    ),
                ));
            }
        }
        Ok(actor)
    }

    fn verb(&self, value: &Value, path: &str) -> Result<Verb> {
        let object = Obj::new(value, path)?;
        object.only("a Verb", &["id", "display"])?;
        let id = Iri::from_json(object.required("id", "a Verb")?, &join(path, "id"))?;
        let display = object
            .get("display")?
            .map(|v| language_map(v, &join(path, "display")))
            .transpose()?;
        Ok(Verb { id, display })
    }

    fn object(&self, value: &Value, path: &str, in_substatement: bool) -> Result<StatementObject> {
        let object = Obj::new(value, path)?;
        match object.string("objectType")? {
            None | Some("Activity") => self.activity(value, path).map(StatementObject::Activity),
            Some("Agent") => self.agent(value, path).map(StatementObject::Agent),
            Some("Group") => self.group(value, path).map(StatementObject::Group),
            Some("StatementRef") => self
                .statement_ref(value, path)
                .map(StatementObject::StatementRef),
            Some("SubStatement") if in_substatement => Err(XapiError::bad_request(
                join(path, "objectType"),
                "a SubStatement must not contain another SubStatement",
            )),
            Some("SubStatement") => self
                .substatement(value, path)
                .map(|s| StatementObject::SubStatement(Box::new(s))),
            Some(other) => Err(XapiError::bad_request(
                join(path, "objectType"),
                format!(
                    "must be one of Activity, Agent, Group, StatementRef, SubStatement, not {other:?}"
                ),
            )),
        }
    }

    fn activity(&self, value: &Value, path: &str) -> Result<Activity> {
        let object = Obj::new(value, path)?;
        if !object.map.contains_key("objectType")
            && ["mbox", "mbox_sha1sum", "openid", "account", "member"]
                .iter()
                .any(|key| object.map.contains_key(*key))
        {
            return Err(XapiError::bad_request(
                join(path, "objectType"),
                "is required when the object is an Agent or a Group",
            ));
        }
        object.only("an Activity", &["objectType", "id", "definition"])?;
        let object_type = match object.string("objectType")? {
            None => None,
            Some("Activity") => Some(ActivityType::Activity),
            Some(other) => {
                return Err(XapiError::bad_request(
                    join(path, "objectType"),
                    format!("must be \"Activity\", not {other:?}"),
                ));
            }
        };
        let id = Iri::from_json(object.required("id", "an Activity")?, &join(path, "id"))?;
        let definition = object
            .get("definition")?
            .map(|v| self.definition(v, &join(path, "definition")).map(Box::new))
            .transpose()?;
        Ok(Activity {
            object_type,
            id,
            definition,
        })
    }

    fn definition(&self, value: &Value, path: &str) -> Result<ActivityDefinition> {
        let object = Obj::new(value, path)?;
        object.only(
            "an Activity Definition",
            &[
                "name",
                "description",
                "type",
                "moreInfo",
                "interactionType",
                "correctResponsesPattern",
                "choices",
                "scale",
                "source",
                "target",
                "steps",
                "extensions",
            ],
        )?;
        let map = |key: &str| -> Result<Option<LanguageMap>> {
            object
                .get(key)?
                .map(|v| language_map(v, &join(path, key)))
                .transpose()
        };
        let iri = |key: &str| -> Result<Option<Iri>> {
            object
                .get(key)?
                .map(|v| Iri::from_json(v, &join(path, key)))
                .transpose()
        };
        let name = map("name")?;
        let description = map("description")?;
        let activity_type = iri("type")?;
        let more_info = iri("moreInfo")?;
        let interaction_type = match object.get("interactionType")? {
            None => None,
            Some(Value::String(text)) => Some(
                InteractionType::ALL
                    .iter()
                    .find(|(spelling, _)| spelling == text)
                    .map(|(_, kind)| *kind)
                    .ok_or_else(|| {
                        XapiError::bad_request(
                            join(path, "interactionType"),
                            format!(
                                "{text:?} is not an interaction type: use one of {} (exact case)",
                                InteractionType::ALL.map(|(s, _)| s).join(", ")
                            ),
                        )
                    })?,
            ),
            Some(other) => {
                return Err(wrong_type(
                    &join(path, "interactionType"),
                    "a string",
                    other,
                ));
            }
        };
        let correct_responses_pattern = match object.array("correctResponsesPattern")? {
            None => None,
            Some(items) => {
                let pattern_path = join(path, "correctResponsesPattern");
                if interaction_type.is_none() {
                    return Err(XapiError::bad_request(
                        pattern_path,
                        "is only allowed in an interaction activity: add interactionType",
                    ));
                }
                Some(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| match item {
                            Value::String(text) => Ok(text.clone()),
                            other => Err(wrong_type(&index(&pattern_path, i), "a string", other)),
                        })
                        .collect::<Result<Vec<_>>>()?,
                )
            }
        };
        let mut lists: [Option<Vec<InteractionComponent>>; 5] = Default::default();
        for (slot, key) in ["choices", "scale", "source", "target", "steps"]
            .into_iter()
            .enumerate()
        {
            let Some(items) = object.array(key)? else {
                continue;
            };
            let list_path = join(path, key);
            match interaction_type {
                None => {
                    return Err(XapiError::bad_request(
                        list_path,
                        "interaction components need an interactionType",
                    ));
                }
                Some(kind) if !kind.component_lists().contains(&key) => {
                    let supported = kind.component_lists();
                    return Err(XapiError::bad_request(
                        list_path,
                        if supported.is_empty() {
                            "this interactionType has no interaction component lists".to_string()
                        } else {
                            format!(
                                "this interactionType takes only {}",
                                supported.join(" and ")
                            )
                        },
                    ));
                }
                Some(_) => {}
            }
            lists[slot] = Some(self.components(items, &list_path)?);
        }
        let [choices, scale, source, target, steps] = lists;
        let extensions = object
            .get("extensions")?
            .map(|v| extensions(v, &join(path, "extensions")))
            .transpose()?;
        Ok(ActivityDefinition {
            name,
            description,
            activity_type,
            more_info,
            interaction_type,
            correct_responses_pattern,
            choices,
            scale,
            source,
            target,
            steps,
            extensions,
        })
    }

    fn components(&self, items: &[Value], path: &str) -> Result<Vec<InteractionComponent>> {
        let mut ids = HashSet::new();
        let mut components = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_path = index(path, i);
            let object = Obj::new(item, &item_path)?;
            object.only("an interaction component", &["id", "description"])?;
            let id = match object.required("id", "an interaction component")? {
                Value::String(id) if !id.is_empty() => id.clone(),
                Value::String(_) => {
                    return Err(XapiError::bad_request(
                        join(&item_path, "id"),
                        "must not be empty",
                    ));
                }
                other => return Err(wrong_type(&join(&item_path, "id"), "a string", other)),
            };
            if !ids.insert(id.clone()) {
                return Err(XapiError::bad_request(
                    join(&item_path, "id"),
                    format!("{id:?} is used twice: interaction component ids must be distinct"),
                ));
            }
            let description = object
                .get("description")?
                .map(|v| language_map(v, &join(&item_path, "description")))
                .transpose()?;
            components.push(InteractionComponent { id, description });
        }
        Ok(components)
    }

    fn statement_ref(&self, value: &Value, path: &str) -> Result<StatementRef> {
        let object = Obj::new(value, path)?;
        object.only("a StatementRef", &["objectType", "id"])?;
        match object.string("objectType")? {
            Some("StatementRef") => {}
            Some(other) => {
                return Err(XapiError::bad_request(
                    join(path, "objectType"),
                    format!("must be \"StatementRef\", not {other:?}"),
                ));
            }
            None => {
                return Err(XapiError::bad_request(
                    join(path, "objectType"),
                    "is required in a StatementRef and must be \"StatementRef\"",
                ));
            }
        }
        let id = Uuid::from_json(object.required("id", "a StatementRef")?, &join(path, "id"))?;
        Ok(StatementRef {
            object_type: StatementRefType::StatementRef,
            id,
        })
    }

    fn substatement(&self, value: &Value, path: &str) -> Result<SubStatement> {
        let object = Obj::new(value, path)?;
        for forbidden in ["id", "stored", "version", "authority", "attachments"] {
            if object.map.contains_key(forbidden) {
                return Err(XapiError::bad_request(
                    join(path, forbidden),
                    "is not allowed in a SubStatement",
                ));
            }
        }
        object.only("a SubStatement", &SUBSTATEMENT_KEYS)?;
        let actor = self.actor(
            object.required("actor", "a SubStatement")?,
            &join(path, "actor"),
        )?;
        let verb = self.verb(
            object.required("verb", "a SubStatement")?,
            &join(path, "verb"),
        )?;
        let inner = self.object(
            object.required("object", "a SubStatement")?,
            &join(path, "object"),
            true,
        )?;
        let result = object
            .get("result")?
            .map(|v| self.result(v, &join(path, "result")))
            .transpose()?;
        let context = object
            .get("context")?
            .map(|v| self.context(v, &join(path, "context"), &inner))
            .transpose()?;
        let timestamp = object
            .get("timestamp")?
            .map(|v| Timestamp::from_json(v, &join(path, "timestamp")))
            .transpose()?;
        Ok(SubStatement {
            object_type: SubStatementType::SubStatement,
            actor,
            verb,
            object: inner,
            result,
            context,
            timestamp,
        })
    }

    fn result(&self, value: &Value, path: &str) -> Result<StatementResult> {
        let object = Obj::new(value, path)?;
        object.only(
            "a Result",
            &[
                "score",
                "success",
                "completion",
                "response",
                "duration",
                "extensions",
            ],
        )?;
        let score = object
            .get("score")?
            .map(|v| self.score(v, &join(path, "score")))
            .transpose()?;
        let success = object.boolean("success")?;
        let completion = object.boolean("completion")?;
        let response = object.string("response")?.map(str::to_string);
        let duration = object
            .get("duration")?
            .map(|v| Duration::from_json(v, &join(path, "duration")))
            .transpose()?;
        let extensions = object
            .get("extensions")?
            .map(|v| extensions(v, &join(path, "extensions")))
            .transpose()?;
        Ok(StatementResult {
            score,
            success,
            completion,
            response,
            duration,
            extensions,
        })
    }

    fn score(&self, value: &Value, path: &str) -> Result<Score> {
        let object = Obj::new(value, path)?;
        object.only("a Score", &["scaled", "raw", "min", "max"])?;
        let scaled = object.number("scaled")?.cloned();
        let raw = object.number("raw")?.cloned();
        let min = object.number("min")?.cloned();
        let max = object.number("max")?.cloned();
        let float = |n: &Option<Number>| n.as_ref().and_then(Number::as_f64);
        if let Some(scaled) = float(&scaled)
            && !(-1.0..=1.0).contains(&scaled)
        {
            return Err(XapiError::bad_request(
                join(path, "scaled"),
                format!("must be between -1 and 1 inclusive, not {scaled}"),
            ));
        }
        if let (Some(min), Some(max)) = (float(&min), float(&max))
            && min >= max
        {
            return Err(XapiError::bad_request(
                join(path, "min"),
                format!("must be less than max ({min} is not less than {max})"),
            ));
        }
        if let Some(raw) = float(&raw) {
            if let Some(min) = float(&min)
                && raw < min
            {
                return Err(XapiError::bad_request(
                    join(path, "raw"),
                    format!("must not be below min ({raw} < {min})"),
                ));
            }
            if let Some(max) = float(&max)
                && raw > max
            {
                return Err(XapiError::bad_request(
                    join(path, "raw"),
                    format!("must not be above max ({raw} > {max})"),
                ));
            }
        }
        Ok(Score {
            scaled,
            raw,
            min,
            max,
        })
    }

    fn context(
        &self,
        value: &Value,
        path: &str,
        statement_object: &StatementObject,
    ) -> Result<Context> {
        let object = Obj::new(value, path)?;
        let allowed: &[&str] = if self.version.allows_context_agents_and_groups() {
            &[
                "registration",
                "instructor",
                "team",
                "contextActivities",
                "revision",
                "platform",
                "language",
                "statement",
                "extensions",
                "contextAgents",
                "contextGroups",
            ]
        } else {
            &[
                "registration",
                "instructor",
                "team",
                "contextActivities",
                "revision",
                "platform",
                "language",
                "statement",
                "extensions",
            ]
        };
        object.only("a Context", allowed)?;
        let registration = object
            .get("registration")?
            .map(|v| Uuid::from_json(v, &join(path, "registration")))
            .transpose()?;
        let instructor = object
            .get("instructor")?
            .map(|v| self.actor(v, &join(path, "instructor")))
            .transpose()?;
        let team = match object.get("team")? {
            None => None,
            Some(value) => {
                let team_path = join(path, "team");
                let team_object = Obj::new(value, &team_path)?;
                if team_object.string("objectType")? != Some("Group") {
                    return Err(XapiError::bad_request(
                        join(&team_path, "objectType"),
                        "a team must be a Group (objectType \"Group\")",
                    ));
                }
                Some(self.group(value, &team_path)?)
            }
        };
        let context_activities = object
            .get("contextActivities")?
            .map(|v| self.context_activities(v, &join(path, "contextActivities")))
            .transpose()?;
        let is_activity = matches!(statement_object, StatementObject::Activity(_));
        let only_for_activities = |key: &str| -> Result<Option<String>> {
            let text = object.string(key)?.map(str::to_string);
            if text.is_some() && !is_activity {
                return Err(XapiError::bad_request(
                    join(path, key),
                    "is only allowed when the statement's object is an Activity",
                ));
            }
            Ok(text)
        };
        let revision = only_for_activities("revision")?;
        let platform = only_for_activities("platform")?;
        let language = match object.get("language")? {
            None => None,
            Some(Value::String(text)) => Some(LanguageTag::parse(text, &join(path, "language"))?),
            Some(other) => return Err(wrong_type(&join(path, "language"), "a string", other)),
        };
        let statement = object
            .get("statement")?
            .map(|v| self.statement_ref(v, &join(path, "statement")))
            .transpose()?;
        let extensions = object
            .get("extensions")?
            .map(|v| extensions(v, &join(path, "extensions")))
            .transpose()?;
        let context_agents = match object.array("contextAgents")? {
            None => None,
            Some(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        self.context_agent(item, &index(&join(path, "contextAgents"), i))
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let context_groups = match object.array("contextGroups")? {
            None => None,
            Some(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        self.context_group(item, &index(&join(path, "contextGroups"), i))
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        Ok(Context {
            registration,
            instructor,
            team,
            context_activities,
            revision,
            platform,
            language,
            statement,
            extensions,
            context_agents,
            context_groups,
        })
    }

    fn context_activities(&self, value: &Value, path: &str) -> Result<ContextActivities> {
        let object = Obj::new(value, path)?;
        object.only(
            "contextActivities",
            &["parent", "grouping", "category", "other"],
        )?;
        let list = |key: &str| -> Result<Option<Vec<Activity>>> {
            let key_path = join(path, key);
            match object.get(key)? {
                None => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.activity(item, &index(&key_path, i)))
                    .collect::<Result<Vec<_>>>()
                    .map(Some),
                Some(single @ Value::Object(_)) => {
                    Ok(Some(vec![self.activity(single, &key_path)?]))
                }
                Some(other) => Err(wrong_type(
                    &key_path,
                    "an Activity or an array of Activities",
                    other,
                )),
            }
        };
        Ok(ContextActivities {
            parent: list("parent")?,
            grouping: list("grouping")?,
            category: list("category")?,
            other: list("other")?,
        })
    }

    fn relevant_types(&self, object: &Obj<'_>) -> Result<Option<Vec<Iri>>> {
        let path = join(object.path, "relevantTypes");
        match object.array("relevantTypes")? {
            None => Ok(None),
            Some(items) if items.is_empty() => Err(XapiError::bad_request(
                path,
                "must list at least one IRI when present",
            )),
            Some(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| Iri::from_json(item, &index(&path, i)))
                .collect::<Result<Vec<_>>>()
                .map(Some),
        }
    }

    fn context_agent(&self, value: &Value, path: &str) -> Result<ContextAgent> {
        let object = Obj::new(value, path)?;
        object.only("a contextAgent", &["objectType", "agent", "relevantTypes"])?;
        if object.string("objectType")? != Some("contextAgent") {
            return Err(XapiError::bad_request(
                join(path, "objectType"),
                "is required and must be \"contextAgent\"",
            ));
        }
        let agent_value = object.required("agent", "a contextAgent")?;
        let agent_path = join(path, "agent");
        if Obj::new(agent_value, &agent_path)?.string("objectType")? == Some("Group") {
            return Err(XapiError::bad_request(
                join(&agent_path, "objectType"),
                "a contextAgent's agent must be an Agent (use contextGroups for Groups)",
            ));
        }
        let agent = self.agent(agent_value, &agent_path)?;
        let relevant_types = self.relevant_types(&object)?;
        Ok(ContextAgent {
            object_type: ContextAgentType::ContextAgent,
            agent,
            relevant_types,
        })
    }

    fn context_group(&self, value: &Value, path: &str) -> Result<ContextGroup> {
        let object = Obj::new(value, path)?;
        object.only("a contextGroup", &["objectType", "group", "relevantTypes"])?;
        if object.string("objectType")? != Some("contextGroup") {
            return Err(XapiError::bad_request(
                join(path, "objectType"),
                "is required and must be \"contextGroup\"",
            ));
        }
        let group = self.group(
            object.required("group", "a contextGroup")?,
            &join(path, "group"),
        )?;
        let relevant_types = self.relevant_types(&object)?;
        Ok(ContextGroup {
            object_type: ContextGroupType::ContextGroup,
            group,
            relevant_types,
        })
    }

    fn attachment(&self, value: &Value, path: &str) -> Result<Attachment> {
        let object = Obj::new(value, path)?;
        object.only(
            "an Attachment",
            &[
                "usageType",
                "display",
                "description",
                "contentType",
                "length",
                "sha2",
                "fileUrl",
            ],
        )?;
        let usage_type = Iri::from_json(
            object.required("usageType", "an Attachment")?,
            &join(path, "usageType"),
        )?;
        let display = language_map(
            object.required("display", "an Attachment")?,
            &join(path, "display"),
        )?;
        let description = object
            .get("description")?
            .map(|v| language_map(v, &join(path, "description")))
            .transpose()?;
        let content_type = match object.required("contentType", "an Attachment")? {
            Value::String(text) => media_type(text, &join(path, "contentType"))?,
            other => return Err(wrong_type(&join(path, "contentType"), "a string", other)),
        };
        let length = match object.required("length", "an Attachment")? {
            Value::Number(number) => number.as_u64().ok_or_else(|| {
                XapiError::bad_request(
                    join(path, "length"),
                    format!("must be a non-negative integer number of octets, not {number}"),
                )
            })?,
            other => return Err(wrong_type(&join(path, "length"), "an integer", other)),
        };
        let sha2 = match object.required("sha2", "an Attachment")? {
            Value::String(text) => hex_of_length(
                text,
                &[56, 64, 96, 128],
                &join(path, "sha2"),
                "a SHA-224, SHA-256, SHA-384 or SHA-512 hash in hex",
            )?,
            other => return Err(wrong_type(&join(path, "sha2"), "a string", other)),
        };
        let file_url = object
            .get("fileUrl")?
            .map(|v| Iri::from_json(v, &join(path, "fileUrl")))
            .transpose()?;
        Ok(Attachment {
            usage_type,
            display,
            description,
            content_type,
            length,
            sha2,
            file_url,
        })
    }
}

/// An extensions map: an object whose keys are IRIs; values are anything, `null` included.
fn extensions(value: &Value, path: &str) -> Result<Map<String, Value>> {
    let object = Obj::new(value, path)?;
    for key in object.map.keys() {
        Iri::parse(key, &join(path, key))
            .map_err(|e| XapiError::bad_request(e.path, "extension keys must be absolute IRIs"))?;
    }
    Ok(object.map.clone())
}
