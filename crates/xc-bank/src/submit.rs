//! Submission of outcomes by provider staff: one at a time ([`submit_one`]), as an API list
//! ([`import_items`]) or as a CSV/XLSX file ([`import_file`]).
//!
//! A file is read once and never held in memory: each chunk of rows is checked (fields,
//! outcome ids repeated within the chunk, learners matched by the keyed hash of their ID number
//! or by learner id, a chunk at a time) while the store writes the previous chunk inside the
//! upload's one batch transaction, recognising each outcome automatically where one
//! specification matches it exactly and queueing it for review otherwise. An outcome id repeated
//! from an earlier chunk is found by the store (`Written::RepeatedInBatch`), so memory does not
//! grow with the file. If the file cannot be read, or the submitter chose all-or-nothing and any
//! row has a problem, the batch is rolled back at the end and nothing is stored; the report
//! lists every problem either way. An outcome id the provider already submitted is not stored
//! again (and is counted as such), so re-submitting a file is harmless.
//!
//! Outcomes recognised automatically earn their points under the policy as a single submission's
//! do, but after the upload has been answered: the caller hands the committed batch to
//! [`crate::follow_up::FollowUps`] (or runs [`crate::follow_up::follow_up_batch`]), which reads
//! the batch's recognised outcomes back a page at a time and awards them in bulk. Nothing is
//! kept for the whole file, so memory does not grow with it.

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

/// A row that passed every check, with its learner matched.
#[derive(Debug)]
struct Checked {
    row: OutcomeRow,
    learner: LearnerId,
}

/// Checks a chunk of rows: fields, duplicates of earlier rows known to `duplicates`, learners.
/// Problems go to `problems` in row order.
async fn check_chunk<F: OutcomeFields>(
    store: &dyn Store,
    vault: &PiiVault,
    options: &BatchOptions,
    items: &[F],
    duplicates: &mut DuplicateRows,
    problems: &mut Vec<RowProblem>,
) -> Result<Vec<Checked>, StoreError> {
    let mut parsed: Vec<Result<OutcomeRow, Vec<RowProblem>>> = items
        .iter()
        .map(|item| parse_outcome(item, options.provider, options.today, vault))
        .collect();
    for (item, result) in items.iter().zip(parsed.iter_mut()) {
        if let Ok(row) = result
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
            (Err(found), _) => problems.extend(found),
            (Ok(_), Err((key, invalid))) => problems.push(item.problem(key, invalid)),
            (Ok(row), Ok(learner)) => checked.push(Checked { row, learner }),
        }
    }
    Ok(checked)
}

/// A matched learner, or the field at fault and why.
pub type LearnerMatch = Result<LearnerId, (&'static str, CellInvalid)>;

/// Matches the learners of the valid rows in two queries; a row with problems gets an `Err`
/// that is never reported (its own problems are).
async fn match_learners(
    store: &dyn Store,
    rows: &[Result<OutcomeRow, Vec<RowProblem>>],
) -> Result<Vec<LearnerMatch>, StoreError> {
    let refs: Vec<Option<&LearnerRef>> = rows
        .iter()
        .map(|row| row.as_ref().ok().map(|row| &row.learner))
        .collect();
    match_learner_refs(store, &refs).await
}

/// Matches learners named by ID number (keyed hash) or learner id in two queries, whatever
/// names them (an outcome row, a points event); `None` gets an `Err` never meant to be
/// reported (its row's own problems are).
pub async fn match_learner_refs(
    store: &dyn Store,
    refs: &[Option<&LearnerRef>],
) -> Result<Vec<LearnerMatch>, StoreError> {
    let mut lookups: Vec<Vec<u8>> = Vec::new();
    let mut ids: Vec<LearnerId> = Vec::new();
    for learner in refs.iter().flatten() {
        match learner {
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
    Ok(refs
        .iter()
        .map(|learner| {
            let Some(learner) = learner else {
                return Err(("external_id", CellInvalid::new("", "")));
            };
            match learner {
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

/// Writes `rows` and counts what became of them; answers the positions (in `rows`) of the rows
/// whose outcome id an earlier call of the batch stored.
async fn write_chunk(
    writer: &mut dyn OutcomeBatchWriter,
    rows: &[NewOutcome],
    tally: &mut Tally,
) -> Result<Vec<usize>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let written = writer.write(rows).await?;
    let mut repeated = Vec::new();
    for (index, (row, written)) in rows.iter().zip(written).enumerate() {
        match written {
            Written::Stored(_) => {
                tally.stored += 1;
                if row.automatic.is_some() {
                    tally.recognised += 1;
                }
            }
            Written::AlreadyStored(_) => tally.already_stored += 1,
            Written::RepeatedInBatch(_) => repeated.push(index),
        }
    }
    Ok(repeated)
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

/// One checked chunk of a file on its way to the store: the outcomes to write with their row
/// numbers, and the chunk's problems so far.
#[derive(Debug)]
struct CheckedChunk {
    outcomes: Vec<NewOutcome>,
    rows: Vec<u64>,
    problems: Vec<RowProblem>,
    /// The file's header of the outcome id column, for problems found by the store.
    external_id_column: String,
}

/// The problem of a row whose outcome id an earlier row of the same file has.
fn repeated_outcome_id(row: u64, column: &str, external_id: &str) -> RowProblem {
    RowProblem::new(
        row,
        column,
        external_id,
        CellInvalid::new(
            "与本文件前面一行的成果编号重复",
            "the same outcome id as an earlier row of this file",
        ),
    )
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
    let mut report = Report::default();
    let reader = open(path, options.limits).await?;
    for warning in reader.warnings() {
        report.push_file_problem(warning.to_file_problem());
    }
    let mut writer = store.begin_batch(&new_batch(options)).await?;
    // Reading and checking the next chunk overlaps with storing the previous one (the store
    // works on its own connection thread).
    let (chunks, ready) = tokio::sync::mpsc::channel::<CheckedChunk>(2);
    let produce = async {
        // Owned here, so the channel closes when reading ends and the writer loop finishes.
        let chunks = chunks;
        let mut reader = reader;
        let mut rows = 0u64;
        let mut valid_rows = 0u64;
        loop {
            let (next, chunk) = next_chunk(reader).await?;
            reader = next;
            let Some(first) = chunk.first() else {
                return Ok::<(u64, u64), BankError>((rows, valid_rows));
            };
            rows += chunk.len() as u64;
            let external_id_column = first.cell("external_id").column().to_owned();
            // Repeats within the chunk are found here, with the row they repeat; repeats of
            // earlier chunks by the store.
            let mut duplicates = DuplicateRows::new(&["external_id"]);
            let mut problems = Vec::new();
            let checked = check_chunk(
                store,
                vault,
                options,
                &chunk,
                &mut duplicates,
                &mut problems,
            )
            .await?;
            valid_rows += checked.len() as u64;
            let mut numbers = Vec::with_capacity(checked.len());
            let outcomes = checked
                .into_iter()
                .map(|checked| {
                    numbers.push(checked.row.row);
                    let automatic = standards.automatic(&checked.row.submitted);
                    new_outcome(options, checked, automatic)
                })
                .collect();
            let checked = CheckedChunk {
                outcomes,
                rows: numbers,
                problems,
                external_id_column,
            };
            if chunks.send(checked).await.is_err() {
                // The writer stopped on an error, which it reports.
                return Ok((rows, valid_rows));
            }
        }
    };
    let mut tally = Tally::default();
    let mut repeated_rows = 0u64;
    let consume = async {
        // Owned here, so a failed write closes the channel and reading stops too.
        let mut ready = ready;
        while let Some(chunk) = ready.recv().await {
            let CheckedChunk {
                outcomes,
                rows,
                mut problems,
                external_id_column,
            } = chunk;
            let repeated = write_chunk(writer.as_mut(), &outcomes, &mut tally).await?;
            repeated_rows += repeated.len() as u64;
            problems.extend(repeated.into_iter().map(|index| {
                repeated_outcome_id(
                    rows[index],
                    &external_id_column,
                    &outcomes[index].external_id,
                )
            }));
            // Stable: a row's own problems keep their order.
            problems.sort_by_key(|problem| problem.row);
            for problem in problems {
                report.push(problem);
            }
        }
        Ok::<(), StoreError>(())
    };
    let (read, written) = tokio::join!(produce, consume);
    written?;
    let (rows, valid_rows) = read?;
    let valid_rows = valid_rows - repeated_rows;
    if valid_rows == 0 || (options.all_or_nothing && valid_rows < rows) {
        // Store nothing: dropping the writer rolls the batch back.
        drop(writer);
        return Ok(BatchResult::unstored(report, rows, valid_rows));
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
        let mut problems = Vec::new();
        valid
            .push(check_chunk(store, vault, options, chunk, &mut duplicates, &mut problems).await?);
        problems
            .into_iter()
            .for_each(|problem| report.push(problem));
    }
    let rows = items.len() as u64;
    let valid_rows: u64 = valid.iter().map(|chunk| chunk.len() as u64).sum();
    if valid_rows == 0 || (options.all_or_nothing && valid_rows < rows) {
        return Ok(BatchResult::unstored(report, rows, valid_rows));
    }
    let mut writer = store.begin_batch(&new_batch(options)).await?;
    let mut tally = Tally::default();
    for checked in valid {
        let rows: Vec<NewOutcome> = checked
            .into_iter()
            .map(|checked| {
                let automatic = standards.automatic(&checked.row.submitted);
                new_outcome(options, checked, automatic)
            })
            .collect();
        // The list's repeats were refused above, so the store finds none.
        let repeated = write_chunk(writer.as_mut(), &rows, &mut tally).await?;
        debug_assert!(repeated.is_empty());
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
    let mut problems = Vec::new();
    let mut duplicates = DuplicateRows::new(&["external_id"]);
    let mut checked = check_chunk(
        store,
        vault,
        options,
        std::slice::from_ref(&input.normalised()),
        &mut duplicates,
        &mut problems,
    )
    .await?;
    let Some(checked) = checked.pop() else {
        return Err(BankError::Rejected(problems));
    };
    // Recognised once: the full answer (with the closest specifications) is returned, and the
    // automatic part of it is what is stored.
    let recognition = standards.recognise(&checked.row.submitted);
    let learner = checked.learner;
    let outcome = new_outcome(options, checked, standards.automatic_of(&recognition));
    let audit = AuditEvent::new(options.actor.clone(), "outcome.submit", "outcome", "new")
        .with_detail(json!({
            "provider": options.provider.get(),
            "learner": learner.get(),
            "external_id": outcome.external_id,
            "recognised": outcome.automatic.is_some(),
        }));
    let written = store_outcome(store, standards, &outcome, &audit).await?;
    Ok(Submission {
        written,
        learner,
        recognition,
    })
}

/// Stores one checked outcome with its audit entry (unless its provider submitted its external
/// id before) and, recognised automatically and stored now, awards its points under the policy:
/// what every single submission does, whoever submits (a provider's form or API, a statement
/// rule of the learning record store).
pub(crate) async fn store_outcome(
    store: &dyn Store,
    standards: &Standards,
    outcome: &NewOutcome,
    audit: &AuditEvent,
) -> Result<Written, BankError> {
    let written = store.submit_outcome(outcome, audit).await?;
    if let (Written::Stored(id), Some(_)) = (written, &outcome.automatic) {
        crate::points::award_recognition(
            store,
            standards.points_policy(),
            outcome.learner,
            id,
            outcome.submitted_at,
            Actor::System("points".into()),
        )
        .await;
    }
    Ok(written)
}
