//! `xuecheng audit`: recomputes the transparency log from the stored entries with
//! `xc_issuer::audit_log` and prints every stored row that was changed or removed (table, row,
//! what differs). Exit codes: 0 nothing found; 1 findings; 2 the store or the key file could not
//! be read.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use xc_issuer::audit::AUDIT_PAGE;
use xc_issuer::{AuditReport, IssuerPublicKeys, audit_log};

use crate::StoreArgs;
use crate::verify::{EXIT_INVALID, EXIT_UNREADABLE, Exit};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The issuer's public keys (its DID document or JWKS, every key it ever signed with): the
    /// tree heads' signatures are checked with them.
    #[arg(long, value_name = "FILE")]
    keys: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn unreadable(message: String) -> anyhow::Error {
    Exit {
        code: EXIT_UNREADABLE,
        message: Some(message),
    }
    .into()
}

/// Runs the audit and prints what it found.
pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let path = args.keys.display();
    let text = std::fs::read_to_string(&args.keys)
        .map_err(|error| unreadable(format!("keys {path}: {error}")))?;
    let document: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| unreadable(format!("keys {path}: not JSON: {error}")))?;
    let keys = IssuerPublicKeys::from_json(&document)
        .map_err(|error| unreadable(format!("keys {path}: {error}")))?;
    let config = crate::commands::load(&args.store, None).map_err(|e| unreadable(e.to_string()))?;
    let store = crate::commands::open_store(&config)
        .await
        .map_err(|e| unreadable(format!("{e:#}")))?;
    let report = audit_log(&*store, &keys, AUDIT_PAGE)
        .await
        .map_err(|error| unreadable(format!("reading the log: {error}")))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&report))?);
    } else {
        print!("{}", describe(&report, store.engine()));
    }
    if report.is_clean() {
        Ok(())
    } else {
        Err(Exit {
            code: EXIT_INVALID,
            message: None,
        }
        .into())
    }
}

fn to_json(report: &AuditReport) -> serde_json::Value {
    json!({
        "clean": report.is_clean(),
        "read": {
            "entries": report.entries,
            "nodes": report.nodes,
            "treeHeads": report.tree_heads,
            "credentials": report.credentials,
        },
        "findingsTotal": report.findings_total,
        "findings": report.findings.iter().map(|finding| json!({
            "table": finding.table,
            "row": finding.row,
            "problem": finding.problem,
        })).collect::<Vec<_>>(),
    })
}

fn describe(report: &AuditReport, engine: &str) -> String {
    let mut out = format!(
        "audit of the transparency log ({engine}): read {} entries, {} nodes, {} signed tree \
         heads, {} issued credentials\n",
        report.entries, report.nodes, report.tree_heads, report.credentials
    );
    for finding in &report.findings {
        out.push_str(&format!(
            "  FINDING {} {}: {}\n",
            finding.table, finding.row, finding.problem
        ));
    }
    let shown = report.findings.len() as u64;
    if report.findings_total > shown {
        out.push_str(&format!(
            "  … and {} more findings\n",
            report.findings_total - shown
        ));
    }
    out.push_str(&if report.is_clean() {
        "CLEAN: every stored row agrees with the log recomputed from its entries\n".to_owned()
    } else {
        format!(
            "NOT CLEAN: {} finding(s): the stored log was changed behind its back\n",
            report.findings_total
        )
    });
    out
}
