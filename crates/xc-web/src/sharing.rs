//! Sharing credentials for verification (求职认证) and verifying what anyone brings, the
//! operations pages and API share (issue 4):
//!
//! - a learner makes a share of some of their own credentials, showing only the fields they
//!   chose, for 1, 7 or 30 days ([`create_share`]): each credential becomes an SD-JWT VC
//!   presentation signed by the bank (`xc_issuer::share`), stored behind a random token
//!   (256 bits) with an audit entry (`share.create`); they list their shares with view counts
//!   and revoke one at once (`share.revoke`);
//! - anyone opening the link ([`open_share`]) gets each presentation verified strictly (a
//!   disclosure no signed digest references is refused) and, for each credential, the bank's
//!   check of the credential itself: proofs, validity, status from the status lists, and log
//!   inclusion under the latest signed tree head — and nothing the learner did not choose. A
//!   revoked or expired share shows nothing but that. Each view while open is counted;
//! - anyone may paste or upload a credential, a proof bundle or an SD-JWT ([`parse_input`],
//!   [`verify_input`]): the same verifiers, each failure with its specific reason.
//!
//! Nothing here verifies by itself: `xc_issuer::Issuer::verify_with_store` and
//! `xc_issuer::share::verify_share_presentation` do.

use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_credentials::sd_jwt::{SdJwtError, VerifiedSdJwt};
use xc_domain::{ShareDuration, ShareField};
use xc_issuer::VerificationReport;
use xc_issuer::share::{share_presentation, shareable_claims, verify_share_presentation};
use xc_store::{AuditEvent, NewShare, ShareItem, ShareRecord, ShareState};

use crate::AppState;
use crate::auth::Identity;
use crate::bank::own_learner;
use crate::error::{AppError, AppResult};

/// The largest file the verify page accepts (a credential or bundle; an SD-JWT is at most
/// 1 MiB by `xc_credentials::sd_jwt::MAXIMUM_SD_JWT_LENGTH`).
pub const VERIFY_UPLOAD_LIMIT_BYTES: usize = 1024 * 1024;

/// The most credentials one share may hold.
pub const MAX_SHARED_CREDENTIALS: usize = 20;

/// The share link of `token`.
pub fn share_url(state: &AppState, token: &str) -> String {
    format!("{}/s/{token}", state.issuer.profile().base_url)
}

/// Makes a share of the signed-in learner's `credentials` showing `fields` for `duration`.
pub async fn create_share(
    state: &AppState,
    identity: &Identity,
    credentials: &[String],
    fields: Vec<ShareField>,
    duration: ShareDuration,
) -> AppResult<ShareRecord> {
    let learner = own_learner(identity)?;
    let principal = identity.require()?;
    if credentials.is_empty() {
        return Err(AppError::invalid(
            "credentials",
            "tick at least one credential to share",
        ));
    }
    if credentials.len() > MAX_SHARED_CREDENTIALS {
        return Err(AppError::invalid(
            "credentials",
            format!("share at most {MAX_SHARED_CREDENTIALS} credentials at a time"),
        ));
    }
    let holder = state
        .store
        .get_learner(&principal.learner_scope(), learner)
        .await?;
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let expires_at = now + duration.duration();
    let mut items = Vec::with_capacity(credentials.len());
    for text in credentials {
        let id = crate::api::credential_status::credential_id(text.trim().to_owned());
        let issued = match state.store.get_issued_credential(&id).await {
            Ok(issued) if issued.learner == learner => issued,
            Ok(_) | Err(xc_store::StoreError::NotFound { .. }) => {
                return Err(AppError::invalid(
                    "credentials",
                    format!("{text} is not one of your credentials"),
                ));
            }
            Err(error) => return Err(error.into()),
        };
        let document: Value = serde_json::from_str(&issued.document)
            .map_err(|error| AppError::Internal(error.into()))?;
        let presentation = share_presentation(
            state.issuer.keys(),
            &document,
            &holder.display_name,
            &fields,
            now,
            expires_at,
        )
        .map_err(|error| AppError::Internal(error.into()))?;
        items.push(ShareItem {
            credential: issued.id,
            presentation,
        });
    }
    let audit =
        AuditEvent::new(identity.actor(), "share.create", "share", "new").with_detail(json!({
            "credentials": items.iter().map(|item| item.credential.clone()).collect::<Vec<_>>(),
            "fields": fields.iter().map(|field| field.code()).collect::<Vec<_>>(),
            "days": duration.days(),
        }));
    let share = NewShare {
        token: xc_privacy::tokens::new_secret(""),
        learner,
        fields,
        created_at: now,
        expires_at,
        items,
    };
    Ok(state.store.create_share(&share, &audit).await?)
}

/// The signed-in learner's shares, newest first.
pub async fn my_shares(state: &AppState, identity: &Identity) -> AppResult<Vec<ShareRecord>> {
    let learner = own_learner(identity)?;
    Ok(state.store.learner_shares(learner).await?)
}

/// One of the signed-in learner's shares (another's is 404).
pub async fn my_share(state: &AppState, identity: &Identity, id: i64) -> AppResult<ShareRecord> {
    my_shares(state, identity)
        .await?
        .into_iter()
        .find(|share| share.id == id)
        .ok_or(AppError::NotFound { what: "share" })
}

/// Revokes the signed-in learner's share `id` now.
pub async fn revoke_share(
    state: &AppState,
    identity: &Identity,
    id: i64,
) -> AppResult<ShareRecord> {
    let learner = own_learner(identity)?;
    let audit = AuditEvent::new(identity.actor(), "share.revoke", "share", id);
    Ok(state
        .store
        .revoke_share(learner, id, OffsetDateTime::now_utc(), &audit)
        .await?)
}

/// What a verifier is shown of one shared credential.
#[derive(Debug)]
pub struct SharedCredential {
    /// The SD-JWT VC presentation itself, for a verifier who checks it with their own tools.
    pub presentation: String,
    /// The disclosed claims in page order (name, value), or why the presentation is refused.
    pub disclosed: Result<Vec<(&'static str, String)>, SdJwtError>,
    /// The bank's check of the credential itself (proofs, validity, status, log inclusion).
    pub report: VerificationReport,
}

/// A share as its link shows it.
#[derive(Debug)]
pub enum OpenedShare {
    /// Revoked or expired: nothing else is shown.
    Closed(ShareState),
    Open {
        /// The issuer's name (this bank) and DID.
        issuer_name: String,
        issuer_did: String,
        expires_at: OffsetDateTime,
        credentials: Vec<SharedCredential>,
    },
}

/// The disclosed claims of a verified presentation, in page order (only shareable ones).
pub fn disclosed_claims(verified: &VerifiedSdJwt) -> Vec<(&'static str, String)> {
    shareable_claims()
        .filter_map(|name| {
            let value = verified.claims.get(name)?;
            Some((
                name,
                value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned),
            ))
        })
        .collect()
}

/// Opens the share behind `token`, counting the view when it is open.
pub async fn open_share(state: &AppState, token: &str) -> AppResult<OpenedShare> {
    let now = OffsetDateTime::now_utc();
    let share = state.store.view_share(token, now).await?;
    match share.state_at(now) {
        ShareState::Open => {}
        closed => return Ok(OpenedShare::Closed(closed)),
    }
    let keys = state.issuer.public_keys()?;
    let mut credentials = Vec::with_capacity(share.items.len());
    for item in &share.items {
        let disclosed = verify_share_presentation(&item.presentation, &keys, now)
            .map(|verified| disclosed_claims(&verified));
        let issued = state.store.get_issued_credential(&item.credential).await?;
        let document: Value = serde_json::from_str(&issued.document)
            .map_err(|error| AppError::Internal(error.into()))?;
        let report = state
            .issuer
            .verify_with_store(&*state.store, document)
            .await?;
        credentials.push(SharedCredential {
            presentation: item.presentation.clone(),
            disclosed,
            report,
        });
    }
    Ok(OpenedShare::Open {
        issuer_name: state.issuer.profile().name.clone(),
        issuer_did: state.issuer.keys().did().to_owned(),
        expires_at: share.expires_at,
        credentials,
    })
}

/// What someone brought to the verify page.
#[derive(Debug)]
pub enum VerifyInput {
    /// A credential (JSON), or the credential of a proof bundle.
    Credential(Value),
    /// A compact SD-JWT (a shared credential's presentation).
    SdJwt(String),
    /// A share link: the page opens it.
    ShareLink(String),
}

/// Reads pasted or uploaded text: JSON (a credential, or a proof bundle with `credential`), an
/// SD-JWT (`<JWT>~…~`), or a share link (`…/s/<token>`). `field` names the input at fault.
pub fn parse_input(text: &str, field: &str) -> AppResult<VerifyInput> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(AppError::invalid(
            field,
            "nothing to verify: paste a credential (JSON), an SD-JWT or a share link",
        ));
    }
    if text.starts_with('{') || text.starts_with('[') {
        let value: Value = serde_json::from_str(text).map_err(|error| {
            AppError::invalid(
                field,
                format!(
                    "not JSON: {} at line {} column {}",
                    error,
                    error.line(),
                    error.column()
                ),
            )
        })?;
        return credential_of(value, field).map(VerifyInput::Credential);
    }
    if let Some(token) = share_token_of(text) {
        return Ok(VerifyInput::ShareLink(token));
    }
    if text.contains('~') && !text.contains(char::is_whitespace) {
        return Ok(VerifyInput::SdJwt(text.to_owned()));
    }
    Err(AppError::invalid(
        field,
        "not a credential: paste the JSON of a credential (it starts with '{'), an SD-JWT (text \
         with '~') or a share link",
    ))
}

/// The credential of a JSON value: the value itself, or a proof bundle's `credential`.
pub fn credential_of(value: Value, field: &str) -> AppResult<Value> {
    let Value::Object(mut object) = value else {
        return Err(AppError::invalid(
            field,
            "a credential is a JSON object ({…}), not a list or a single value",
        ));
    };
    if !object.contains_key("@context")
        && let Some(inner) = object.remove("credential")
    {
        return credential_of(inner, field);
    }
    Ok(Value::Object(object))
}

/// The token of a share link (`…/s/<token>`), if the text is one.
fn share_token_of(text: &str) -> Option<String> {
    let (_, rest) = text.rsplit_once("/s/")?;
    let token = rest.split(['?', '#', '/']).next()?;
    (token.len() >= 22
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then(|| token.to_owned())
}

/// The outcome of verifying what someone brought.
#[derive(Debug)]
pub enum Verified {
    Credential(Box<VerificationReport>),
    Presentation {
        issuer: Option<String>,
        result: Result<Vec<(&'static str, String)>, SdJwtError>,
    },
}

/// Verifies a credential or an SD-JWT (a share link is opened by the caller instead).
pub async fn verify_input(state: &AppState, input: VerifyInput) -> AppResult<Verified> {
    let now = OffsetDateTime::now_utc();
    match input {
        VerifyInput::Credential(credential) => Ok(Verified::Credential(Box::new(
            state
                .issuer
                .verify_with_store(&*state.store, credential)
                .await?,
        ))),
        VerifyInput::SdJwt(text) => {
            let keys = state.issuer.public_keys()?;
            let result = verify_share_presentation(&text, &keys, now);
            Ok(Verified::Presentation {
                issuer: result
                    .as_ref()
                    .ok()
                    .and_then(|verified| verified.claims.get("iss"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                result: result.map(|verified| disclosed_claims(&verified)),
            })
        }
        VerifyInput::ShareLink(_) => Err(AppError::invalid(
            "text",
            "a share link is opened, not verified here: open it in the browser",
        )),
    }
}
