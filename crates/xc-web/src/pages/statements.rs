//! Statement search, `/bank/statements` (issue 5 §6): what the city's learning platforms reported
//! to the learning record store, newest first, thirty a page, filtered by the learner's e-mail,
//! verb, activity, platform and dates. Credit-bank staff, city administrators and auditors search
//! every platform's statements; provider staff only those of their institution's platforms.
//! The filter is read by `xc_xapi::query::StatementQuery`, as `GET /xapi/statements` reads it,
//! and the page asks the store exactly what that resource would. A search for one person (an
//! e-mail) is a staff read of personal data and is audited (`statements.search`), with the
//! address's SHA-256, never the address itself.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::macros::{format_description, offset, time};
use time::{Date, OffsetDateTime};
use xc_domain::{Action, Principal, Role, Scope};
use xc_store::{AuditEvent, LrsClientRecord, StatementCursor, StoredStatement};
use xc_xapi::format::AcceptLanguage;
use xc_xapi::model::{Actor, StatementObject};
use xc_xapi::query::{Selection, StatementQuery};

use super::templates::{StatementRow, StatementsPage, VerbOption};
use super::{Chrome, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::Lang;
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

/// `YYYY-MM-DD` as a day, or 400 naming the field.
fn day(text: &str, field: &'static str) -> AppResult<Option<Date>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| AppError::invalid(field, format!("{text:?} is not a date like 2026-11-29")))
}

/// The start of `date` in Beijing time, as an xAPI timestamp.
fn start_of(date: Date) -> String {
    let at = date.with_time(time!(00:00)).assume_offset(offset!(+8));
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
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
    let since = day(&form.since, "since")?;
    let until = day(&form.until, "until")?;
    if let (Some(since), Some(until)) = (since, until)
        && until < since
    {
        return Err(AppError::invalid(
            "until",
            "the last day is before the first day",
        ));
    }
    let mut pairs: Vec<(&str, String)> = vec![("limit", PER_PAGE.to_string())];
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
    if let Some(since) = since {
        // The store's `since` is strictly after: a microsecond before the day starts.
        let before = since.with_time(time!(00:00)).assume_offset(offset!(+8))
            - time::Duration::microseconds(1);
        pairs.push((
            "since",
            before
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        ));
    }
    if let Some(until) = until {
        let end = until.next_day().map_or_else(|| start_of(until), start_of);
        pairs.push(("until", end));
    }
    let query = StatementQuery::parse(pairs.iter().map(|(name, value)| (*name, value.as_str())))
        .map_err(|error| AppError::invalid(error.path, error.reason))?;
    let Selection::Filter(filter) = query.selection else {
        return Err(AppError::invalid("query", "a search, not one statement"));
    };
    let more = form.more.trim();
    let cursor = if more.is_empty() {
        None
    } else {
        Some(StatementCursor::decode(more)?)
    };
    Ok((*filter, cursor))
}

/// One entry of a language map in the reader's language (Chinese or English first).
fn words(map: Option<&xc_xapi::types::LanguageMap>, lang: Lang) -> Option<String> {
    let wanted = match lang {
        Lang::Zh => "zh-CN, zh;q=0.9, en;q=0.5",
        Lang::En => "en, zh;q=0.5",
    };
    map.and_then(|map| AcceptLanguage::parse(wanted).pick(map))
        .map(|(_, text)| text.clone())
}

/// Who did it, as staff read it: the name the platform gave and the identifier.
fn actor_words(actor: &Actor) -> String {
    let (name, ifi) = match actor {
        Actor::Agent(agent) => (agent.name.as_deref(), Some(&agent.ifi)),
        Actor::Group(group) => (group.name.as_deref(), group.ifi.as_ref()),
    };
    let ifi = ifi.map(|ifi| match ifi {
        xc_xapi::model::Ifi::Mbox(mbox) => mbox.as_str().trim_start_matches("mailto:").to_owned(),
        xc_xapi::model::Ifi::MboxSha1Sum(hex) => format!("sha1 {}", &hex[..hex.len().min(12)]),
        xc_xapi::model::Ifi::OpenId(iri) => iri.as_str().to_owned(),
        xc_xapi::model::Ifi::Account(account) => {
            format!("{} @ {}", account.name, account.home_page.as_str())
        }
    });
    match (name, ifi) {
        (Some(name), Some(ifi)) => format!("{name} · {ifi}"),
        (Some(name), None) => name.to_owned(),
        (None, Some(ifi)) => ifi,
        (None, None) => String::new(),
    }
}

fn row(stored: &StoredStatement, platforms: &HashMap<i64, String>, lang: Lang) -> StatementRow {
    let statement = &stored.statement;
    let verb = words(statement.verb.display.as_ref(), lang).unwrap_or_else(|| {
        let id = statement.verb.id.as_str();
        id.rsplit('/').next().unwrap_or(id).to_owned()
    });
    let object = match &statement.object {
        StatementObject::Activity(activity) => activity
            .definition
            .as_ref()
            .and_then(|d| words(d.name.as_ref(), lang))
            .unwrap_or_else(|| activity.id.as_str().to_owned()),
        StatementObject::Agent(agent) => actor_words(&Actor::Agent(agent.clone())),
        StatementObject::Group(group) => actor_words(&Actor::Group(group.clone())),
        StatementObject::StatementRef(reference) => reference.id.as_str().to_owned(),
        StatementObject::SubStatement(_) => "SubStatement".to_owned(),
    };
    let result = statement.result.as_ref().map(|result| {
        let mut parts = Vec::new();
        if let Some(scaled) = result
            .score
            .as_ref()
            .and_then(|s| s.scaled.as_ref())
            .and_then(serde_json::Number::as_f64)
        {
            parts.push(format!("{:.0}%", scaled * 100.0));
        }
        if result.completion == Some(true) {
            parts.push("✔".to_owned());
        }
        match result.success {
            Some(true) => parts.push(if lang == Lang::Zh { "通过" } else { "passed" }.to_owned()),
            Some(false) => parts.push(
                if lang == Lang::Zh {
                    "未通过"
                } else {
                    "failed"
                }
                .to_owned(),
            ),
            None => {}
        }
        parts.join(" ")
    });
    StatementRow {
        stored: statement
            .stored
            .as_ref()
            .map(|t| date_time(t.datetime()))
            .unwrap_or_default(),
        actor: actor_words(&statement.actor),
        verb,
        object,
        result: result.unwrap_or_default(),
        platform: stored
            .client
            .and_then(|id| platforms.get(&id).cloned())
            .unwrap_or_default(),
        voided: stored.voided,
    }
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
        // Provider staff read only what their own platforms stored.
        let own_only = principal.role == Role::ProviderStaff;
        let page_read = match (client, own_only, platforms.first()) {
            (Some(id), _, _) => Some(id),
            (None, true, Some(first)) => Some(first.id),
            (None, true, None) => None,
            (None, false, _) => None,
        };
        let statements = if own_only && page_read.is_none() {
            xc_store::StatementPage {
                statements: Vec::new(),
                more: None,
            }
        } else {
            if !form.email.trim().is_empty() {
                let digest =
                    hex::encode(Sha256::digest(form.email.trim().to_lowercase().as_bytes()));
                let audit = AuditEvent::new(
                    identity.actor(),
                    "statements.search",
                    "xapi_agent",
                    format!("mbox-sha256:{digest}"),
                );
                state.store.append_audit(&audit).await?;
            }
            state
                .store
                .query_statements_of(&filter, cursor.as_ref(), page_read)
                .await?
        };
        let names: HashMap<i64, String> =
            platforms.iter().map(|c| (c.id, c.name.clone())).collect();
        let rows = statements
            .statements
            .iter()
            .map(|s| row(s, &names, lang))
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
            searched_at: date_time(OffsetDateTime::now_utc()),
        })
    }
    .await;
    page(&identity, &uri, result)
}
