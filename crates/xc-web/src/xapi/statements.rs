//! The Statement resource (Communication 2.1): PUT one statement by id, POST one or a batch,
//! GET one (`statementId`, `voidedStatementId`) or a filtered page with a `more` link, in
//! `application/json` or, with attachments, `multipart/mixed`; signed statements are checked
//! before anything is stored. Every statement is validated whole by `xc_xapi` first, then
//! assigned `id`, `stored`, `timestamp`, `version` and the client's `authority`
//! (`Statement::assign`), then stored in one transaction with its attachments: a refusal stores
//! nothing.

use std::collections::HashMap;

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_store::{AttachmentContent, LrsClientRecord, StatementCursor, StatementPage};
use xc_xapi::XapiVersion;
use xc_xapi::format::{AcceptLanguage, CanonicalSource, Format};
use xc_xapi::model::{ActivityDefinition, Assigned, Statement, StatementObject};
use xc_xapi::multipart::{
    AttachmentPart, MultipartLimits, match_attachments, split_statement_request,
};
use xc_xapi::query::{Selection, StatementQuery};
use xc_xapi::scope::{Access, StatementReach};
use xc_xapi::types::{Iri, LanguageMap, Timestamp, Uuid};

use super::clients::{authenticate, authority, require};
use super::request::{XapiRequest, bad};
use super::{Lrs, with_version};
use crate::AppState;
use crate::error::{AppError, AppResult};

/// The `more` paging parameter (ours: the spec leaves the `more` IRL to the LRS).
const MORE: &str = "more";

pub(crate) async fn handle(state: &AppState, request: XapiRequest) -> AppResult<Response> {
    let client = authenticate(&*state.store, &request).await?;
    let version = request.version()?;
    let response = match request.method {
        Method::PUT => {
            require(&client, Access::WriteStatements)?;
            let statement_id = request.param("statementId").map(str::to_owned);
            if let Some(other) = request
                .params
                .iter()
                .find(|(name, _)| name != "statementId")
            {
                return Err(bad(&other.0, "is not a parameter of PUT statements"));
            }
            let statement_id =
                statement_id.ok_or_else(|| bad("statementId", "is required for PUT"))?;
            store(state, &client, version, &request, Some(&statement_id)).await?;
            StatusCode::NO_CONTENT.into_response()
        }
        Method::POST => {
            require(&client, Access::WriteStatements)?;
            if let Some((name, _)) = request.params.first() {
                return Err(bad(name, "POST statements takes no parameters"));
            }
            let ids = store(state, &client, version, &request, None).await?;
            let ids: Vec<&str> = ids.iter().map(Uuid::as_str).collect();
            axum::Json(json!(ids)).into_response()
        }
        Method::GET => {
            require(&client, Access::ReadStatements)?;
            let only_mine = match xc_xapi::scope::statement_reach(&client.scopes) {
                Some(StatementReach::OnlyMine) => Some(client.id),
                _ => None,
            };
            read(state, &request, only_mine).await?
        }
        _ => {
            return Err(bad(
                "method",
                "the Statement resource takes GET, HEAD, PUT and POST",
            ));
        }
    };
    Ok(with_version(response, version))
}

/// Validates, assigns and stores the statements of a PUT (`put_id`) or POST; returns their ids.
async fn store(
    state: &AppState,
    client: &LrsClientRecord,
    version: XapiVersion,
    request: &XapiRequest,
    put_id: Option<&str>,
) -> AppResult<Vec<Uuid>> {
    let content_type = request
        .header("content-type")
        .unwrap_or_default()
        .to_owned();
    let (json_bytes, parts) = match request.content_type().as_deref() {
        Some("multipart/mixed") => {
            let split =
                split_statement_request(&content_type, &request.body, MultipartLimits::default())
                    .map_err(AppError::Xapi)?;
            (split.statements, split.attachments)
        }
        Some("application/json") => (&request.body[..], Vec::new()),
        other => {
            return Err(bad(
                "Content-Type",
                format!(
                    "statements are sent as application/json or multipart/mixed, not {other:?}"
                ),
            ));
        }
    };
    let value = xc_xapi::parse_strict(json_bytes).map_err(AppError::Xapi)?;
    let statements = match put_id {
        Some(id) => {
            vec![xc_xapi::parse_put_statement(Some(id), &value, version).map_err(AppError::Xapi)?]
        }
        None => xc_xapi::parse_statements(&value, version).map_err(AppError::Xapi)?,
    };
    match_attachments(&statements, &parts).map_err(AppError::Xapi)?;
    for (position, statement) in statements.iter().enumerate() {
        let Some(signature) = statement.signature_attachments().next() else {
            continue;
        };
        let part = parts
            .iter()
            .find(|part| part.sha2.eq_ignore_ascii_case(&signature.sha2))
            .ok_or_else(|| {
                bad(
                    "signature",
                    "a signed statement must send its JWS as a part",
                )
            })?;
        xc_xapi::signature::check_signature(statement, part.body, version).map_err(|error| {
            AppError::Xapi(if statements.len() > 1 {
                error.under(&format!("[{position}]"))
            } else {
                error
            })
        })?;
    }
    let contents = attachment_contents(&statements, &parts);
    let authority = authority(client, &state.issuer.profile().base_url)?;
    let lrs: &Lrs = &state.lrs;
    let in_flight = lrs.begin_write();
    let stored = Timestamp::from_datetime(in_flight.stored());
    let assigned: Vec<Statement> = statements
        .into_iter()
        .map(|statement| {
            statement.assign(Assigned {
                id_if_absent: random_uuid(),
                stored,
                authority: authority.clone(),
                version,
            })
        })
        .collect();
    state
        .store
        .insert_statements_from(Some(client.id), &assigned, &contents)
        .await?;
    drop(in_flight);
    // Joining archives and awarding points follows the answer (docs/xapi.md, "Integration").
    crate::learning_records::integrate_later(state);
    Ok(assigned.into_iter().filter_map(|s| s.id).collect())
}

/// The attachments' bytes to store: each part once, typed as its statement attachment says.
fn attachment_contents(
    statements: &[Statement],
    parts: &[AttachmentPart<'_>],
) -> Vec<AttachmentContent> {
    let mut seen = std::collections::HashSet::new();
    parts
        .iter()
        .filter(|part| seen.insert(part.sha2.clone()))
        .map(|part| {
            let declared = statements
                .iter()
                .flat_map(|s| s.attachments.iter().flatten())
                .find(|a| a.sha2.eq_ignore_ascii_case(&part.sha2))
                .map(|a| a.content_type.clone());
            AttachmentContent {
                sha2: part.sha2.clone(),
                content_type: declared
                    .or_else(|| part.content_type.clone())
                    .unwrap_or_else(|| "application/octet-stream".into()),
                content: part.body.to_vec(),
            }
        })
        .collect()
}

/// A fresh random (version 4) UUID.
pub(crate) fn random_uuid() -> Uuid {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("operating system random source");
    Uuid::from_random_bytes(bytes)
}

/// GET statements: one, or a page.
async fn read(
    state: &AppState,
    request: &XapiRequest,
    only_mine: Option<i64>,
) -> AppResult<Response> {
    let cursor = request
        .param(MORE)
        .map(|text| {
            StatementCursor::decode(text).map_err(|_| {
                bad(
                    MORE,
                    "is not a link this LRS gave out: start the query again",
                )
            })
        })
        .transpose()?;
    let query = StatementQuery::parse(request.pairs_without(&[MORE])).map_err(AppError::Xapi)?;
    let languages = AcceptLanguage::parse(request.header("accept-language").unwrap_or_default());
    let consistent_through = state.lrs.consistent_through();
    let (body, statements, last_modified) = match &query.selection {
        Selection::Single { id, voided } => {
            if cursor.is_some() {
                return Err(bad(
                    MORE,
                    "cannot be used with statementId or voidedStatementId",
                ));
            }
            let found = state.store.get_statement(id, *voided).await?;
            if only_mine.is_some() && found.client != only_mine {
                return Err(AppError::NotFound { what: "statement" });
            }
            let stored = found.statement.stored.as_ref().map(Timestamp::datetime);
            let statement = formatted(state, &found.statement, query.format, &languages).await?;
            let body = serde_json::to_value(&statement).unwrap_or(Value::Null);
            (body, vec![found.statement], stored)
        }
        Selection::Filter(filter) => {
            let page: StatementPage = state
                .store
                .query_statements_of(filter, cursor.as_ref(), only_mine)
                .await?;
            let more = page
                .more
                .map(|cursor| more_link(request, &cursor))
                .unwrap_or_default();
            let mut out = Vec::with_capacity(page.statements.len());
            for stored in &page.statements {
                let statement =
                    formatted(state, &stored.statement, query.format, &languages).await?;
                out.push(serde_json::to_value(&statement).unwrap_or(Value::Null));
            }
            let last = page
                .statements
                .iter()
                .filter_map(|s| s.statement.stored.as_ref().map(Timestamp::datetime))
                .max();
            let statements = page.statements.into_iter().map(|s| s.statement).collect();
            (json!({"statements": out, "more": more}), statements, last)
        }
    };
    let mut response = if query.attachments {
        multipart_response(state, &body, &statements).await?
    } else {
        axum::Json(body).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        super::CONSISTENT_THROUGH,
        header_value(&Timestamp::from_datetime(consistent_through).to_rfc3339())?,
    );
    if let Some(at) = last_modified {
        headers.insert(header::LAST_MODIFIED, header_value(&http_date(at))?);
    }
    Ok(response)
}

/// The `more` IRL: the same query with the cursor.
fn more_link(request: &XapiRequest, cursor: &StatementCursor) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in request.pairs_without(&[MORE]) {
        query.append_pair(name, value);
    }
    query.append_pair(MORE, &cursor.encode());
    format!("/xapi/statements?{}", query.finish())
}

/// Canonical definitions read from the store for the activities of one statement.
struct Definitions(HashMap<String, ActivityDefinition>);

impl CanonicalSource for Definitions {
    fn activity_definition(&self, id: &Iri) -> Option<ActivityDefinition> {
        self.0.get(id.as_str()).cloned()
    }

    fn verb_display(&self, _id: &Iri) -> Option<LanguageMap> {
        None
    }
}

async fn formatted(
    state: &AppState,
    statement: &Statement,
    format: Format,
    languages: &AcceptLanguage,
) -> AppResult<Statement> {
    Ok(match format {
        Format::Exact => statement.clone(),
        Format::Ids => xc_xapi::format::to_ids(statement),
        Format::Canonical => {
            let mut definitions = HashMap::new();
            for id in activity_ids(statement) {
                if let Some(definition) = state.store.activity_definition(&id).await? {
                    definitions.insert(id, definition);
                }
            }
            xc_xapi::format::to_canonical(statement, &Definitions(definitions), languages)
        }
    })
}

/// Every activity id a statement names (object, context activities, inside a SubStatement).
fn activity_ids(statement: &Statement) -> Vec<String> {
    let mut ids = Vec::new();
    let mut contexts = vec![statement.context.as_ref()];
    match &statement.object {
        StatementObject::Activity(activity) => ids.push(activity.id.as_str().to_owned()),
        StatementObject::SubStatement(sub) => {
            if let StatementObject::Activity(activity) = &sub.object {
                ids.push(activity.id.as_str().to_owned());
            }
            contexts.push(sub.context.as_ref());
        }
        _ => {}
    }
    for context in contexts.into_iter().flatten() {
        if let Some(activities) = &context.context_activities {
            ids.extend(activities.all().map(|a| a.id.as_str().to_owned()));
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// A `multipart/mixed` answer: the JSON first, then each attachment the statements carry (by
/// hash, once).
async fn multipart_response(
    state: &AppState,
    body: &Value,
    statements: &[Statement],
) -> AppResult<Response> {
    let mut hashes: Vec<String> = statements
        .iter()
        .flat_map(|s| s.attachments.iter().flatten())
        .map(|a| a.sha2.to_ascii_lowercase())
        .collect();
    hashes.sort();
    hashes.dedup();
    let attachments = if hashes.is_empty() {
        Vec::new()
    } else {
        state.store.attachments(&hashes).await?
    };
    let boundary = format!("xapi-{}", random_uuid().as_str());
    let mut out = Vec::new();
    out.extend_from_slice(
        format!("--{boundary}\r\nContent-Type: application/json\r\n\r\n").as_bytes(),
    );
    out.extend_from_slice(body.to_string().as_bytes());
    for attachment in &attachments {
        out.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Type: {}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {}\r\n\r\n",
                attachment.content_type, attachment.sha2
            )
            .as_bytes(),
        );
        out.extend_from_slice(&attachment.content);
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok((
        [(
            header::CONTENT_TYPE,
            header_value(&format!("multipart/mixed; boundary={boundary}"))?,
        )],
        out,
    )
        .into_response())
}

pub(crate) fn header_value(text: &str) -> AppResult<HeaderValue> {
    HeaderValue::from_str(text).map_err(|e| AppError::Internal(e.into()))
}

/// An HTTP date (RFC 9110 IMF-fixdate) for `Last-Modified`.
pub(crate) fn http_date(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}
