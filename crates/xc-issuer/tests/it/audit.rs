//! The audit of the stored log on both engines (SQLite always; PostgreSQL too when
//! `XUECHENG_TEST_DATABASE_URL` is set): a log built by the real issuance path audits clean, and
//! a row changed or removed directly in the database — its append-only trigger dropped first,
//! as an attacker with database access would — is named, and only that row.

use time::macros::datetime;
use xc_backend::testing::{TEST_DATABASE_URL, TestStore};
use xc_issuer::testing::issue_for;
use xc_issuer::{AuditReport, IssuerKeys, IssuerPublicKeys, audit_log, sign_tree_head};
use xc_store::suite::recognised_outcomes_fixture;
use xc_store::{LogEntryKind, NewLogEntry};

struct Log {
    store: TestStore,
    _dir: tempfile::TempDir,
    keys: IssuerPublicKeys,
    credential_ids: Vec<String>,
}

/// 4 credentials (entries 0–3), a head of 4, three status entries (4–6), 2 credentials (7, 8),
/// a head of 9.
async fn issued_log(store: TestStore) -> Log {
    let outcomes = recognised_outcomes_fixture(&*store, 6).await;
    let dir = tempfile::tempdir().unwrap();
    let keys = IssuerKeys::open_or_create(dir.path(), "did:web:bank.example.org").unwrap();
    let at = datetime!(2026-11-29 10:00 UTC);
    let mut issued = issue_for(&*store, &keys, &outcomes[..4], at).await;
    sign_tree_head(&*store, &keys, at).await.unwrap();
    let status: Vec<NewLogEntry> = (0..3)
        .map(|n| NewLogEntry {
            kind: LogEntryKind::StatusChange,
            subject: issued[n].id.clone(),
            entry: format!(r#"{{"status":"suspended","type":"status_change","n":{n}}}"#)
                .into_bytes(),
        })
        .collect();
    store.append_log_entries(&status, at).await.unwrap();
    issued.extend(issue_for(&*store, &keys, &outcomes[4..], at).await);
    sign_tree_head(&*store, &keys, datetime!(2026-11-29 11:00 UTC))
        .await
        .unwrap();
    Log {
        store,
        _dir: dir,
        keys: IssuerPublicKeys::from_json(&keys.did_document()).unwrap(),
        credential_ids: issued.into_iter().map(|c| c.id).collect(),
    }
}

async fn engines() -> Vec<TestStore> {
    let mut stores = vec![TestStore::fresh_sqlite().await];
    if let Ok(url) = std::env::var(TEST_DATABASE_URL)
        && !url.is_empty()
    {
        stores.push(TestStore::fresh_postgres(&url).await);
    }
    stores
}

impl Log {
    async fn audit(&self, page: u32) -> AuditReport {
        audit_log(&*self.store, &self.keys, page).await.unwrap()
    }

    fn sqlite(&self) -> bool {
        self.store.engine() == "sqlite"
    }

    /// Drops (SQLite) or disables (PostgreSQL) the append-only triggers of `table`, then runs
    /// `change`.
    async fn tamper(&self, table: &str, change: &str) {
        let unlock = if self.sqlite() {
            format!("DROP TRIGGER {table}_no_update; DROP TRIGGER {table}_no_delete;")
        } else {
            format!("ALTER TABLE {table} DISABLE TRIGGER {table}_no_change;")
        };
        self.store
            .execute_directly(&format!("{unlock} {change}"))
            .await
            .unwrap();
    }

    fn blob(&self, bytes: &[u8]) -> String {
        if self.sqlite() {
            format!("X'{}'", hex::encode(bytes))
        } else {
            format!("'\\x{}'::bytea", hex::encode(bytes))
        }
    }
}

fn named(report: &AuditReport) -> Vec<(&str, &str)> {
    let mut rows: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|finding| (finding.table, finding.row.as_str()))
        .collect();
    rows.dedup();
    rows
}

#[tokio::test]
async fn an_untouched_log_audits_clean_in_any_page_size() {
    for store in engines().await {
        let log = issued_log(store).await;
        for page in [1, 3, 10_000] {
            let report = log.audit(page).await;
            assert!(report.is_clean(), "{}: {report:#?}", log.store.engine());
            assert_eq!(report.entries, 9);
            assert_eq!(report.nodes, 2 * 9 - 2);
            assert_eq!(report.tree_heads, 2);
            assert_eq!(report.credentials, 6);
        }
    }
}

#[tokio::test]
async fn an_edited_log_entry_is_named() {
    for store in engines().await {
        let log = issued_log(store).await;
        let entry = log.store.log_entries(2, 1).await.unwrap().remove(0).entry;
        let mut changed = String::from_utf8(entry).unwrap();
        let at = changed.find("sha256:").unwrap() + 7;
        changed.replace_range(at..at + 1, if &changed[at..=at] == "0" { "1" } else { "0" });
        let blob = log.blob(changed.as_bytes());
        log.tamper(
            "log_entries",
            &format!("UPDATE log_entries SET entry = {blob} WHERE leaf_index = 2;"),
        )
        .await;
        let report = log.audit(3).await;
        assert_eq!(
            named(&report),
            [("log_entries", "leaf_index 2")],
            "{}: {report:#?}",
            log.store.engine()
        );
        assert!(
            report.findings[0]
                .problem
                .starts_with("changed: the entry hashes to leaf")
        );
    }
}

#[tokio::test]
async fn an_edited_or_removed_merkle_node_is_named() {
    for store in engines().await {
        let log = issued_log(store).await;
        let blob = log.blob(&[7u8; 32]);
        log.tamper(
            "merkle_nodes",
            &format!("UPDATE merkle_nodes SET hash = {blob} WHERE level = 1 AND node_index = 1;"),
        )
        .await;
        let report = log.audit(10_000).await;
        assert_eq!(
            named(&report),
            [("merkle_nodes", "(level 1, node_index 1)")],
            "{}: {report:#?}",
            log.store.engine()
        );
    }
    // A leaf row (whose entry is intact): the node is named, not the entry.
    for store in engines().await {
        let log = issued_log(store).await;
        let blob = log.blob(&[9u8; 32]);
        log.tamper(
            "merkle_nodes",
            &format!("UPDATE merkle_nodes SET hash = {blob} WHERE level = 0 AND node_index = 6;"),
        )
        .await;
        let report = log.audit(2).await;
        assert_eq!(
            named(&report),
            [("merkle_nodes", "(level 0, node_index 6)")],
            "{report:#?}"
        );
    }
    for store in engines().await {
        let log = issued_log(store).await;
        log.tamper(
            "merkle_nodes",
            "DELETE FROM merkle_nodes WHERE level = 1 AND node_index = 2;",
        )
        .await;
        let report = log.audit(10_000).await;
        assert_eq!(
            named(&report),
            [("merkle_nodes", "(level 1, node_index 2)")],
            "{report:#?}"
        );
        assert!(report.findings[0].problem.starts_with("missing"));
    }
}

#[tokio::test]
async fn a_removed_log_entry_is_named() {
    for store in engines().await {
        let log = issued_log(store).await;
        log.tamper(
            "log_entries",
            "DELETE FROM log_entries WHERE leaf_index = 5;",
        )
        .await;
        let report = log.audit(4).await;
        assert_eq!(
            named(&report),
            [("log_entries", "leaf_index 5")],
            "{}: {report:#?}",
            log.store.engine()
        );
        assert!(report.findings[0].problem.starts_with("missing"));
    }
}

#[tokio::test]
async fn an_edited_tree_head_is_named() {
    for store in engines().await {
        let log = issued_log(store).await;
        let blob = log.blob(&[1u8; 32]);
        log.tamper(
            "log_tree_heads",
            &format!("UPDATE log_tree_heads SET root_hash = {blob} WHERE tree_size = 4;"),
        )
        .await;
        let report = log.audit(10_000).await;
        assert_eq!(
            named(&report),
            [("log_tree_heads", "tree_size 4")],
            "{}: {report:#?}",
            log.store.engine()
        );
        assert!(
            report
                .findings
                .iter()
                .any(|finding| finding.problem.starts_with("signature:")),
            "{report:#?}"
        );
    }
}

#[tokio::test]
async fn an_edited_issued_credential_is_named() {
    for store in engines().await {
        let log = issued_log(store).await;
        let id = &log.credential_ids[7 - 3];
        let stored = log.store.get_issued_credential(id).await.unwrap();
        let changed = stored
            .document
            .replacen("静安区社区学院", "徐汇区社区学院", 1);
        assert_ne!(changed, stored.document);
        log.tamper(
            "issued_credentials",
            &format!(
                "UPDATE issued_credentials SET document = '{}' WHERE id = '{id}';",
                changed.replace('\'', "''")
            ),
        )
        .await;
        let report = log.audit(10_000).await;
        let row = format!("id {id}");
        assert_eq!(
            named(&report),
            [("issued_credentials", row.as_str())],
            "{}: {report:#?}",
            log.store.engine()
        );
    }
}

#[tokio::test]
async fn a_head_signed_by_an_unknown_key_is_named() {
    let log = issued_log(TestStore::fresh_sqlite().await).await;
    let other_dir = tempfile::tempdir().unwrap();
    let other = IssuerKeys::open_or_create(other_dir.path(), "did:web:other.example").unwrap();
    let report = audit_log(
        &*log.store,
        &IssuerPublicKeys::from_json(&other.did_document()).unwrap(),
        10_000,
    )
    .await
    .unwrap();
    assert_eq!(
        named(&report),
        [
            ("log_tree_heads", "tree_size 4"),
            ("log_tree_heads", "tree_size 9")
        ]
    );
}
