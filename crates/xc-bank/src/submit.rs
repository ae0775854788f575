//! Submission of outcomes by provider staff: one at a time ([`submit_one`]), as an API list
//! ([`import_items`]) or as a CSV/XLSX file ([`import_file`]).
//!
//! A file is read twice and never held in memory. Pass 1 checks every row (fields, duplicated
//! outcome ids within the file, learners matched by the keyed hash of their ID number or by
//! learner id, a chunk at a time) and builds the bounded report. If the file cannot be read, or
//! the submitter chose all-or-nothing and any row has a problem, nothing is stored. Otherwise
//! pass 2 reads the file again, leaves out the rows pass 1 refused (kept as one bit a row),
//! checks the others again (a learner may have changed meanwhile) and stores them through
//! one batch transaction, recognising each automatically where one specification matches it
//! exactly and queueing it for review otherwise. An outcome id the provider already submitted is
//! not stored again (and is counted as such), so re-submitting a file is harmless.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::json;
use time::{Date, OffsetDateTime};
use xc_domain::credit::Recognition;
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_import::parse::CellInvalid;
use xc_import::{DuplicateRows, Limits, Report, Row, RowProblem, TableReader};
use xc_privacy::PiiVault;
use xc_store::{
    Actor, AuditEvent, AutomaticRecognition, BatchRecord, NewBatch, NewOutcome, OutcomeBatchWriter,
    Store, StoreError, Written,
};

use crate::fields::{
    LearnerRef, OutcomeFields, OutcomeInput, OutcomeRow, outcome_schema, parse_outcome,
};
use crate::standards::automatic_of;
use crate::{BankError, Standards};

/// Rows checked and stored together: one learner query and one insert per chunk.
const CHUNK_ROWS: usize = 2_000;

/// Who submits a batch and how.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub provider: InstitutionId,
    pub submitted_by: Option<UserId>,
    pub actor: Actor,
    /// The uploaded file's name (or "api" for an API list), kept with the batch.
    pub file_name: String,
    /// Store nothing unless every row is valid.
    pub all_or_nothing: bool,
    /// The day dates are checked against (no achievement after it).
    pub today: Date,
    pub now: OffsetDateTime,
    pub limits: Limits,
}

/// What became of a batch.
#[derive(Debug, Clone)]
pub struct BatchResult {
    /// Every problem, row by row (the first 1,000 in full, then counted).
    pub report: Report,
    /// Data rows read.
    pub rows: u64,
    /// Rows without any problem.
    pub valid_rows: u64,
    /// The stored batch; `None` when nothing was stored.
    pub batch: Option<BatchRecord>,
    /// Outcomes stored now.
    pub stored: u64,
    /// Valid rows whose outcome id the provider had already submitted: not stored again.
    pub already_stored: u64,
    /// Of those stored now, recognised automatically / waiting for review.
    pub recognised: u64,
    pub in_review: u64,
}

impl BatchResult {
    fn unstored(report: Report, rows: u64, valid_rows: u64) -> Self {
        Self {
            report,
            rows,
            valid_rows,
            batch: None,
            stored: 0,
            already_stored: 0,
            recognised: 0,
            in_review: 0,
        }
    }
}

/// One outcome submitted through a form or the API.
#[derive(Debug, Clone)]
pub struct Submission {
    pub written: Written,
    pub learner: LearnerId,
    /// How the outcome was recognised (automatic), or why it waits for review with the closest
    /// specifications. For an outcome already stored, what recognition would say today.
    pub recognition: Recognition,
}

/// Spreadsheet row numbers, one bit each: the rows pass 1 refused (125 KB for a million rows).
#[derive(Debug, Default)]
struct RowSet {
    words: Vec<u64>,
}

impl RowSet {
    fn insert(&mut self, row: u64) {
        let word = (row / 64) as usize;
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (row % 64);
    }

    fn contains(&self, row: u64) -> bool {
        self.words
            .get((row / 64) as usize)
            .is_some_and(|word| word & (1 << (row % 64)) != 0)
    }
}

/// A row that passed every check, with its learner matched.
#[derive(Debug)]
struct Checked {
    row: OutcomeRow,
    learner: LearnerId,
}

/// Checks a chunk of rows: fields, duplicates of earlier rows (when given the finder), learners.
/// Problems go to `report`
/// in row order.
async fn check_chunk<F: OutcomeFields>(
    store: &dyn Store,
    vault: &PiiVault,
    options: &BatchOptions,
    items: &[F],
    mut duplicates: Option<&mut DuplicateRows>,
    report: &mut Report,
) -> Result<Vec<Checked>, StoreError> {
    let mut parsed: Vec<Result<OutcomeRow, Vec<RowProblem>>> = items
        .iter()
        .map(|item| parse_outcome(item, options.provider, options.today, vault))
        .collect();
    for (item, result) in items.iter().zip(parsed.iter_mut()) {
        if let Ok(row) = result
            && let Some(duplicates) = duplicates.as_deref_mut()
            && let Some(first) = duplicates.check_key(row.row, &[row.external_id.as_str()])
        {
            *result = Err(vec![item.problem(
                "external_id",
                CellInvalid::new(
                    format!("与第 {first} 行的成果编号重复"),
                    format!("the same outcome id as row {first}"),
                ),
            )]);
        }
    }
    let matched = match_learners(store, &parsed).await?;
    let mut checked = Vec::with_capacity(items.len());
    for ((item, result), learner) in items.iter().zip(parsed).zip(matched) {
        match (result, learner) {
            (Err(problems), _) => problems.into_iter().for_each(|p| report.push(p)),
            (Ok(_), Err((key, invalid))) => report.push(item.problem(key, invalid)),
            (Ok(row), Ok(learner)) => checked.push(Checked { row, learner }),
        }
    }
    Ok(checked)
}

type Match = Result<LearnerId, (&'static str, CellInvalid)>;

/// Matches the learners of the valid rows in two queries; a row with problems gets an `Err`
/// that is never reported (its own problems are).
async fn match_learners(
    store: &dyn Store,
    rows: &[Result<OutcomeRow, Vec<RowProblem>>],
) -> Result<Vec<Match>, StoreError> {
    let mut lookups: Vec<Vec<u8>> = Vec::new();
    let mut ids: Vec<LearnerId> = Vec::new();
    for row in rows.iter().flatten() {
        match &row.learner {
            LearnerRef::NationalId(lookup) => lookups.push(lookup.clone()),
            LearnerRef::Id(id) => ids.push(*id),
            LearnerRef::Both { lookup, .. } => lookups.push(lookup.clone()),
        }
    }
    lookups.sort_unstable();
    lookups.dedup();
    ids.sort_unstable();
    ids.dedup();
    let by_lookup: HashMap<Vec<u8>, LearnerId> = if lookups.is_empty() {
        HashMap::new()
    } else {
        store
            .find_learners_by_national_ids(&lookups)
            .await?
            .into_iter()
            .collect()
    };
    let existing: HashSet<LearnerId> = if ids.is_empty() {
        HashSet::new()
    } else {
        store.existing_learners(&ids).await?.into_iter().collect()
    };
    let unknown_national_id = || {
        (
            "national_id",
            CellInvalid::new(
                "没有持此身份证号的学习者：请先为其开通个人学习账户",
                "no learner has this ID number: register the learner first",
            ),
        )
    };
    Ok(rows
        .iter()
        .map(|row| {
            let Ok(row) = row else {
                return Err(("external_id", CellInvalid::new("", "")));
            };
            match &row.learner {
                LearnerRef::NationalId(lookup) => by_lookup
                    .get(lookup)
                    .copied()
                    .ok_or_else(unknown_national_id),
                LearnerRef::Id(id) => {
                    if existing.contains(id) {
                        Ok(*id)
                    } else {
                        Err((
                            "learner_id",
                            CellInvalid::new("没有这个学习者编号", "no learner has this id"),
                        ))
                    }
                }
                LearnerRef::Both { lookup, id } => match by_lookup.get(lookup) {
                    None => Err(unknown_national_id()),
                    Some(found) if found == id => Ok(*id),
                    Some(_) => Err((
                        "learner_id",
                        CellInvalid::new(
                            "学习者编号与身份证号不是同一个人",
                            "the learner id and the ID number name different learners",
                        ),
                    )),
                },
            }
        })
        .collect())
}

/// The outcome to store for a checked row, with its automatic recognition if it has one.
fn new_outcome(
    options: &BatchOptions,
    checked: Checked,
    automatic: Option<AutomaticRecognition>,
) -> NewOutcome {
    NewOutcome {
        learner: checked.learner,
        external_id: checked.row.external_id,
        submitted: checked.row.submitted,
        submitted_at: options.now,
        submitted_by: options.submitted_by,
        automatic,
    }
}

/// Counts of what a batch writer stored.
#[derive(Debug, Default)]
struct Tally {
    stored: u64,
    already_stored: u64,
    recognised: u64,
}

async fn write_chunk(
    writer: &mut dyn OutcomeBatchWriter,
    rows: Vec<NewOutcome>,
    tally: &mut Tally,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let written = writer.write(&rows).await?;
    for (row, written) in rows.iter().zip(written) {
        match written {
            Written::Stored(_) => {
                tally.stored += 1;
                if row.automatic.is_some() {
                    tally.recognised += 1;
                }
            }
            Written::AlreadyStored(_) => tally.already_stored += 1,
        }
    }
    Ok(())
}

fn batch_audit(options: &BatchOptions, rows: u64, tally: &Tally) -> AuditEvent {
    AuditEvent::new(
        options.actor.clone(),
        "outcome.batch_submit",
        "outcome_batch",
        "new",
    )
    .with_detail(json!({
        "provider": options.provider.get(),
        "file_name": options.file_name,
        "all_or_nothing": options.all_or_nothing,
        "rows": rows,
        "stored": tally.stored,
        "already_stored": tally.already_stored,
        "recognised": tally.recognised,
    }))
}

fn new_batch(options: &BatchOptions) -> NewBatch {
    NewBatch {
        provider: options.provider,
        submitted_by: options.submitted_by,
        submitted_at: options.now,
        file_name: options.file_name.clone(),
        all_or_nothing: options.all_or_nothing,
    }
}

fn finished(
    report: Report,
    rows: u64,
    valid_rows: u64,
    batch: BatchRecord,
    tally: Tally,
) -> BatchResult {
    BatchResult {
        report,
        rows,
        valid_rows,
        batch: Some(batch),
        stored: tally.stored,
        already_stored: tally.already_stored,
        recognised: tally.recognised,
        in_review: tally.stored - tally.recognised,
    }
}

/// Reads the next chunk of a file on the blocking pool (the reader does file IO and parsing).
async fn next_chunk(reader: TableReader) -> Result<(TableReader, Vec<Row>), BankError> {
    tokio::task::spawn_blocking(move || {
        let mut reader = reader;
        let chunk = reader.next_chunk(CHUNK_ROWS)?;
        Ok((reader, chunk))
    })
    .await
    .map_err(|join| BankError::Corrupt(format!("the file reader stopped: {join}")))?
}

async fn open(path: &Path, limits: Limits) -> Result<TableReader, BankError> {
    let path: PathBuf = path.to_owned();
    tokio::task::spawn_blocking(move || TableReader::open(&path, &outcome_schema(), limits))
        .await
        .map_err(|join| BankError::Corrupt(format!("the file reader stopped: {join}")))?
        .map_err(BankError::from)
}

/// Imports a CSV or XLSX file of outcomes (see the module doc). A file that cannot be read at
/// all (encoding, size, header) is a [`BankError::File`]; problems with rows are in the result's
/// report.
pub async fn import_file(
    store: &dyn Store,
    vault: &PiiVault,
    standards: &Standards,
    path: &Path,
    options: &BatchOptions,
) -> Result<BatchResult, BankError> {
    // Pass 1: check everything.
    let mut report = Report::default();
    let mut reader = open(path, options.limits).await?;
    for warning in reader.warnings() {
        report.push_file_problem(warning.to_file_problem());
    }
    let mut duplicates = DuplicateRows::new(&["external_id"]);
    let mut refused = RowSet::default();
    let mut rows = 0u64;
    let mut valid_rows = 0u64;
    loop {
        let (next, chunk) = next_chunk(reader).await?;
        reader = next;
        if chunk.is_empty() {
            break;
        }
        rows += chunk.len() as u64;
        let checked = check_chunk(
            store,
            vault,
            options,
            &chunk,
            Some(&mut duplicates),
            &mut report,
        )
        .await?;
        valid_rows += checked.len() as u64;
        let valid: Vec<u64> = checked.iter().map(|c| c.row.row).collect();
        for row in &chunk {
            if valid.binary_search(&row.number()).is_err() {
                refused.insert(row.number());
            }
        }
    }
    // The finder holds 24 bytes a distinct outcome id; pass 2 needs only the refused rows.
    drop(duplicates);
    if valid_rows == 0 || (options.all_or_nothing && valid_rows < rows) {
        return Ok(BatchResult::unstored(report, rows, valid_rows));
    }

    // Pass 2: the same checks, storing what passes. Reading and checking the next chunk
    // overlaps with storing the previous one (the store works on its own connection thread).
    let mut recheck = Report::default();
    let reader = open(path, options.limits).await?;
    let mut writer = store.begin_batch(&new_batch(options)).await?;
    let (chunks, ready) = tokio::sync::mpsc::channel::<Vec<NewOutcome>>(2);
    let produce = async {
        // Owned here, so the channel closes when reading ends and the writer loop finishes.
        let chunks = chunks;
        let mut reader = reader;
        loop {
            let (next, chunk) = next_chunk(reader).await?;
            reader = next;
            if chunk.is_empty() {
                return Ok::<bool, BankError>(true);
            }
            // Rows refused in pass 1 are left out, duplicates included, so what remains has no
            // duplicated outcome id and needs no finder of its own.
            let chunk: Vec<Row> = chunk
                .into_iter()
                .filter(|row| !refused.contains(row.number()))
                .collect();
            let checked = check_chunk(store, vault, options, &chunk, None, &mut recheck).await?;
            if options.all_or_nothing && !recheck.is_clean() {
                // Something changed between the passes (e.g. a learner was removed).
                return Ok(false);
            }
            let rows = checked
                .into_iter()
                .map(|checked| {
                    let automatic = standards.automatic(&checked.row.submitted);
                    new_outcome(options, checked, automatic)
                })
                .collect();
            if chunks.send(rows).await.is_err() {
                // The writer stopped on an error, which it reports.
                return Ok(true);
            }
        }
    };
    let mut tally = Tally::default();
    let consume = async {
        // Owned here, so a failed write closes the channel and reading stops too.
        let mut ready = ready;
        while let Some(rows) = ready.recv().await {
            write_chunk(writer.as_mut(), rows, &mut tally).await?;
        }
        Ok::<(), StoreError>(())
    };
    let (complete, written) = tokio::join!(produce, consume);
    written?;
    if !complete? {
        // Store nothing: dropping the writer rolls the batch back.
        drop(writer);
        return Ok(BatchResult::unstored(recheck, rows, 0));
    }
    let audit = batch_audit(options, rows, &tally);
    let batch = writer.commit(rows, &audit).await?;
    Ok(finished(report, rows, valid_rows, batch, tally))
}

/// Imports a list of outcomes given through the API, numbered from 1 in `row`: the same checks,
/// report and storage as a file, in one pass (the list is already in memory).
pub async fn import_items(
    store: &dyn Store,
    vault: &PiiVault,
    standards: &Standards,
    items: &[OutcomeInput],
    options: &BatchOptions,
) -> Result<BatchResult, BankError> {
    let items: Vec<OutcomeInput> = items.iter().map(OutcomeInput::normalised).collect();
    let mut report = Report::default();
    let mut duplicates = DuplicateRows::new(&["external_id"]);
    let mut valid = Vec::new();
    for chunk in items.chunks(CHUNK_ROWS) {
        valid.push(
            check_chunk(
                store,
                vault,
                options,
                chunk,
                Some(&mut duplicates),
                &mut report,
            )
            .await?,
        );
    }
    let rows = items.len() as u64;
    let valid_rows: u64 = valid.iter().map(|chunk| chunk.len() as u64).sum();
    if valid_rows == 0 || (options.all_or_nothing && valid_rows < rows) {
        return Ok(BatchResult::unstored(report, rows, valid_rows));
    }
    let mut writer = store.begin_batch(&new_batch(options)).await?;
    let mut tally = Tally::default();
    for checked in valid {
        let rows = checked
            .into_iter()
            .map(|checked| {
                let automatic = standards.automatic(&checked.row.submitted);
                new_outcome(options, checked, automatic)
            })
            .collect();
        write_chunk(writer.as_mut(), rows, &mut tally).await?;
    }
    let audit = batch_audit(options, rows, &tally);
    let batch = writer.commit(rows, &audit).await?;
    Ok(finished(report, rows, valid_rows, batch, tally))
}

/// Submits one outcome: every problem is a [`BankError::Rejected`]; otherwise it is stored (or
/// found already stored) with its recognition.
pub async fn submit_one(
    store: &dyn Store,
    vault: &PiiVault,
    standards: &Standards,
    input: &OutcomeInput,
    options: &BatchOptions,
) -> Result<Submission, BankError> {
    let mut report = Report::default();
    let mut duplicates = DuplicateRows::new(&["external_id"]);
    let mut checked = check_chunk(
        store,
        vault,
        options,
        std::slice::from_ref(&input.normalised()),
        Some(&mut duplicates),
        &mut report,
    )
    .await?;
    let Some(checked) = checked.pop() else {
        return Err(BankError::Rejected(report.problems().to_vec()));
    };
    // Recognised once: the full answer (with the closest specifications) is returned, and the
    // automatic part of it is what is stored.
    let recognition = standards.recognise(&checked.row.submitted);
    let learner = checked.learner;
    let outcome = new_outcome(options, checked, automatic_of(&recognition));
    let audit = AuditEvent::new(options.actor.clone(), "outcome.submit", "outcome", "new")
        .with_detail(json!({
            "provider": options.provider.get(),
            "learner": learner.get(),
            "external_id": outcome.external_id,
            "recognised": outcome.automatic.is_some(),
        }));
    let written = store.submit_outcome(&outcome, &audit).await?;
    if let (Written::Stored(id), Some(_)) = (written, &outcome.automatic) {
        crate::points::award_recognition(
            store,
            standards.points_policy(),
            learner,
            id,
            options.now,
            Actor::System("points".into()),
        )
        .await;
    }
    Ok(Submission {
        written,
        learner,
        recognition,
    })
}

#[cfg(test)]
mod tests {
    use super::RowSet;

    #[test]
    fn a_row_set_holds_exactly_the_rows_put_in() {
        let mut set = RowSet::default();
        for row in [2, 63, 64, 1_000_001] {
            set.insert(row);
        }
        for row in [2, 63, 64, 1_000_001] {
            assert!(set.contains(row), "{row}");
        }
        for row in [0, 1, 3, 65, 1_000_000, 5_000_000] {
            assert!(!set.contains(row), "{row}");
        }
    }
}
