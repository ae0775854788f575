//! LRS clients: the learning platforms that report into the learning record store, each with
//! HTTP Basic credentials (a public key as the user name and a random secret, of which only the
//! SHA-256 is stored, as for institution API tokens: `xc_privacy::tokens`; a 256-bit random
//! secret needs no slow hash) and the xAPI scopes it holds. Staff create clients in the pages,
//! operators with `xuecheng lrs-client create`; both go through [`create_client`].
//!
//! Every statement a client stores gets the client as its `authority` (Data 2.4.9): an Agent
//! whose account is the client's key on this LRS's home page.

use axum::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use time::OffsetDateTime;
use xc_domain::{InstitutionId, UserId};
use xc_privacy::tokens::{constant_time_eq, new_secret, secret_hash};
use xc_store::{Actor, AuditEvent, LrsClientRecord, NewLrsClient, Store, StoreError};
use xc_xapi::scope::{Access, Scope};

use super::request::XapiRequest;
use crate::error::{AppError, AppResult};

/// Prefix of client keys, so a key is recognisable in logs and scripts.
pub const CLIENT_KEY_PREFIX: &str = "xcl_";

/// What a client needs to be created.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    pub name: String,
    pub institution: Option<InstitutionId>,
    pub scopes: Vec<Scope>,
}

/// A client just created: the only moment its secret is known.
#[derive(Debug, Clone)]
pub struct CreatedClient {
    pub id: i64,
    pub key: String,
    pub secret: String,
}

/// Creates a client (audited as `lrs_client.create` by `actor`). The name must not be blank
/// (at most 100 characters), the institution must exist, and at least one scope is needed.
pub async fn create_client(
    store: &dyn Store,
    request: &ClientRequest,
    created_by: Option<UserId>,
    actor: Actor,
) -> AppResult<CreatedClient> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "give the platform a name of 1 to 100 characters",
        ));
    }
    if request.scopes.is_empty() {
        return Err(AppError::invalid("scope", "choose at least one scope"));
    }
    if let Some(institution) = request.institution {
        match store.get_institution(institution).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => {
                return Err(AppError::invalid(
                    "institution",
                    format!("there is no institution {}", institution.get()),
                ));
            }
            Err(error) => return Err(error.into()),
        }
    }
    let key = new_secret(CLIENT_KEY_PREFIX)[..CLIENT_KEY_PREFIX.len() + 22].to_owned();
    let secret = new_secret("");
    let mut scopes = request.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let client = NewLrsClient {
        key: key.clone(),
        secret_hash: secret_hash(&secret),
        name: name.to_owned(),
        institution: request.institution,
        scopes,
        created_by,
        created_at: OffsetDateTime::now_utc(),
    };
    let audit = AuditEvent::new(actor, "lrs_client.create", "lrs_client", "new");
    let id = store.create_lrs_client(&client, &audit).await?;
    Ok(CreatedClient { id, key, secret })
}

/// Revokes the client with `key` (audited as `lrs_client.revoke` by `actor`): from now on its
/// Basic credentials get 401; what it stored stays. 404 for an unknown key, 422 when it is
/// revoked already.
pub async fn revoke_client(
    store: &dyn Store,
    key: &str,
    at: OffsetDateTime,
    actor: Actor,
) -> AppResult<LrsClientRecord> {
    let audit = AuditEvent::new(actor, "lrs_client.revoke", "lrs_client", key);
    Ok(store.revoke_lrs_client(key, at, &audit).await?)
}

/// The client a request's Basic credentials name, or 401.
pub(crate) async fn authenticate(
    store: &dyn Store,
    request: &XapiRequest,
) -> AppResult<LrsClientRecord> {
    let missing = AppError::LrsUnauthenticated(
        "send the LRS client's key and secret as HTTP Basic credentials",
    );
    let wrong = AppError::LrsUnauthenticated("the LRS client's key or secret is wrong");
    let Some(encoded) = request
        .header(header::AUTHORIZATION.as_str())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
    else {
        return Err(missing);
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(wrong)?;
    let wrong = AppError::LrsUnauthenticated("the LRS client's key or secret is wrong");
    let (key, secret) = decoded.split_once(':').ok_or(wrong)?;
    let client = store.find_lrs_client(key).await?;
    match client {
        Some(client) if constant_time_eq(&client.secret_hash, &secret_hash(secret)) => Ok(client),
        _ => Err(AppError::LrsUnauthenticated(
            "the LRS client's key or secret is wrong",
        )),
    }
}

/// 403 unless the client's scopes allow `access`.
pub(crate) fn require(client: &LrsClientRecord, access: Access) -> AppResult<()> {
    if xc_xapi::scope::allows(&client.scopes, access) {
        Ok(())
    } else {
        Err(AppError::Forbidden(match access {
            Access::WriteStatements => {
                "these credentials may not store statements (scope statements/write)"
            }
            Access::ReadStatements => {
                "these credentials may not read statements (scope statements/read)"
            }
            Access::State => "these credentials may not use the State resource (scope state)",
            Access::Profile => {
                "these credentials may not use the profile resources (scope profile)"
            }
            Access::Definitions => "these credentials may not read definitions",
        }))
    }
}

/// The `authority` of the statements a client stores: an Agent identified by an account (the
/// client's key) on this LRS.
pub(crate) fn authority(
    client: &LrsClientRecord,
    base_url: &str,
) -> AppResult<xc_xapi::model::Actor> {
    let agent = json!({
        "objectType": "Agent",
        "name": client.name,
        "account": {"homePage": format!("{base_url}/xapi/clients"), "name": client.key},
    });
    xc_xapi::parse_agent_parameter(&agent.to_string(), "authority").map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "client {} has no valid authority: {e}",
            client.id
        ))
    })
}
