//! `xuecheng audit` on a SQLite store with issued credentials: clean until a row is changed
//! directly in the database, then the changed row is named and the exit code is 1; a key file
//! that cannot be read is exit code 2. (The audit itself is tested row by row on both engines
//! in xc-issuer.)

use time::macros::datetime;
use xc_backend::testing::TestStore;
use xc_issuer::testing::issue_for;
use xc_issuer::{IssuerKeys, sign_tree_head};
use xc_store::suite::recognised_outcomes_fixture;

use super::{stderr, stdout, xuecheng};

#[test]
fn audit_is_clean_until_a_row_is_edited_and_then_names_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let (store, ids) = runtime.block_on(async {
        let store = TestStore::fresh_sqlite().await;
        let outcomes = recognised_outcomes_fixture(&*store, 3).await;
        let keys =
            IssuerKeys::open_or_create(&work.path().join("keys"), "did:web:bank.example.org")
                .unwrap();
        let at = datetime!(2026-11-29 10:00 UTC);
        let issued = issue_for(&*store, &keys, &outcomes, at).await;
        sign_tree_head(&*store, &keys, at).await.unwrap();
        std::fs::write(
            work.path().join("did.json"),
            keys.did_document().to_string(),
        )
        .unwrap();
        let ids: Vec<String> = issued.into_iter().map(|c| c.id).collect();
        (store, ids)
    });
    let data_dir = store
        .sqlite_data_dir()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let audit = |extra: &[&str]| {
        xuecheng()
            .args(["audit", "--data-dir", &data_dir, "--keys", "did.json"])
            .args(extra)
            .current_dir(work.path())
            .output()
            .unwrap()
    };

    let output = audit(&[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(
        text.contains("read 3 entries, 4 nodes, 1 signed tree heads, 3 issued credentials"),
        "{text}"
    );
    assert!(text.contains("CLEAN"), "{text}");

    runtime
        .block_on(store.execute_directly(
            "DROP TRIGGER issued_credentials_no_update; \
             UPDATE issued_credentials SET document = replace(document, '静安区', '徐汇区') \
             WHERE log_index = 1;",
        ))
        .unwrap();
    let output = audit(&[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(
        text.contains(&format!(
            "FINDING issued_credentials id {}: changed",
            ids[1]
        )),
        "{text}"
    );
    assert!(text.contains("NOT CLEAN: 1 finding(s)"), "{text}");

    let output = audit(&["--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["clean"], false);
    assert_eq!(report["findings"][0]["table"], "issued_credentials");
    assert_eq!(report["findings"][0]["row"], format!("id {}", ids[1]));

    let output = xuecheng()
        .args(["audit", "--data-dir", &data_dir, "--keys", "nope.json"])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("error: keys nope.json:"),
        "{}",
        stderr(&output)
    );
}
