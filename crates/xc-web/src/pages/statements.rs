//! Statement search, `/bank/statements` (issue 5 §6): what the city's learning platforms reported
//! to the learning record store, newest first, thirty a page, filtered by the learner's e-mail,
//! verb, activity, platform and dates. Credit-bank staff, city administrators and auditors search
//! every platform's statements; provider staff only those of their institution's platforms.
//! The filter is read by `xc_xapi::query::StatementQuery`, as `GET /xapi/statements` reads it,
//! and the page asks the store exactly what that resource would. A search for one person (an
//! e-mail) is a staff read of personal data and is audited (`statements.search`), with the
//! actor's keyed hash (`xc_bank::learning_records::actor_hash`, as the erasure's audit keeps
//! it), never the address itself.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use time::Date;
use time::macros::offset;
use xc_bank::learning_records::{actor_hash, item_of};
use xc_domain::{Action, Principal, Role, Scope};
use xc_store::{AuditEvent, LrsClientRecord, StatementCursor, StatementPage, StoredStatement};
use xc_xapi::model::{Actor, Ifi, StatementObject};
use xc_xapi::query::{Selection, StatementQuery};
use xc_xapi::types::Timestamp;

use super::templates::{StatementRow, StatementsPage, VerbOption};
use super::{Chrome, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::points::parse_day;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::{Lang, Text};
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/bank/statements", get(search))
}

/// Statements a page shows.
const PER_PAGE: u32 = 30;

/// The verbs offered in the form (ADL's registry), with their Chinese and English words; any
/// other verb IRI may still be given in the query string.
const VERBS: [(&str, &str, &str); 8] = [
    (
        "http://adlnet.gov/expapi/verbs/completed",
        "完成",
        "completed",
    ),
    ("http://adlnet.gov/expapi/verbs/passed", "通过", "passed"),
    ("http://adlnet.gov/expapi/verbs/failed", "未通过", "failed"),
    (
        "http://adlnet.gov/expapi/verbs/attended",
        "参加",
        "attended",
    ),
    (
        "http://adlnet.gov/expapi/verbs/experienced",
        "体验",
        "experienced",
    ),
    (
        "http://adlnet.gov/expapi/verbs/registered",
        "报名",
        "registered",
    ),
    (
        "http://adlnet.gov/expapi/verbs/answered",
        "作答",
        "answered",
    ),
    (
        "http://adlnet.gov/expapi/verbs/launched",
        "开始",
        "launched",
    ),
];

/// The form's fields, all optional. Unknown fields are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    verb: String,
    #[serde(default)]
    activity: String,
    /// Stored on or after this day (Beijing time), `YYYY-MM-DD`.
    #[serde(default)]
    since: String,
    /// Stored on or before this day.
    #[serde(default)]
    until: String,
    /// An LRS client's key.
    #[serde(default)]
    platform: String,
    /// The cursor of the next page.
    #[serde(default)]
    more: String,
}

impl SearchForm {
    /// The query string of this search without the cursor, for the next page's link.
    fn query_string(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("email", &self.email),
            ("verb", &self.verb),
            ("activity", &self.activity),
            ("since", &self.since),
            ("until", &self.until),
            ("platform", &self.platform),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        query.finish()
    }
}

/// A day of the form (`YYYY-MM-DD`), if one was given; refused naming the field otherwise.
fn optional_day(text: &str, field: &'static str) -> AppResult<Option<Date>> {
    let text = text.trim();
    (!text.is_empty())
        .then(|| parse_day(text, field))
        .transpose()
}

/// A microsecond before `date` begins in Beijing time: the store's `since` is strictly after
/// and its `until` at or before, so the first day's start and the day after the last are
/// both moved back by one.
fn just_before(date: Date) -> Timestamp {
    Timestamp::from_datetime(
        date.midnight().assume_offset(offset!(+8)) - time::Duration::microseconds(1),
    )
}

/// The platforms the principal may search: every one, or their institution's.
fn searchable(principal: &Principal, clients: Vec<LrsClientRecord>) -> Vec<LrsClientRecord> {
    match (principal.role, &principal.scope) {
        (Role::ProviderStaff, Scope::Institution(institution)) => clients
            .into_iter()
            .filter(|c| c.institution == Some(*institution))
            .collect(),
        (Role::ProviderStaff, _) => Vec::new(),
        _ => clients,
    }
}

/// The store's question for the form: the xAPI filter (read by `StatementQuery`, as the
/// resource reads it) and the cursor.
fn filter_of(form: &SearchForm) -> AppResult<(xc_xapi::query::Filter, Option<StatementCursor>)> {
    let email = form.email.trim();
    if !email.is_empty() && (!email.contains('@') || email.contains(char::is_whitespace)) {
        return Err(AppError::invalid(
            "email",
            format!("{email:?} is not an e-mail address"),
        ));
    }
    let since = optional_day(&form.since, "since")?;
    let until = optional_day(&form.until, "until")?;
    if let (Some(since), Some(until)) = (since, until)
        && until < since
    {
        return Err(AppError::invalid(
            "until",
            "the last day is before the first day",
        ));
    }
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !email.is_empty() {
        pairs.push((
            "agent",
            serde_json::json!({ "mbox": format!("mailto:{email}") }).to_string(),
        ));
    }
    for (name, value) in [("verb", &form.verb), ("activity", &form.activity)] {
        if !value.trim().is_empty() {
            pairs.push((name, value.trim().to_owned()));
        }
    }
    let query = StatementQuery::parse(pairs.iter().map(|(name, value)| (*name, value.as_str())))
        .map_err(|error| AppError::invalid(error.path, error.reason))?;
    let Selection::Filter(mut filter) = query.selection else {
        return Err(AppError::invalid("query", "a search, not one statement"));
    };
    filter.limit = PER_PAGE;
    filter.since = since.map(just_before);
    filter.until = until.map(|day| just_before(day.next_day().unwrap_or(day)));
    let more = form.more.trim();
    let cursor = if more.is_empty() {
        None
    } else {
        Some(StatementCursor::decode(more)?)
    };
    Ok((*filter, cursor))
}

/// Who did it (or what a non-Activity object is), as staff read it: the name the platform gave
/// and the identifier.
fn who(name: Option<&str>, ifi: Option<&Ifi>) -> String {
    let ifi = ifi.map(|ifi| match ifi {
        Ifi::Mbox(mbox) => mbox.as_str().trim_start_matches("mailto:").to_owned(),
        Ifi::MboxSha1Sum(hex) => format!("sha1 {}", &hex[..hex.len().min(12)]),
        Ifi::OpenId(iri) => iri.as_str().to_owned(),
        Ifi::Account(account) => format!("{} @ {}", account.name, account.home_page.as_str()),
    });
    match (name, ifi) {
        (Some(name), Some(ifi)) => format!("{name} · {ifi}"),
        (Some(name), None) => name.to_owned(),
        (None, Some(ifi)) => ifi,
        (None, None) => String::new(),
    }
}

fn actor_words(actor: &Actor) -> String {
    match actor {
        Actor::Agent(agent) => who(agent.name.as_deref(), Some(&agent.ifi)),
        Actor::Group(group) => who(group.name.as_deref(), group.ifi.as_ref()),
    }
}

/// A statement as staff read it. The verb, the activity, the platform and the score are the
/// archive's reading of a statement (`xc_bank::learning_records::item_of`); a stored statement
/// always has the id and `stored` that reading needs.
fn row(
    stored: &StoredStatement,
    platforms: &HashMap<i64, String>,
    t: &'static Text,
    lang: Lang,
) -> Option<StatementRow> {
    let item = item_of(stored, platforms)?;
    let statement = &stored.statement;
    let (verb, activity) = match lang {
        Lang::Zh => (item.verb_zh, item.activity_zh),
        Lang::En => (item.verb_en, item.activity_en),
    };
    let object = match &statement.object {
        StatementObject::Activity(_) => activity.or(item.activity_id).unwrap_or_default(),
        StatementObject::Agent(agent) => who(agent.name.as_deref(), Some(&agent.ifi)),
        StatementObject::Group(group) => who(group.name.as_deref(), group.ifi.as_ref()),
        StatementObject::StatementRef(reference) => reference.id.as_str().to_owned(),
        StatementObject::SubStatement(_) => "SubStatement".to_owned(),
    };
    let mut result = Vec::new();
    if let Some(scaled) = item.scaled {
        result.push(format!("{:.0}%", scaled * 100.0));
    }
    let outcome = statement.result.as_ref();
    if outcome.and_then(|r| r.completion) == Some(true) {
        result.push("✔".to_owned());
    }
    match outcome.and_then(|r| r.success) {
        Some(true) => result.push(t.check_ok.to_owned()),
        Some(false) => result.push(t.check_failed.to_owned()),
        None => {}
    }
    Some(StatementRow {
        stored: statement
            .stored
            .as_ref()
            .map(|at| date_time(at.datetime()))
            .unwrap_or_default(),
        actor: actor_words(&statement.actor),
        verb,
        object,
        result: result.join(" "),
        platform: item.provider.unwrap_or_default(),
        voided: stored.voided,
    })
}

async fn search(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<SearchForm>, AppError>,
) -> Response {
    let result = async {
        let principal = identity.require_to(
            Action::SearchStatements,
            "only staff search the learning records",
        )?;
        let ApiQuery(form) = query?;
        let chrome = Chrome::new(&identity, uri.path());
        let lang = chrome.lang;
        let platforms = searchable(principal, state.store.list_lrs_clients().await?);
        let chosen = form.platform.trim();
        let client = if chosen.is_empty() {
            None
        } else {
            Some(
                platforms
                    .iter()
                    .find(|c| c.key == chosen)
                    .ok_or_else(|| {
                        AppError::invalid("platform", "no platform you may search has this key")
                    })?
                    .id,
            )
        };
        let (filter, cursor) = filter_of(&form)?;
        // Provider staff read only what their own platforms stored: the one chosen, else the
        // first; with no platform, nothing.
        let own_only = principal.role == Role::ProviderStaff;
        let client = match client {
            Some(id) => Some(id),
            None if own_only => platforms.first().map(|c| c.id),
            None => None,
        };
        let statements = if own_only && client.is_none() {
            StatementPage {
                statements: Vec::new(),
                more: None,
            }
        } else {
            if let Some(Actor::Agent(agent)) = &filter.agent {
                let audit = AuditEvent::new(
                    identity.actor(),
                    "statements.search",
                    "xapi_actor",
                    actor_hash(&state.vault, agent),
                );
                state.store.append_audit(&audit).await?;
            }
            state
                .store
                .query_statements_of(&filter, cursor.as_ref(), client)
                .await?
        };
        let names: HashMap<i64, String> =
            platforms.iter().map(|c| (c.id, c.name.clone())).collect();
        let rows = statements
            .statements
            .iter()
            .filter_map(|s| row(s, &names, chrome.t, lang))
            .collect();
        let next = statements.more.map(|more| {
            let base = form.query_string();
            let sep = if base.is_empty() { "" } else { "&" };
            format!("/bank/statements?{base}{sep}more={}", more.encode())
        });
        let platform_options = platforms
            .iter()
            .map(|c| (c.key.clone(), c.name.clone(), c.key == chosen))
            .collect();
        let verb_options = VERBS
            .iter()
            .map(|(iri, zh, en)| VerbOption {
                iri,
                label: if lang == Lang::Zh { zh } else { en },
                selected: form.verb.trim() == *iri,
            })
            .collect();
        render(&StatementsPage {
            chrome,
            rows,
            next,
            email: form.email.trim().to_owned(),
            activity: form.activity.trim().to_owned(),
            since: form.since.trim().to_owned(),
            until: form.until.trim().to_owned(),
            verb_options,
            platform_options,
            all_platforms: !own_only,
            searched_at: date_time(state.config.clock.now()),
        })
    }
    .await;
    page(&identity, &uri, result)
}
