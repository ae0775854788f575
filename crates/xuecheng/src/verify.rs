//! `xuecheng verify FILE`: checks a credential the bank issued, offline, with
//! `xc_issuer::verify_issued_credential`, and prints the report in plain words (or JSON).
//! FILE is a credential, or a proof bundle holding one (`{"credential": …, "treeHead": …,
//! "inclusionProof": …}`); `--tree-head` gives a proof bundle separately. The only network
//! access is the status list named by the credential when it is on this machine (loopback,
//! fetched through `xc_web::bank_client::BankClient`) and no `--status-list` is given.
//!
//! Exit codes: 0 everything checked holds; 1 the credential is not valid (a check failed);
//! 2 an input could not be read (missing file, not JSON, not the expected shape).

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;
use time::OffsetDateTime;
use xc_credentials::status_list::StatusListEntry;
use xc_credentials::{Canonicaliser, ContextLoader, DidKeyResolver};
use xc_issuer::{
    InclusionReport, IssuerPublicKeys, ProofBundle, ProofOutcome, StatusReport, VerificationReport,
    VerifyInputs, verify_issued_credential,
};
use xc_web::bank_client::{BankClient, is_loopback_host};

/// The exit code of a credential that is not valid.
pub const EXIT_INVALID: u8 = 1;
/// The exit code of an input that could not be read.
pub const EXIT_UNREADABLE: u8 = 2;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The credential (JSON), or a proof bundle holding it under "credential".
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// A proof bundle with the signed tree head ("treeHead") and the credential's inclusion
    /// proof ("inclusionProof"); see docs/credentials.md.
    #[arg(long, value_name = "FILE")]
    tree_head: Option<PathBuf>,
    /// The issuer's public keys: its DID document (/.well-known/did.json) or JWKS. Rotated-out
    /// keys in it still verify older credentials.
    #[arg(long, value_name = "FILE")]
    keys: Option<PathBuf>,
    /// Do not trust this key id even if the key file lists it (repeatable).
    #[arg(long, value_name = "KEY_ID")]
    distrust: Vec<String>,
    /// The status list credential the credential's credentialStatus names. Without it, a
    /// status list on this machine (127.0.0.1, ::1, localhost) is fetched; others are not
    /// checked.
    #[arg(long, value_name = "FILE")]
    status_list: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Judge validity at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

/// An input that could not be read: which file, and what was wrong.
#[derive(Debug)]
struct Unreadable(String);

fn read_json(path: &Path, what: &str) -> Result<Value, Unreadable> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Unreadable(format!("{what} {}: {error}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|error| Unreadable(format!("{what} {}: not JSON: {error}", path.display())))
}

fn read_bundle(value: Value, path: &Path, what: &str) -> Result<ProofBundle, Unreadable> {
    ProofBundle::from_value(value)
        .map_err(|error| Unreadable(format!("{what} {}: {error}", path.display())))
}

/// How a command that judges something ends when the answer is not "all good": the process
/// exits with `code`, after printing `message` (if any) as an error. `main` turns it into the
/// exit code.
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub message: Option<String>,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(message) => f.write_str(message),
            None => write!(f, "exit code {}", self.code),
        }
    }
}

impl std::error::Error for Exit {}

/// Runs the command: prints the report; an invalid credential or an unreadable input ends in
/// [`Exit`] with [`EXIT_INVALID`] or [`EXIT_UNREADABLE`].
pub async fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let report = verify(&args).await.map_err(|Unreadable(message)| Exit {
        code: EXIT_UNREADABLE,
        message: Some(message),
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", describe(&report));
    }
    if report.is_valid() {
        Ok(())
    } else {
        Err(Exit {
            code: EXIT_INVALID,
            message: None,
        }
        .into())
    }
}

async fn verify(args: &VerifyArgs) -> Result<VerificationReport, Unreadable> {
    let now = match &args.at {
        None => OffsetDateTime::now_utc(),
        Some(text) => xc_credentials::credential::parse_date_time(text)
            .ok_or_else(|| Unreadable(format!("--at {text:?} is not an RFC 3339 date-time")))?,
    };
    let document = read_json(&args.file, "credential")?;
    // A proof bundle carries the credential under "credential"; anything else is the
    // credential itself.
    let (credential, mut bundle) = match document.get("credential") {
        Some(_) if document.get("@context").is_none() => {
            let mut bundle = read_bundle(document, &args.file, "credential bundle")?;
            let credential = bundle.credential.take().unwrap_or_default();
            (credential, bundle)
        }
        _ => (document, ProofBundle::default()),
    };
    if let Some(path) = &args.tree_head {
        let given = read_bundle(read_json(path, "tree head")?, path, "tree head")?;
        if given.tree_head.is_none() {
            return Err(Unreadable(format!(
                "tree head {}: holds no \"treeHead\"",
                path.display()
            )));
        }
        bundle.tree_head = given.tree_head;
        if given.inclusion_proof.is_some() {
            bundle.inclusion_proof = given.inclusion_proof;
        }
    }
    let mut keys = match &args.keys {
        None => IssuerPublicKeys::new(),
        Some(path) => IssuerPublicKeys::from_json(&read_json(path, "keys")?)
            .map_err(|error| Unreadable(format!("keys {}: {error}", path.display())))?,
    };
    for key_id in &args.distrust {
        if !keys.distrust(key_id, "distrusted with --distrust") {
            return Err(Unreadable(format!(
                "--distrust {key_id}: the key file holds no such key"
            )));
        }
    }
    let status_list = match &args.status_list {
        Some(path) => Some(read_json(path, "status list")?),
        None => None,
    };
    let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
    let resolver = (keys, DidKeyResolver);
    // Without --status-list, the lists on this machine are fetched now (the check itself is
    // synchronous); any other URL stays unavailable.
    let mut fetched = Vec::new();
    if status_list.is_none() {
        let client = BankClient::default();
        for entry in StatusListEntry::from_credential(&credential).unwrap_or_default() {
            let url = entry.status_list_credential;
            if let Some(list) = fetch_loopback(&client, &url).await {
                fetched.push((url, list));
            }
        }
    }
    let lists = |url: &str| match &status_list {
        Some(given) => Some(given.clone()),
        None => fetched
            .iter()
            .find(|(fetched_url, _)| fetched_url == url)
            .map(|(_, list)| list.clone()),
    };
    let mut report = verify_issued_credential(
        &credential,
        &VerifyInputs {
            keys: &resolver,
            tree_head: bundle.tree_head.as_ref(),
            inclusion_proof: bundle.inclusion_proof.as_ref(),
            status_list: Some(&lists),
            now,
        },
        &canonicaliser,
    );
    if args.status_list.is_none()
        && let StatusReport::NotChecked { reason } = &mut report.status
    {
        *reason = format!(
            "{reason}: give it with --status-list (only a list on this machine is fetched)"
        );
    }
    Ok(report)
}

/// Fetches a status list credential when it is on this machine (loopback), through the one
/// client of the platform for other banks (`xc_web::bank_client::BankClient`: 10 s, 4 MB at
/// most, the bundled roots); any other address is left alone, as the module doc promises.
async fn fetch_loopback(client: &BankClient, url: &str) -> Option<Value> {
    if !on_this_machine(url) {
        return None;
    }
    client.fetch_json(url).await.ok()
}

/// True for an address whose host is this machine (127.0.0.0/8, ::1, `localhost`).
fn on_this_machine(url: &str) -> bool {
    url.parse::<http::Uri>()
        .is_ok_and(|uri| uri.host().is_some_and(is_loopback_host))
}

/// The report in plain words, one check a line.
pub fn describe(report: &VerificationReport) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!(
        "credential {}",
        report.credential_id.as_deref().unwrap_or("(no id)")
    ));
    line(format!(
        "  issuer      {}",
        report.issuer.as_deref().unwrap_or("(none)")
    ));
    if let Err(error) = &report.document {
        line(format!("  document    INVALID: {error}"));
    }
    if report.proofs.is_empty() {
        line("  proofs      none".into());
    }
    for proof in &report.proofs {
        let what = format!(
            "{} by {}",
            proof.cryptosuite.as_deref().unwrap_or("(no cryptosuite)"),
            proof.key_id.as_deref().unwrap_or("(no key)")
        );
        line(match &proof.outcome {
            ProofOutcome::Verified => format!("  proof {}     ok: {what}", proof.index),
            ProofOutcome::Failed(error) => {
                format!("  proof {}     INVALID: {what}: {error}", proof.index)
            }
            ProofOutcome::NotChecked => {
                format!("  proof {}     not checked: {what}", proof.index)
            }
        });
    }
    let period = format!(
        "from {} until {}",
        report
            .validity
            .valid_from
            .as_deref()
            .unwrap_or("(any time)"),
        report.validity.valid_until.as_deref().unwrap_or("(no end)")
    );
    line(match &report.validity.result {
        Ok(()) => format!("  validity    ok: {period}"),
        Err(error) => format!("  validity    INVALID: {error}"),
    });
    line(match &report.status {
        StatusReport::NoStatus => "  status      none: the credential has no status entry".into(),
        StatusReport::Active => "  status      ok: active (neither revoked nor suspended)".into(),
        StatusReport::Revoked => "  status      INVALID: revoked".into(),
        StatusReport::Suspended => "  status      INVALID: suspended".into(),
        StatusReport::NotChecked { reason } => format!("  status      not checked: {reason}"),
        StatusReport::Unknown { reason } => format!("  status      INVALID: unknown: {reason}"),
    });
    line(match &report.inclusion {
        InclusionReport::Included {
            leaf_index,
            tree_size,
            signed_by,
        } => format!(
            "  log         ok: entry {leaf_index} of {tree_size}, tree head signed by {}",
            signed_by.join(", ")
        ),
        InclusionReport::NotChecked { reason } => format!("  log         not checked: {reason}"),
        InclusionReport::Failed(error) => format!("  log         INVALID: {error}"),
    });
    line(if report.is_valid() {
        "VALID: everything checked holds".into()
    } else {
        "NOT VALID".into()
    });
    out
}

#[cfg(test)]
mod tests {
    use super::on_this_machine;

    #[test]
    fn only_a_status_list_on_this_machine_is_fetched() {
        assert!(on_this_machine("http://127.0.0.1:8080/status/1"));
        assert!(on_this_machine("http://localhost/status/1"));
        assert!(on_this_machine("http://[::1]:9000/s"));
        assert!(on_this_machine("http://127.8.0.1/s"));
        assert!(on_this_machine("https://127.0.0.1/s"));
        assert!(!on_this_machine("http://bank.example.org/status/1"));
        assert!(!on_this_machine("https://bank.example.org/status/1"));
        assert!(!on_this_machine("http://10.0.0.1/s"));
        assert!(!on_this_machine("http://localhost.evil.example/s"));
        assert!(!on_this_machine("not a url"));
    }
}
