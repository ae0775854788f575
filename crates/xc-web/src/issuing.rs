//! Issuing credentials as outcomes become recognised (SPEC C4, issue 4). A single submission
//! recognised automatically and a reviewer's acceptance issue their credential at once (one
//! credential, a few milliseconds, on the blocking pool); a batch import only wakes the
//! background issuer, which walks every recognised outcome still owed a credential in chunks
//! and signs a tree head after each. Recognition is never undone because issuance failed: a
//! failure is logged, and the background walk picks the outcome up (it runs after every batch,
//! after a failed issuance, and at start unless turned off).

use std::sync::Arc;

use tokio::sync::Notify;
use xc_domain::credit::OutcomeId;
use xc_issuer::Issuer;
use xc_store::Store;

use crate::AppState;

/// How many credentials the background walk issues (and signs a tree head over) at a time: a
/// few hundred milliseconds of signing, so an issuance for a single submission waits little.
pub const OWED_CHUNK: u32 = 100;

/// Issues the credentials of outcomes just recognised; on failure, logs it and leaves the
/// outcomes to the background walk.
pub(crate) async fn issue_recognised(state: &AppState, outcomes: &[OutcomeId]) {
    if let Err(error) = state.issuer.issue_for(&*state.store, outcomes).await {
        tracing::warn!(
            outcomes = outcomes.len(),
            %error,
            "credentials of recognised outcomes were not issued now; the background issuer retries"
        );
        state.issuance.notify_one();
    }
}

/// Wakes the background issuer (after a batch recognised outcomes).
pub(crate) fn issue_owed_later(state: &AppState) {
    state.issuance.notify_one();
}

/// The background issuer: walks what is owed whenever woken (and once at start when
/// `at_start`), until the process ends.
pub(crate) async fn issue_owed_forever(
    issuer: Arc<Issuer>,
    store: Arc<dyn Store>,
    wake: Arc<Notify>,
    at_start: bool,
) {
    if !at_start {
        wake.notified().await;
    }
    loop {
        match issue_owed(&issuer, &*store).await {
            Ok(0) => {}
            Ok(issued) => tracing::info!(credentials.issued = issued, "owed credentials issued"),
            Err(error) => {
                tracing::warn!(%error, "issuing owed credentials stopped; retried on the next wake")
            }
        }
        wake.notified().await;
    }
}

/// Issues every credential owed now, a chunk at a time. Answers how many were issued.
pub async fn issue_owed(
    issuer: &Arc<Issuer>,
    store: &dyn Store,
) -> Result<usize, xc_issuer::IssuerError> {
    let mut after = None;
    let mut issued = 0;
    loop {
        let (count, last) = issuer.issue_awaiting(store, after, OWED_CHUNK).await?;
        issued += count;
        match last {
            Some(last) => after = Some(last),
            None => return Ok(issued),
        }
    }
}
