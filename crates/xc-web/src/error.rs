//! The one place where failures become HTTP: every [`AppError`] has a status, a stable code and
//! a message that says what to fix. API callers get `{"error":{"code","message","field"}}`;
//! pages render the same error as a friendly page (see `pages::error_page`). Server errors are
//! logged with their cause and shown generically.
//!
//! The credit bank's failures ([`BankError`]) are mapped here too, in one `From`: an outcome or
//! a file that cannot be accepted is a 422 whose body adds `problems`, every problem with its
//! row, column (or field), value and reason in Chinese and English.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use xc_bank::BankError;
use xc_domain::Invalid;
use xc_import::{ImportError, RowProblem};
use xc_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule: 422, naming the field.
    #[error("{reason}")]
    Invalid { field: String, reason: String },
    /// An outcome or an uploaded file that cannot be accepted: 422, with every problem listed.
    /// `field` names the first field at fault (`file` for a file that cannot be read).
    #[error("{message}")]
    Rejected {
        message: String,
        field: String,
        problems: Vec<Problem>,
    },
    /// A body or query that cannot be read at all: 400.
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("user name or password is wrong")]
    WrongCredentials,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("the form has expired or did not come from this site: reload the page and try again")]
    Csrf,
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{}", conflict_message(field))]
    Conflict { field: &'static str },
    #[error("too many attempts: try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// An uploaded file over the size limit: 413.
    #[error("the file is larger than the limit of {} MB: split it into smaller files", limit / (1024 * 1024))]
    FileTooLarge { limit: u64 },
    /// Something that existed and is no longer available (a revoked or expired share): 410.
    #[error("{0}")]
    Gone(String),
    #[error("the store is not reachable")]
    Unavailable,
    /// A request to the learning record store (`/xapi/`) that breaks a rule of xAPI: the status
    /// the spec requires (400, 409, 412, 413), naming where (`actor.mbox`, `statementId`,
    /// `X-Experience-API-Version`, `If-Match`).
    #[error("{0}")]
    Xapi(xc_xapi::XapiError),
    /// Basic credentials of an LRS client missing or wrong: 401 with `WWW-Authenticate`.
    #[error("{0}")]
    LrsUnauthenticated(&'static str),
    /// A scanned learner code refused (expired, replayed, forged, for another purpose …): 422,
    /// or 409 when it was already used; each reason has its own code.
    #[error("{0}")]
    LearnerCode(crate::learner_code::CodeRefusal),
    /// Another credit bank could not be fetched from (mutual recognition: not reachable, its
    /// TLS certificate not trusted, or plain HTTP to another machine refused): 502, naming
    /// `base_url`.
    #[error("the other bank could not be fetched from: {0}")]
    BankFetch(crate::bank_client::FetchError),
    /// Another bank's DID document cannot be pinned (not a DID document, another DID, no key
    /// for credentials): 422 naming `base_url`, each reason its own code.
    #[error("{0}")]
    DidDocument(xc_issuer::PinError),
    /// A credential brought from another bank refused (untrusted issuer, altered, expired,
    /// revoked …): 422 naming `credential`, each reason its own code.
    #[error("{0}")]
    ExternalCredential(xc_issuer::ExternalRefusal),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The error body of every API failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid`, `bad_request`, `unauthenticated`, `wrong_credentials`,
    /// `forbidden`, `csrf`, `not_found`, `conflict`, `too_many_attempts`, `payload_too_large`,
    /// `gone`, `unavailable`, `internal`; a refused learner code: `learner_code_malformed`,
    /// `learner_code_forged`, `learner_code_expired`, `learner_code_not_yet_valid`,
    /// `learner_code_wrong_purpose`, `learner_code_replayed`, `learner_code_unknown_learner`;
    /// mutual recognition: `bank_unreachable`, `not_a_did_document`, `did_mismatch`,
    /// `no_assertion_keys`, and for a refused credential `credential_unreadable`,
    /// `untrusted_issuer`, `credential_altered`, `credential_no_eddsa_proof`,
    /// `credential_expired`, `credential_not_yet_valid`, `credential_revoked`,
    /// `credential_suspended`, `credential_status_unknown`, `credential_not_in_log`.
    pub code: &'static str,
    /// What went wrong and what to do, in plain words.
    pub message: String,
    /// The field, query parameter or form input at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem, when the input was refused for several (an outcome or an uploaded file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// One problem with submitted data: a cell of an uploaded file, a field of an outcome, or the
/// file's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// The row as a spreadsheet shows it (the item's position in an API list, 1 for a single
    /// outcome); absent for a problem with the file as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The column as the file wrote it, or the field name (`national_id`, `achieved_on` …);
    /// empty for a problem with the file as a whole.
    pub column: String,
    /// The value at fault, cut for display.
    pub value: String,
    pub reason_zh: String,
    pub reason_en: String,
}

impl From<&RowProblem> for Problem {
    fn from(problem: &RowProblem) -> Self {
        Problem {
            row: Some(problem.row),
            column: problem.column.clone(),
            value: problem.value.clone(),
            reason_zh: problem.reason_zh.clone(),
            reason_en: problem.reason_en.clone(),
        }
    }
}

fn conflict_message(field: &str) -> String {
    match field {
        // An outcome in review or a conversion application, decided by someone else first.
        "status" => "it has been decided meanwhile: reload it to see the decision".into(),
        // A specification, programme, conversion rule or incentive code.
        "code" => "this code is already in use here: choose another".into(),
        "programme" => {
            "you already have an open application for this programme: wait for its decision".into()
        }
        // Erasure: the learner's identity is gone already.
        "learner" => "this learner's account has already been erased".into(),
        // A credential share revoked twice.
        "share" => "this share has already been revoked".into(),
        // Mutual recognition.
        "did" => "this bank is on the trust list already: refresh its entry instead".into(),
        "keys" => "the bank now publishes another key under a key id pinned before: a key id \
                   never changes its key, so this is refused; ask the bank what happened"
            .into(),
        "credential" => {
            "another learner has already brought this credential: only its holder can bring it"
                .into()
        }
        // An xAPI actor linked to a learner (issue 5 §4): one actor is one person.
        "agent" => "this actor is already linked to another learner: an actor is one person".into(),
        other => format!("{other} is already registered"),
    }
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } | AppError::Rejected { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::WrongCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge { .. } | AppError::FileTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Xapi(error) => {
                StatusCode::from_u16(error.status.code()).unwrap_or(StatusCode::BAD_REQUEST)
            }
            AppError::LrsUnauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::LearnerCode(crate::learner_code::CodeRefusal::Replayed) => {
                StatusCode::CONFLICT
            }
            AppError::LearnerCode(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BankFetch(_) => StatusCode::BAD_GATEWAY,
            AppError::DidDocument(_) | AppError::ExternalCredential(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } | AppError::Rejected { .. } => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::WrongCredentials => "wrong_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound { .. } => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::PayloadTooLarge { .. } | AppError::FileTooLarge { .. } => "payload_too_large",
            AppError::Gone(_) => "gone",
            AppError::Unavailable => "unavailable",
            AppError::Xapi(error) => match error.status {
                xc_xapi::Status::BadRequest => "xapi_bad_request",
                xc_xapi::Status::Conflict => "xapi_conflict",
                xc_xapi::Status::PreconditionFailed => "xapi_precondition_failed",
                xc_xapi::Status::PayloadTooLarge => "payload_too_large",
            },
            AppError::LrsUnauthenticated(_) => "unauthenticated",
            AppError::LearnerCode(refusal) => refusal.code(),
            AppError::BankFetch(_) => "bank_unreachable",
            AppError::DidDocument(error) => match error {
                xc_issuer::PinError::NotADidDocument(_) => "not_a_did_document",
                xc_issuer::PinError::DidMismatch { .. } => "did_mismatch",
                xc_issuer::PinError::NoAssertionKeys => "no_assertion_keys",
            },
            AppError::ExternalCredential(refusal) => refusal.code(),
            AppError::Internal(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<String> {
        match self {
            AppError::Invalid { field, .. } | AppError::Rejected { field, .. } => {
                Some(field.clone())
            }
            AppError::Conflict { field } => Some((*field).to_owned()),
            AppError::FileTooLarge { .. } => Some("file".to_owned()),
            AppError::Xapi(error) if !error.path.is_empty() => Some(error.path.clone()),
            AppError::LearnerCode(_) => Some("code".to_owned()),
            AppError::BankFetch(_) | AppError::DidDocument(_) => Some("base_url".to_owned()),
            AppError::ExternalCredential(_) => Some("credential".to_owned()),
            _ => None,
        }
    }

    /// The problems listed with a rejection (empty for every other error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            AppError::Rejected { problems, .. } => problems,
            _ => &[],
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                field: self.field(),
                problems: self.problems().to_vec(),
            },
        }
    }

    /// Logs server-side failures with their cause; client errors are not logged as errors.
    pub(crate) fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(error.cause = ?cause, "request failed"),
            AppError::Unavailable => tracing::warn!("store unavailable"),
            _ => {}
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = (self.status(), Json(self.body())).into_response();
        if let AppError::LrsUnauthenticated(_) = self {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"xAPI\", charset=\"UTF-8\""),
            );
        }
        if let AppError::TooManyAttempts { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::Invalid {
            field: invalid.field.to_owned(),
            reason: invalid.reason,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what } => AppError::NotFound { what },
            StoreError::Conflict { field } => AppError::Conflict { field },
            // A request the store refuses as given: the caller's to correct.
            StoreError::Invalid { field, reason } => AppError::invalid(field, reason),
            // The learning record store refusing a statement or document write (a re-used
            // statement id with other content, a failed document precondition).
            StoreError::Xapi(error) => AppError::Xapi(error),
            // A stored value that no longer parses, or an engine failure: ours, not the caller's.
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<xc_issuer::IssuerError> for AppError {
    fn from(error: xc_issuer::IssuerError) -> Self {
        match error {
            // The store's answer maps as any other (a status change that does not apply now is
            // its `Invalid`: the caller's).
            xc_issuer::IssuerError::Store(error) => error.into(),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<xc_privacy::PrivacyError> for AppError {
    fn from(error: xc_privacy::PrivacyError) -> Self {
        AppError::Internal(error.into())
    }
}

impl From<BankError> for AppError {
    fn from(error: BankError) -> Self {
        match error {
            BankError::Invalid(invalid) => invalid.into(),
            BankError::Rejected(problems) => {
                let message = BankError::Rejected(problems.clone()).to_string();
                AppError::Rejected {
                    message,
                    field: problems
                        .first()
                        .map(|problem| problem.column.clone())
                        .unwrap_or_default(),
                    problems: problems.iter().map(Problem::from).collect(),
                }
            }
            BankError::File(error) => AppError::from(error),
            BankError::Store(error) => error.into(),
            BankError::Corrupt(reason) => AppError::Internal(anyhow::anyhow!(reason)),
        }
    }
}

/// A file that cannot be read as a whole. A missing or doubled column is listed per column.
impl From<ImportError> for AppError {
    fn from(error: ImportError) -> Self {
        let problems = match &error {
            ImportError::TooBig { limit } => return AppError::FileTooLarge { limit: *limit },
            // The spool file we wrote could not be read back: ours, not the uploader's.
            ImportError::Io(_) => return AppError::Internal(error.into()),
            ImportError::Header { problems } => problems
                .iter()
                .map(|problem| {
                    let column = match problem {
                        xc_import::HeaderProblem::Missing { key, .. }
                        | xc_import::HeaderProblem::Duplicated { key, .. } => (*key).to_owned(),
                        xc_import::HeaderProblem::Unknown { header, .. }
                        | xc_import::HeaderProblem::NotAllowed { header, .. } => header.clone(),
                    };
                    let file_problem = problem.to_file_problem();
                    Problem {
                        row: None,
                        column,
                        value: String::new(),
                        reason_zh: file_problem.reason_zh,
                        reason_en: file_problem.reason_en,
                    }
                })
                .collect(),
            _ => {
                let file_problem = error.to_file_problem();
                vec![Problem {
                    row: None,
                    column: String::new(),
                    value: String::new(),
                    reason_zh: file_problem.reason_zh,
                    reason_en: file_problem.reason_en,
                }]
            }
        };
        AppError::Rejected {
            message: error.to_string(),
            field: "file".to_owned(),
            problems,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_status_and_a_stable_code() {
        let cases = [
            (AppError::invalid("national_id", "bad"), 422, "invalid"),
            (AppError::BadRequest("x".into()), 400, "bad_request"),
            (AppError::Unauthenticated, 401, "unauthenticated"),
            (AppError::Csrf, 403, "csrf"),
            (AppError::NotFound { what: "learner" }, 404, "not_found"),
            (AppError::Conflict { field: "username" }, 409, "conflict"),
            (
                AppError::TooManyAttempts {
                    retry_after_secs: 60,
                },
                429,
                "too_many_attempts",
            ),
            (
                AppError::Internal(anyhow::anyhow!("secret detail")),
                500,
                "internal",
            ),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().as_u16(), status);
            assert_eq!(error.code(), code);
        }
        let internal = AppError::Internal(anyhow::anyhow!("secret detail")).body();
        assert_eq!(
            internal.error.message, "internal error",
            "causes are never shown"
        );
    }

    #[test]
    fn xapi_refusals_keep_the_status_the_spec_requires() {
        let conflict = AppError::from(StoreError::Xapi(xc_xapi::XapiError {
            path: "id".into(),
            reason: "already stored".into(),
            status: xc_xapi::Status::Conflict,
        }));
        assert_eq!(
            (conflict.status().as_u16(), conflict.code()),
            (409, "xapi_conflict")
        );
        assert_eq!(conflict.field().as_deref(), Some("id"));
        let failed = AppError::from(StoreError::Xapi(xc_xapi::XapiError {
            path: "If-Match".into(),
            reason: "changed".into(),
            status: xc_xapi::Status::PreconditionFailed,
        }));
        assert_eq!(failed.status().as_u16(), 412);
        let bad = AppError::Xapi(xc_xapi::XapiError::bad_request("actor.mbox", "no mailto"));
        assert_eq!(
            (bad.status().as_u16(), bad.to_string().as_str()),
            (400, "actor.mbox: no mailto")
        );
        let unauthenticated =
            AppError::LrsUnauthenticated("send Basic credentials").into_response();
        assert_eq!(unauthenticated.status().as_u16(), 401);
        assert!(
            unauthenticated
                .headers()
                .contains_key(axum::http::header::WWW_AUTHENTICATE)
        );
    }

    #[test]
    fn store_conflicts_and_misses_are_client_errors() {
        assert_eq!(
            AppError::from(StoreError::Conflict {
                field: "national_id"
            })
            .status(),
            409
        );
        assert_eq!(
            AppError::from(StoreError::NotFound { what: "site" }).status(),
            404
        );
        let erased_twice =
            AppError::from(BankError::Store(StoreError::Conflict { field: "learner" }));
        assert_eq!(erased_twice.status(), 409);
        assert!(erased_twice.to_string().contains("already been erased"));
    }

    #[test]
    fn a_store_refusal_is_the_callers_and_a_corrupt_value_is_ours() {
        let refused = AppError::from(StoreError::Invalid {
            field: "action",
            reason: "the credential is not suspended".into(),
        });
        assert_eq!(
            (refused.status().as_u16(), refused.code()),
            (422, "invalid")
        );
        assert_eq!(refused.field().as_deref(), Some("action"));
        let through_the_issuer =
            AppError::from(xc_issuer::IssuerError::Store(StoreError::Invalid {
                field: "reason",
                reason: "a reason is required".into(),
            }));
        assert_eq!(through_the_issuer.status().as_u16(), 422);
        let corrupt = AppError::from(StoreError::corrupt("kind", "\"cinema\" is not a kind"));
        assert_eq!(
            (corrupt.status().as_u16(), corrupt.code()),
            (500, "internal")
        );
        assert_eq!(corrupt.field(), None, "nothing for the caller to correct");
    }

    #[test]
    fn bank_rejections_list_every_problem_and_name_the_first_field() {
        let problem = |column: &str, reason: &str| RowProblem {
            row: 1,
            column: column.into(),
            value: "x".into(),
            reason_zh: format!("{reason}（中文）"),
            reason_en: reason.into(),
        };
        let error = AppError::from(BankError::Rejected(vec![
            problem("achieved_on", "not a date"),
            problem("grade", "a grade is needed"),
        ]));
        assert_eq!(error.status(), 422);
        let body = serde_json::to_value(error.body()).unwrap();
        assert_eq!(body["error"]["code"], "invalid");
        assert_eq!(body["error"]["field"], "achieved_on");
        assert_eq!(body["error"]["problems"][1]["column"], "grade");
        assert_eq!(
            body["error"]["problems"][1]["reason_zh"],
            "a grade is needed（中文）"
        );
        assert_eq!(body["error"]["problems"][0]["row"], 1);

        let missing = AppError::from(BankError::File(ImportError::Header {
            problems: vec![xc_import::HeaderProblem::Missing {
                key: "kind",
                names: vec!["成果类型", "类型"],
            }],
        }));
        assert_eq!(
            (missing.status().as_u16(), missing.field()),
            (422, Some("file".into()))
        );
        assert_eq!(missing.problems()[0].column, "kind");
        assert!(missing.problems()[0].reason_zh.contains("成果类型"));
        assert!(missing.problems()[0].row.is_none());

        let too_big = AppError::from(BankError::File(ImportError::TooBig {
            limit: 100 * 1024 * 1024,
        }));
        assert_eq!(too_big.status(), 413);
        assert!(too_big.to_string().contains("100 MB"), "{too_big}");
        assert_eq!(
            AppError::from(BankError::Store(StoreError::Conflict { field: "status" })).status(),
            409
        );
        assert_eq!(
            AppError::from(BankError::Corrupt("bad".into())).status(),
            500
        );
        // Other errors keep the old body: no `problems` key at all.
        let plain = serde_json::to_value(AppError::Unauthenticated.body()).unwrap();
        assert!(plain["error"].get("problems").is_none());
    }
}
