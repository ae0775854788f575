//! The document resources (Communication 2.2, 2.3, 2.6, 2.7): State (`activities/state`),
//! Activity Profile (`activities/profile`) and Agent Profile (`agents/profile`). One document
//! is read with its `ETag` and `Last-Modified`; without the id, GET lists the ids (changed after
//! `since`) and State's DELETE removes them all. Writes go to the store with their
//! preconditions (If-Match / If-None-Match), which it checks in the same transaction.

use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use xc_store::{DocumentScope, DocumentWrite};
use xc_xapi::documents::{DocumentMethod, DocumentRequest, DocumentResource, DocumentTarget};
use xc_xapi::scope::Access;

use super::clients::{authenticate, require};
use super::request::{XapiRequest, bad};
use super::statements::{header_value, http_date};
use super::with_version;
use crate::AppState;
use crate::error::{AppError, AppResult};

pub(crate) async fn handle(
    state: &AppState,
    resource: DocumentResource,
    request: XapiRequest,
) -> AppResult<Response> {
    let client = authenticate(&*state.store, &request).await?;
    let version = request.version()?;
    require(
        &client,
        match resource {
            DocumentResource::State => Access::State,
            _ => Access::Profile,
        },
    )?;
    let method = match request.method {
        Method::GET => DocumentMethod::Get,
        Method::PUT => DocumentMethod::Put,
        Method::POST => DocumentMethod::Post,
        Method::DELETE => DocumentMethod::Delete,
        _ => {
            return Err(bad(
                "method",
                "this resource takes GET, HEAD, PUT, POST and DELETE",
            ));
        }
    };
    let parsed = DocumentRequest::parse(resource, method, request.pairs_without(&[]))
        .map_err(AppError::Xapi)?;
    let scope = DocumentScope::of(&parsed);
    let response = match (&parsed.target, method) {
        (DocumentTarget::One(id), DocumentMethod::Get) => {
            let document = state
                .store
                .document(&scope, id)
                .await?
                .ok_or(AppError::NotFound { what: "document" })?;
            (
                [
                    (header::CONTENT_TYPE, header_value(&document.content_type)?),
                    (header::ETAG, header_value(&document.etag)?),
                    (
                        header::LAST_MODIFIED,
                        header_value(&http_date(document.updated))?,
                    ),
                ],
                document.contents,
            )
                .into_response()
        }
        (DocumentTarget::All { since }, DocumentMethod::Get) => {
            let ids = state
                .store
                .document_ids(&scope, since.as_ref().map(|s| s.datetime()))
                .await?;
            axum::Json(ids).into_response()
        }
        (DocumentTarget::All { .. }, DocumentMethod::Delete) => {
            state.store.delete_documents(&scope).await?;
            StatusCode::NO_CONTENT.into_response()
        }
        (DocumentTarget::One(id), _) => {
            let write = DocumentWrite {
                method,
                version,
                if_match: request.header("if-match").map(str::to_owned),
                if_none_match: request.header("if-none-match").map(str::to_owned),
                content_type: request
                    .header("content-type")
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
                contents: request.body.to_vec(),
                at: OffsetDateTime::now_utc(),
            };
            let written = state.store.write_document(&scope, id, &write).await?;
            let mut response = StatusCode::NO_CONTENT.into_response();
            if let Some(document) = written {
                response
                    .headers_mut()
                    .insert(header::ETAG, header_value(&document.etag)?);
            }
            response
        }
        (DocumentTarget::All { .. }, _) => {
            return Err(bad("method", "name the document to write"));
        }
    };
    Ok(with_version(response, version))
}
