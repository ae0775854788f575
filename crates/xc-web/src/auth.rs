//! Who is asking. The [`identify`] middleware runs before every handler: it resolves a session
//! cookie or an institution's bearer token to a [`Principal`], reads the visitor's preferences,
//! hands out the CSRF token for forms, and refuses cookie-authenticated API writes that lack the
//! `X-CSRF-Token` header. Handlers read the result as an [`Identity`] and ask it for the
//! principal; scoping is then applied by the store through `Principal::learner_scope`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use time::OffsetDateTime;
use xc_domain::{Principal, Role, Scope, Username};
use xc_privacy::passwords;
use xc_privacy::tokens::{constant_time_eq, new_secret, secret_hash};
use xc_store::{Actor, SessionRecord, UserRecord};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Prefs;

pub const SESSION_COOKIE: &str = "xc_session";
pub const CSRF_COOKIE: &str = "xc_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Prefix of institution API tokens, so a leaked one is easy to recognise and revoke.
pub const API_TOKEN_PREFIX: &str = "xct_";

/// How the request was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session { token_hash: Vec<u8> },
    ApiToken { id: i64 },
}

/// The caller of one request, as the middleware found it.
#[derive(Debug, Clone)]
pub struct Identity {
    pub principal: Option<Principal>,
    pub user: Option<UserRecord>,
    pub via: Via,
    pub prefs: Prefs,
    csrf_token: String,
}

impl Identity {
    /// The principal, or 401.
    pub fn require(&self) -> AppResult<&Principal> {
        self.principal.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The principal if it may do `action`, else 401/403.
    pub fn require_to(
        &self,
        action: xc_domain::Action,
        why: &'static str,
    ) -> AppResult<&Principal> {
        let principal = self.require()?;
        if principal.may(action) {
            Ok(principal)
        } else {
            Err(AppError::Forbidden(why))
        }
    }

    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    pub fn csrf_matches(&self, token: &str) -> bool {
        !self.csrf_token.is_empty()
            && constant_time_eq(self.csrf_token.as_bytes(), token.as_bytes())
    }

    /// Who to name in the audit log.
    pub fn actor(&self) -> Actor {
        match (&self.via, &self.user) {
            (Via::ApiToken { id }, _) => Actor::ApiToken(*id),
            (_, Some(user)) => Actor::User(user.id),
            _ => Actor::Anonymous,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("identify middleware not installed")))
    }
}

/// The principal a stored account acts as, or `None` for a disabled or inconsistent account.
pub fn principal_of(user: &UserRecord) -> Option<Principal> {
    if user.disabled {
        return None;
    }
    match Scope::for_role(
        user.role.role,
        user.role.district.clone(),
        user.role.institution,
    ) {
        Ok(scope) => Some(Principal {
            user_id: Some(user.id),
            role: user.role.role,
            scope,
            learner_id: user.learner,
        }),
        Err(invalid) => {
            tracing::warn!(user.id = %user.id, reason = %invalid, "account has an inconsistent role; treated as signed out");
            None
        }
    }
}

pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let prefs = Prefs::from_cookies(&jar);
    let mut identity = Identity {
        principal: None,
        user: None,
        via: Via::Anonymous,
        prefs,
        csrf_token: String::new(),
    };

    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    if let Some(secret) = bearer {
        match state.store.find_api_token(&secret_hash(&secret)).await {
            Ok(Some(token)) => {
                identity.principal = Some(Principal {
                    user_id: None,
                    role: Role::ProviderStaff,
                    scope: Scope::Institution(token.institution),
                    learner_id: None,
                });
                identity.via = Via::ApiToken { id: token.id };
            }
            Ok(None) => return AppError::Unauthenticated.into_response(),
            Err(error) => return AppError::from(error).into_response(),
        }
    } else if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let token_hash = secret_hash(cookie.value());
        match state
            .store
            .find_session(&token_hash, OffsetDateTime::now_utc())
            .await
        {
            Ok(Some((session, user))) => {
                identity.principal = principal_of(&user);
                if identity.principal.is_some() {
                    identity.csrf_token = session.csrf_token;
                    identity.via = Via::Session { token_hash };
                    identity.user = Some(user);
                }
            }
            Ok(None) => {}
            Err(error) => return AppError::from(error).into_response(),
        }
    }

    let mut new_csrf_cookie = None;
    if identity.csrf_token.is_empty() {
        match jar.get(CSRF_COOKIE) {
            Some(cookie) if cookie.value().len() >= 32 => {
                identity.csrf_token = cookie.value().to_owned()
            }
            _ => {
                let token = new_secret("");
                identity.csrf_token = token.clone();
                new_csrf_cookie = Some(token);
            }
        }
    }

    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method
        && request.uri().path().starts_with("/api/")
        && matches!(identity.via, Via::Session { .. })
    {
        let header_token = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !identity.csrf_matches(header_token) {
            return AppError::Csrf.into_response();
        }
    }

    request.extensions_mut().insert(identity);
    let mut response = next.run(request).await;
    if let Some(token) = new_csrf_cookie {
        let cookie = Cookie::build((CSRF_COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(state.config.secure_cookies)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The address of the client, for throttling (never logged with personal data).
pub fn client_ip(parts_extensions: &axum::http::Extensions) -> String {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            |ConnectInfo(addr)| addr.ip().to_string(),
        )
}

/// A fresh session for a signed-in user: the cookie value (to send once) and the stored record.
#[derive(Debug)]
pub struct NewSession {
    pub secret: String,
    pub record: SessionRecord,
}

/// Checks a user name and password (throttled per name and per address), and opens a session.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
) -> AppResult<(UserRecord, NewSession)> {
    let username_key = format!("user:{}", username.trim().to_lowercase());
    let ip_key = format!("ip:{ip}");
    state.throttle.check(&username_key)?;
    state.throttle.check(&ip_key)?;
    let user = match Username::parse(username) {
        Ok(name) => state.store.find_user_by_username(&name).await?,
        Err(_) => None,
    };
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let attempt = password.to_owned();
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers. A missing user is
    // checked against a dummy hash so both failures take the same time.
    let matches = tokio::task::spawn_blocking(move || {
        passwords::verify_password(
            stored_hash.as_deref().unwrap_or(passwords::dummy_hash()),
            &attempt,
        )
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let user = match user {
        Some(user) if matches && principal_of(&user).is_some() => user,
        _ => {
            state.throttle.fail(&username_key);
            state.throttle.fail(&ip_key);
            return Err(AppError::WrongCredentials);
        }
    };
    state.throttle.succeed(&username_key);
    let now = OffsetDateTime::now_utc();
    let secret = new_secret("");
    let record = SessionRecord {
        token_hash: secret_hash(&secret),
        user_id: user.id,
        csrf_token: new_secret(""),
        created_at: now,
        expires_at: now + state.config.session_ttl,
    };
    state.store.create_session(&record).await?;
    Ok((user, NewSession { secret, record }))
}

/// The `Set-Cookie` value that carries a session.
pub fn session_cookie(secret: &str, state: &AppState) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, secret.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .max_age(time::Duration::seconds(
            state.config.session_ttl.whole_seconds(),
        ))
        .build()
}

/// Ends the session of this request, if any, and returns the cookie that clears it.
pub async fn sign_out(state: &AppState, identity: &Identity) -> AppResult<Cookie<'static>> {
    if let Via::Session { token_hash } = &identity.via {
        state.store.delete_session(token_hash).await?;
    }
    Ok(Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .max_age(time::Duration::ZERO)
        .build())
}

/// Failed sign-ins per key (user name, client address) in a sliding window. In memory: one
/// instance's view, which is enough to stop guessing; deployments with several instances also
/// rate-limit at the proxy (docs/operations.md).
#[derive(Debug)]
pub struct LoginThrottle {
    window: Duration,
    max_failures: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            window,
            max_failures,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Addresses get ten times the allowance of accounts: many people share one address (a
    /// community centre, a mobile carrier's NAT).
    fn limit(&self, key: &str) -> usize {
        if key.starts_with("ip:") {
            self.max_failures * 10
        } else {
            self.max_failures
        }
    }

    pub fn check(&self, key: &str) -> AppResult<()> {
        let limit = self.limit(key);
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock");
        if let Some(times) = failures.get_mut(key) {
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) > self.window)
            {
                times.pop_front();
            }
            if times.len() >= limit {
                let oldest = *times.front().expect("non-empty");
                let wait = self.window.saturating_sub(now.duration_since(oldest));
                return Err(AppError::TooManyAttempts {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    pub fn fail(&self, key: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock");
        if failures.len() > 100_000 {
            let window = self.window;
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) <= window)
            });
        }
        failures.entry(key.to_owned()).or_default().push_back(now);
    }

    pub fn succeed(&self, key: &str) {
        self.failures.lock().expect("throttle lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_blocks_after_the_limit_and_success_resets_it() {
        let throttle = LoginThrottle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            throttle.check("user:a").unwrap();
            throttle.fail("user:a");
        }
        let blocked = throttle.check("user:a").unwrap_err();
        assert!(
            matches!(blocked, AppError::TooManyAttempts { retry_after_secs } if retry_after_secs <= 60)
        );
        throttle.check("user:b").unwrap();
        throttle.succeed("user:a");
        throttle.check("user:a").unwrap();
    }

    #[test]
    fn failures_age_out_of_the_window() {
        let throttle = LoginThrottle::new(1, Duration::from_millis(0));
        throttle.fail("k");
        std::thread::sleep(Duration::from_millis(2));
        throttle.check("k").unwrap();
    }
}
