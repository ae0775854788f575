//! The issuer a running application holds: the did:web DID of its base URL, issuance for
//! outcomes just recognised (idempotent, recognised ones only) and the walk over what is still
//! owed, each followed by a signed tree head that covers it.

use std::sync::Arc;

use xc_backend::testing::TestStore;
use xc_issuer::{Issuer, IssuerError, IssuerProfile, did_web_of, verify_tree_head_signatures};
use xc_store::suite::recognised_outcomes_fixture;

#[test]
fn the_did_is_the_host_of_the_base_url() {
    for (url, did) in [
        ("https://bank.example.org", "did:web:bank.example.org"),
        ("https://bank.example.org/", "did:web:bank.example.org"),
        ("http://127.0.0.1:8080", "did:web:127.0.0.1%3A8080"),
        ("http://localhost:3000", "did:web:localhost%3A3000"),
    ] {
        assert_eq!(did_web_of(url).unwrap(), did, "{url}");
    }
    for url in [
        "bank.example.org",
        "ftp://bank.example.org",
        "https://",
        "https://bank.example.org/credit-bank",
        "https://user@bank.example.org",
        "https://银行.example",
    ] {
        assert!(
            matches!(did_web_of(url), Err(IssuerError::BaseUrl { .. })),
            "{url}"
        );
    }
}

fn issuer(dir: &std::path::Path) -> Arc<Issuer> {
    Arc::new(
        Issuer::open(
            dir,
            IssuerProfile {
                name: "学城终身教育学分银行".into(),
                base_url: "https://bank.example.org/".into(),
            },
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn outcomes_are_issued_once_and_the_head_covers_them() {
    let store = TestStore::fresh().await;
    let outcomes = recognised_outcomes_fixture(&*store, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let issuer = issuer(dir.path());
    assert_eq!(issuer.keys().did(), "did:web:bank.example.org");
    assert_eq!(issuer.profile().base_url, "https://bank.example.org");

    let first = issuer
        .issue_for(&*store, &[outcomes[1].id, outcomes[1].id])
        .await
        .unwrap();
    assert_eq!(first.len(), 1, "an outcome named twice is issued once");
    assert!(
        issuer
            .issue_for(&*store, &[outcomes[1].id])
            .await
            .unwrap()
            .is_empty(),
        "issuing again issues nothing"
    );
    let head = store.latest_tree_head().await.unwrap().unwrap();
    assert_eq!(head.head.size, 1);
    verify_tree_head_signatures(&head, issuer.keys().keyring()).unwrap();

    // The walk: two at a time, skipping the one already issued.
    let mut after = None;
    let mut issued = 0;
    loop {
        let (count, last) = issuer.issue_awaiting(&*store, after, 2).await.unwrap();
        issued += count;
        match last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    assert_eq!(issued, 4);
    for outcome in &outcomes {
        assert!(
            store
                .outcome_credential(outcome.id)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert!(
        store
            .outcomes_awaiting_credential(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let head = store.latest_tree_head().await.unwrap().unwrap();
    assert_eq!(head.head.size, 5, "the last head covers every issuance");
}
