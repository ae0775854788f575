//! What a credit-bank use case can fail with, for the web layer to map to HTTP in one place.

use xc_domain::Invalid;
use xc_import::RowProblem;
use xc_import::error::ImportError;
use xc_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// Input that breaks a rule, naming the field.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// One outcome (or a list of points events) given through a form or the API that cannot be
    /// accepted: every problem, by
    /// field, in Chinese and English.
    #[error("the input cannot be accepted: {}", describe(.0))]
    Rejected(Vec<RowProblem>),
    /// The file as a whole cannot be read (encoding, size, header).
    #[error(transparent)]
    File(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What the store holds does not parse as the domain says it must.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

fn describe(problems: &[RowProblem]) -> String {
    problems
        .iter()
        .map(|problem| format!("{}: {}", problem.column, problem.reason_en))
        .collect::<Vec<_>>()
        .join("; ")
}
