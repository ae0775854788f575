//! Erasure on request (PIPL art. 47), as the page `/me/erase` and `POST /api/v1/me/erasure` share
//! it: only a citizen with a learner record, only their own, and only once they have typed the
//! confirmation word. The use case is `xc_bank::erase`'s (what goes and what stays is in
//! docs/privacy.md); the store disables the learner's accounts and deletes their sessions, and
//! this ends the caller's session cookie.

use axum_extra::extract::cookie::Cookie;
use time::OffsetDateTime;
use xc_domain::{Action, LearnerId};

use crate::AppState;
use crate::auth::{self, Identity};
use crate::error::{AppError, AppResult};

/// The confirmation word in Chinese.
pub const CONFIRM_WORD_ZH: &str = "注销";
/// The confirmation word in English.
pub const CONFIRM_WORD_EN: &str = "erase";

/// What an erasure removes, in the API's words (the pages word it through the i18n catalog).
pub const ERASED: [&str; 4] = [
    "your name, ID number and its look-up key, phone number, neighbourhood, subdistrict and interests",
    "your user name and password: every account of yours is disabled and renamed",
    "every sign-in session of your accounts",
    "the data download: nothing personal is left to download",
];

/// What an erasure keeps, and why, in the API's words.
pub const KEPT: [(&str, &str); 3] = [
    (
        "learning outcomes, recognition decisions, conversion applications and the points ledger, under the bare learner id",
        "institutions issued them and the credit bank decided them; issued credentials must stay verifiable and the decisions auditable; without your identity they no longer relate to you",
    ),
    (
        "birth year, gender and district",
        "for the city's learning statistics; alone they identify nobody",
    ),
    (
        "consent records, the audit log and the record of this erasure",
        "proof of what was agreed and done; they hold ids, never ID or phone numbers",
    ),
];

/// Whether `text` is the confirmation word (either language, surrounding spaces and case
/// ignored); 422 naming `confirm` otherwise.
pub fn check_confirmation(text: Option<&str>) -> AppResult<()> {
    let typed = text.map(str::trim).unwrap_or_default();
    if typed == CONFIRM_WORD_ZH || typed.eq_ignore_ascii_case(CONFIRM_WORD_EN) {
        Ok(())
    } else {
        Err(AppError::invalid(
            "confirm",
            format!(
                "type the word {CONFIRM_WORD_ZH} (or {CONFIRM_WORD_EN}) to confirm that your account is to be erased"
            ),
        ))
    }
}

/// A finished erasure: whose, when, and the cookie that clears the caller's session.
#[derive(Debug)]
pub struct Erased {
    pub learner: LearnerId,
    pub at: OffsetDateTime,
    pub clear_session: Cookie<'static>,
}

/// Erases the signed-in citizen's own learner record once `confirm` is the confirmation word:
/// 401/403 for anyone but a citizen with a learner record (checked first), 422 (`confirm`) for
/// a wrong or missing word (nothing is erased), 409 (`learner`) when it was already erased.
/// Audited as `learner.erase` by the use case, in the same transaction.
pub async fn erase_own(
    state: &AppState,
    identity: &Identity,
    confirm: Option<&str>,
) -> AppResult<Erased> {
    let learner = identity
        .require_to(
            Action::EraseOwnData,
            "only a learner asks for their own account to be erased",
        )?
        .learner_id
        .ok_or(AppError::Forbidden("this account has no learner record"))?;
    check_confirmation(confirm)?;
    let at = OffsetDateTime::now_utc();
    xc_bank::erase::erase_learner(&*state.store, learner, at, identity.actor()).await?;
    tracing::info!(learner.id = %learner, "learner erased on request");
    // The store has deleted the sessions already; this also tells the browser to drop its cookie.
    let clear_session = auth::sign_out(state, identity).await?;
    Ok(Erased {
        learner,
        at,
        clear_session,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_confirmation_word_confirms() {
        for word in ["注销", " 注销 ", "erase", "Erase", " ERASE"] {
            assert!(check_confirmation(Some(word)).is_ok(), "{word}");
        }
        for word in [
            None,
            Some(""),
            Some("注"),
            Some("删除"),
            Some("erased"),
            Some("yes"),
        ] {
            let error = check_confirmation(word).unwrap_err();
            assert_eq!(error.field().as_deref(), Some("confirm"), "{word:?}");
        }
    }
}
