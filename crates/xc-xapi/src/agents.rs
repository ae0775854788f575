//! Agent identity and what a statement is "about", for the Statement resource's filters.
//!
//! Agents and Identified Groups are the same when they use the same IFI with the same value
//! (Communication 2.1.3, `agent`). [`ifi_key`] turns an IFI into one string that the store can
//! index and compare with `=`; [`StatementIndex`] lists every key and activity id a statement
//! matches for `agent`, `related_agents`, `activity`, `related_activities`, `verb` and
//! `registration`, so the store writes them once at insert time and never parses JSON to
//! answer a query.

use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

use crate::model::{
    Activity, Actor, Agent, Context, Group, Ifi, Statement, StatementObject, SubStatement,
};
use crate::types::Uuid;

/// The matching key of an IFI: `mbox:mailto:ann@example.com` (domain lower-cased),
/// `mbox_sha1sum:<40 lower-case hex>`, `openid:<IRI>`, `account:<homePage> <name>` (an IRI
/// cannot contain a space, so the split is unambiguous).
pub fn ifi_key(ifi: &Ifi) -> String {
    match ifi {
        Ifi::Mbox(mbox) => format!("mbox:{}", mbox.comparison_form()),
        Ifi::MboxSha1Sum(hex) => format!("mbox_sha1sum:{}", hex.to_ascii_lowercase()),
        Ifi::OpenId(iri) => format!("openid:{iri}"),
        Ifi::Account(account) => format!("account:{} {}", account.home_page, account.name),
    }
}

/// The keys an Agent or Group matches under the `agent` filter: its own IFI and, for a
/// Group, its members' ("Groups that have members which match the specified Agent … are
/// considered a match").
pub fn actor_keys(actor: &Actor) -> Vec<String> {
    match actor {
        Actor::Agent(agent) => vec![ifi_key(&agent.ifi)],
        Actor::Group(group) => group_keys(group),
    }
}

fn group_keys(group: &Group) -> Vec<String> {
    group
        .ifi
        .iter()
        .map(ifi_key)
        .chain(
            group
                .member
                .iter()
                .flatten()
                .map(|a: &Agent| ifi_key(&a.ifi)),
        )
        .collect()
}

/// What one statement matches, for storing beside it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatementIndex {
    /// The verb id (`verb` filter).
    pub verb: String,
    /// Keys matched by `agent` with `related_agents=false`: the actor and an Agent/Group
    /// object (with group members).
    pub agents: BTreeSet<String>,
    /// Keys matched by `agent` with `related_agents=true`: the above plus authority,
    /// instructor, team, 2.0's context agents and context groups (with members), and the same
    /// properties inside a SubStatement.
    pub related_agents: BTreeSet<String>,
    /// The object's id when it is an Activity (`activity` filter).
    pub activity: Option<String>,
    /// Ids matched by `activity` with `related_activities=true`: the object, every context
    /// activity, and the same inside a SubStatement.
    pub related_activities: BTreeSet<String>,
    /// `context.registration` (`registration` filter).
    pub registration: Option<String>,
    /// The statement this one targets with a StatementRef object: filters match through it
    /// (Communication 2.1.3, "Filter Conditions for StatementRefs"), and voiding uses it.
    pub references: Option<Uuid>,
}

impl StatementIndex {
    /// Everything `statement` matches.
    pub fn of(statement: &Statement) -> Self {
        let mut index = StatementIndex {
            verb: statement.verb.id.as_str().to_string(),
            registration: statement
                .context
                .as_ref()
                .and_then(|c| c.registration.as_ref())
                .map(|r| r.as_str().to_string()),
            ..Default::default()
        };
        index.agents.extend(actor_keys(&statement.actor));
        match &statement.object {
            StatementObject::Agent(agent) => {
                index.agents.insert(ifi_key(&agent.ifi));
            }
            StatementObject::Group(group) => index.agents.extend(group_keys(group)),
            StatementObject::Activity(activity) => {
                index.activity = Some(activity.id.as_str().to_string());
            }
            StatementObject::StatementRef(target) => index.references = Some(target.id.clone()),
            StatementObject::SubStatement(_) => {}
        }
        index.related_agents.extend(index.agents.iter().cloned());
        if let Some(authority) = &statement.authority {
            index.related_agents.extend(actor_keys(authority));
        }
        if let Some(context) = &statement.context {
            index.add_context(context);
        }
        index
            .related_activities
            .extend(index.activity.iter().cloned());
        if let StatementObject::SubStatement(sub) = &statement.object {
            index.add_substatement(sub);
        }
        index
    }

    fn add_context(&mut self, context: &Context) {
        if let Some(instructor) = &context.instructor {
            self.related_agents.extend(actor_keys(instructor));
        }
        if let Some(team) = &context.team {
            self.related_agents.extend(group_keys(team));
        }
        // 2.0: "Context Agent, Context Group" are among the properties related_agents matches.
        for entry in context.context_agents.iter().flatten() {
            self.related_agents.insert(ifi_key(&entry.agent.ifi));
        }
        for entry in context.context_groups.iter().flatten() {
            self.related_agents.extend(group_keys(&entry.group));
        }
        if let Some(activities) = &context.context_activities {
            self.related_activities.extend(
                activities
                    .all()
                    .map(|a: &Activity| a.id.as_str().to_string()),
            );
        }
    }

    fn add_substatement(&mut self, sub: &SubStatement) {
        self.related_agents.extend(actor_keys(&sub.actor));
        match &sub.object {
            StatementObject::Agent(agent) => {
                self.related_agents.insert(ifi_key(&agent.ifi));
            }
            StatementObject::Group(group) => self.related_agents.extend(group_keys(group)),
            StatementObject::Activity(activity) => {
                self.related_activities
                    .insert(activity.id.as_str().to_string());
            }
            StatementObject::StatementRef(_) | StatementObject::SubStatement(_) => {}
        }
        if let Some(context) = &sub.context {
            self.add_context(context);
        }
    }
}

/// The Person Object of the Agents resource (Communication 2.4): every name and identifier of
/// the agents the LRS knows to be one person (at least the one asked for), each listed once, in
/// the order given.
pub fn person(agents: &[Agent]) -> Value {
    let mut object = Map::new();
    object.insert("objectType".into(), json!("Person"));
    let mut push = |key: &str, value: Value| {
        let list = object
            .entry(key.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list
            && !items.contains(&value)
        {
            items.push(value);
        }
    };
    for agent in agents {
        if let Some(name) = &agent.name {
            push("name", json!(name));
        }
        match &agent.ifi {
            Ifi::Mbox(mbox) => push("mbox", json!(mbox.as_str())),
            Ifi::MboxSha1Sum(hex) => push("mbox_sha1sum", json!(hex)),
            Ifi::OpenId(iri) => push("openid", json!(iri.as_str())),
            Ifi::Account(account) => push(
                "account",
                json!({"homePage": account.home_page.as_str(), "name": account.name}),
            ),
        }
    }
    Value::Object(object)
}
