//! Erasure of a learner's identity on their request (PIPL art. 47). What goes and what stays,
//! and why, is in docs/privacy.md: the name, ID and phone numbers, look-up hash and finer places
//! go, every sign-in account of the learner is disabled; the learning records the bank issued and
//! decided stay under the bare learner id. The caller checks that the request comes from the
//! learner themself (or a city admin acting on a written request).

use serde_json::json;
use time::OffsetDateTime;
use xc_domain::LearnerId;
use xc_privacy::tokens::{new_secret, secret_hash};
use xc_store::{Actor, AuditEvent, Erasure, Store};

use crate::BankError;

/// What an erased learner and their accounts are called.
pub const ERASED_NAME: &str = "已注销学习者";

/// Erases `learner`'s identity now. `Conflict { field: "learner" }` (from the store) when it was
/// already erased.
pub async fn erase_learner(
    store: &dyn Store,
    learner: LearnerId,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<(), BankError> {
    // The SHA-256 of a fresh random secret: 32 bytes nobody can produce from an ID number.
    let replacement_lookup = secret_hash(&new_secret("erased:"));
    let erasure = Erasure {
        at: now,
        display_name: ERASED_NAME.to_owned(),
        replacement_lookup,
    };
    let audit = AuditEvent::new(actor, "learner.erase", "learner", learner)
        .with_detail(json!({"kept": "learning records under the learner id; see docs/privacy.md"}));
    store.erase_learner(learner, &erasure, &audit).await?;
    Ok(())
}
