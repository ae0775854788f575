//! Request extractors that turn malformed input into an [`AppError`] naming the field:
//! [`ApiJson`] (JSON bodies, unknown fields refused), [`ApiQuery`] (query strings, likewise) and
//! [`CsrfForm`] (HTML form posts, which must carry the CSRF token of the session or visitor).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::auth::Identity;
use crate::error::AppError;

/// Explains a deserialisation failure with the path of the field at fault.
fn explain<E: std::fmt::Display>(error: serde_path_to_error::Error<E>, what: &str) -> AppError {
    let path = error.path().to_string();
    let inner = error.inner().to_string();
    // serde reports unknown fields as "unknown field `x`, expected one of ...".
    if let Some(rest) = inner.strip_prefix("unknown field `") {
        // The path already ends with the unknown name.
        let name = rest.split('`').next().unwrap_or_default();
        let field = if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            path
        };
        return AppError::invalid(
            field,
            format!("unknown {what} '{name}': remove it ({inner})"),
        );
    }
    if let Some(rest) = inner.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return AppError::invalid(field, format!("the {what} '{name}' is required"));
    }
    let field = if path == "." { String::new() } else { path };
    AppError::invalid(field, inner)
}

/// A JSON body, deserialised strictly.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(AppError::BadRequest(
                "send the body as JSON with Content-Type: application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(body_error)?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            if error.inner().is_syntax() || error.inner().is_eof() {
                AppError::BadRequest(format!("the body is not valid JSON: {}", error.inner()))
            } else {
                explain(error, "field")
            }
        })?;
        deserializer
            .end()
            .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
        Ok(ApiJson(value))
    }
}

fn body_error(rejection: axum::extract::rejection::BytesRejection) -> AppError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge {
            limit: crate::BODY_LIMIT_BYTES,
        }
    } else {
        AppError::BadRequest(rejection.body_text())
    }
}

/// A query string, deserialised strictly.
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        parse_urlencoded(query.as_bytes(), "query parameter").map(ApiQuery)
    }
}

fn parse_urlencoded<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, AppError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(deserializer).map_err(|error| explain(error, what))
}

/// An HTML form post. The hidden field `csrf` must match the token of the visitor's session (or
/// their pre-sign-in CSRF cookie); it is removed before the rest is deserialised strictly.
#[derive(Debug)]
pub(crate) struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let identity = request
            .extensions()
            .get::<Identity>()
            .cloned()
            .ok_or(AppError::Csrf)?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(body_error)?;
        let mut token = None;
        let mut rest = form_urlencoded::Serializer::new(String::new());
        for (key, value) in form_urlencoded::parse(&bytes) {
            if key == "csrf" {
                token = Some(value.into_owned());
            } else {
                rest.append_pair(&key, &value);
            }
        }
        if !token.is_some_and(|token| identity.csrf_matches(&token)) {
            return Err(AppError::Csrf);
        }
        parse_urlencoded(rest.finish().as_bytes(), "form field").map(CsrfForm)
    }
}
