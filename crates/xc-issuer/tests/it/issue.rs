//! Issuing credentials for recognised outcomes on a real store: each credential verifies, its
//! issuance entry is in the log and provably included under a signed tree head, and an outcome
//! is issued once.

use time::macros::datetime;
use xc_backend::testing::TestStore;
use xc_credentials::{Canonicaliser, ContextLoader, VerifyOptions, verify_credential};
use xc_issuer::{
    IssuerError, IssuerKeys, IssuerProfile, ToIssue, issuance_entry, issue_outcome_credentials,
    sign_tree_head,
};
use xc_store::suite::recognised_outcomes_fixture;
use xc_store::{log_inclusion_proof, log_root};

#[tokio::test]
async fn issued_credentials_verify_and_are_included_in_the_signed_log() {
    let store = TestStore::fresh().await;
    let outcomes = recognised_outcomes_fixture(&*store, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let keys = IssuerKeys::open_or_create(dir.path(), "did:web:bank.example.org").unwrap();
    let profile = IssuerProfile {
        name: "学城终身教育学分银行".into(),
        base_url: "https://bank.example.org".into(),
    };
    let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
    let at = datetime!(2026-11-29 10:00 UTC);
    let to_issue: Vec<ToIssue<'_>> = outcomes
        .iter()
        .map(|outcome| ToIssue {
            outcome,
            provider_name: "静安区社区学院",
        })
        .collect();
    let issued = issue_outcome_credentials(&*store, &keys, &profile, &canonicaliser, &to_issue, at)
        .await
        .unwrap();
    assert_eq!(issued.len(), 3);
    assert_eq!(
        issued.iter().map(|c| c.log_index).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let head = sign_tree_head(&*store, &keys, at).await.unwrap();
    assert_eq!(head.head.size, 3);
    for credential in &issued {
        let stored = store.get_issued_credential(&credential.id).await.unwrap();
        assert_eq!(&stored, credential);
        let document: serde_json::Value = serde_json::from_str(&stored.document).unwrap();
        verify_credential(
            &document,
            keys.keyring(),
            &VerifyOptions::assertion_at(at),
            &canonicaliser,
        )
        .unwrap();
        // Anyone holding the credential recomputes its leaf and checks it against the head.
        let leaf = xc_merkle::hash_leaf(&issuance_entry(&document, at));
        let proof = log_inclusion_proof(&*store, stored.log_index, head.head.size)
            .await
            .unwrap();
        proof.verify(&leaf, &head.head.root_hash).unwrap();
        // A changed credential no longer matches its leaf.
        let mut changed = document.clone();
        changed["name"] = serde_json::json!("改过的名称");
        let changed_leaf = xc_merkle::hash_leaf(&issuance_entry(&changed, at));
        assert!(proof.verify(&changed_leaf, &head.head.root_hash).is_err());
    }
    assert_eq!(log_root(&*store, 3).await.unwrap(), head.head.root_hash);

    let again =
        issue_outcome_credentials(&*store, &keys, &profile, &canonicaliser, &to_issue[..1], at)
            .await
            .unwrap_err();
    assert!(matches!(again, IssuerError::Store(_)), "{again:?}");
    assert_eq!(store.log_size().await.unwrap(), 3);
}
