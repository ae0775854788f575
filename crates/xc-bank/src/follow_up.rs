//! What follows a committed upload: the points of the outcomes it recognised automatically,
//! awarded after the upload has been answered, so a provider waits for their rows to be stored,
//! not for the ledger.
//!
//! Durable without a queue table: a batch is recorded as followed up (`batch_follow_ups`) only
//! once everything is done, and [`FollowUps::start`] queues every batch not recorded, so a
//! follow-up cut short by a crash or a failed write runs again at the next start. Running it
//! again is harmless: the ledger takes an event reference (`outcome:<id>`) once, so only what is
//! missing is appended. Points are awarded on the day the batch was submitted, under the policy
//! in force when the follow-up runs.
//!
//! One worker task per process takes batches in order; the recognised outcomes of a batch are
//! read a page at a time, so memory stays flat in the size of the upload.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use xc_domain::credit::BatchId;
use xc_store::{Actor, Store};

use crate::BankError;
use crate::points::{BulkAwardTally, award_recognitions};
use crate::points_policy::policy_in_force;

/// Recognised outcomes read and awarded together.
const PAGE: u32 = 10_000;

/// Pauses before the attempts after a failed follow-up; after the last, the batch waits for
/// the next start.
const RETRY_AFTER: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(10)];

/// What a batch's follow-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUpTally {
    /// Recognised outcomes of the batch read.
    pub recognised: u64,
    /// What the points award appended.
    pub points: BulkAwardTally,
}

/// Runs the follow-up of one committed batch now and records it as done.
pub async fn follow_up_batch(
    store: &dyn Store,
    batch: BatchId,
) -> Result<FollowUpTally, BankError> {
    let record = store.get_batch(batch).await?;
    let policy = policy_in_force(store).await?.policy;
    let mut tally = FollowUpTally::default();
    let mut after = None;
    loop {
        let page = store.batch_recognised(batch, after, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.1);
        tally.recognised += page.len() as u64;
        let awarded = award_recognitions(
            store,
            &policy,
            &page,
            record.submitted_at,
            Actor::System("points".into()),
        )
        .await?;
        tally.points += awarded;
    }
    store
        .record_batch_follow_up(batch, OffsetDateTime::now_utc())
        .await?;
    Ok(tally)
}

/// The follow-up worker of this process: batches queued are followed up one at a time, in
/// order, in the background.
#[derive(Debug, Clone)]
pub struct FollowUps {
    queue: mpsc::UnboundedSender<BatchId>,
    /// Batches queued and not yet finished (done, or given up until the next start).
    pending: Arc<watch::Sender<usize>>,
}

impl FollowUps {
    /// Starts the worker on the current Tokio runtime and queues every batch whose follow-up
    /// is not recorded as done.
    pub async fn start(store: Arc<dyn Store>) -> Result<Self, BankError> {
        let due = store.batches_awaiting_follow_up().await?;
        let (queue, mut batches) = mpsc::unbounded_channel::<BatchId>();
        let pending = Arc::new(watch::channel(0usize).0);
        let worker_pending = pending.clone();
        tokio::spawn(async move {
            while let Some(batch) = batches.recv().await {
                run_with_retries(&*store, batch).await;
                worker_pending.send_modify(|count| *count = count.saturating_sub(1));
            }
        });
        let follow_ups = Self { queue, pending };
        for batch in due {
            follow_ups.queue(batch);
        }
        Ok(follow_ups)
    }

    /// Queues a committed batch for its follow-up.
    pub fn queue(&self, batch: BatchId) {
        self.pending.send_modify(|count| *count += 1);
        if self.queue.send(batch).is_err() {
            // The worker is gone (its runtime is shutting down): the batch is not recorded as
            // followed up, so the next start queues it again.
            self.pending
                .send_modify(|count| *count = count.saturating_sub(1));
        }
    }

    /// Batches queued and not yet finished.
    pub fn pending(&self) -> usize {
        *self.pending.borrow()
    }

    /// Waits until every batch queued so far is finished (done, or given up until the next
    /// start after its retries failed).
    pub async fn idle(&self) {
        let mut pending = self.pending.subscribe();
        // The sender lives in `self`, so waiting cannot fail.
        let _ = pending.wait_for(|count| *count == 0).await;
    }
}

async fn run_with_retries(store: &dyn Store, batch: BatchId) {
    let mut pauses = RETRY_AFTER.iter();
    loop {
        match follow_up_batch(store, batch).await {
            Ok(tally) => {
                tracing::info!(
                    batch = batch.get(),
                    recognised = tally.recognised,
                    points_awarded = tally.points.awarded,
                    capped = tally.points.capped,
                    "batch followed up"
                );
                return;
            }
            Err(error) => match pauses.next() {
                Some(pause) => {
                    tracing::warn!(batch = batch.get(), %error, "a batch's follow-up failed; retrying");
                    tokio::time::sleep(*pause).await;
                }
                None => {
                    tracing::error!(
                        batch = batch.get(),
                        %error,
                        "a batch's follow-up failed; it runs again at the next start"
                    );
                    return;
                }
            },
        }
    }
}
