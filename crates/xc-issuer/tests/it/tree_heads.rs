//! Signed tree heads over a real store: signed with both keys, verifiable with the published
//! keys, recorded once per state, and refused when the stored log no longer extends the last
//! signed head.

use time::macros::datetime;
use xc_backend::testing::TestStore;
use xc_issuer::{IssuerError, IssuerKeys, sign_tree_head, verify_tree_head_signatures};
use xc_store::{LogEntryKind, NewLogEntry, SignedTreeHead, TreeHeadSignature};

const DID: &str = "did:web:bank.example.org";

fn entries(range: std::ops::Range<u32>) -> Vec<NewLogEntry> {
    range
        .map(|n| NewLogEntry {
            kind: LogEntryKind::Issuance,
            subject: format!("urn:uuid:{n}"),
            entry: format!("issued {n}").into_bytes(),
        })
        .collect()
}

#[tokio::test]
async fn tree_heads_are_signed_with_both_keys_and_only_forward() {
    let store = TestStore::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    let t0 = datetime!(2026-11-29 09:00 UTC);

    let empty = sign_tree_head(&*store, &keys, t0).await.unwrap();
    assert_eq!(empty.head.size, 0);
    assert_eq!(empty.head.root_hash, xc_merkle::empty_tree_root());

    store.append_log_entries(&entries(0..7), t0).await.unwrap();
    let seven = sign_tree_head(&*store, &keys, t0).await.unwrap();
    assert_eq!(seven.head.size, 7);
    let signers = verify_tree_head_signatures(&seven, keys.keyring()).unwrap();
    assert_eq!(
        signers,
        [
            "did:web:bank.example.org#ed25519-1",
            "did:web:bank.example.org#sm2-1"
        ]
    );
    assert_eq!(
        sign_tree_head(&*store, &keys, datetime!(2026-11-29 10:00 UTC))
            .await
            .unwrap(),
        seven,
        "nothing appended: the same head"
    );
    assert_eq!(store.latest_tree_head().await.unwrap(), Some(seven.clone()));

    // A changed head no longer verifies.
    let mut forged = seven.clone();
    forged.head.size = 6;
    assert!(verify_tree_head_signatures(&forged, keys.keyring()).is_err());
    let mut unsigned = seven.clone();
    unsigned.signatures.clear();
    assert!(verify_tree_head_signatures(&unsigned, keys.keyring()).is_err());
    let mut unknown_key = seven.clone();
    unknown_key.signatures[0].key_id = "did:web:elsewhere.example#ed25519-1".into();
    assert!(verify_tree_head_signatures(&unknown_key, keys.keyring()).is_err());

    store.append_log_entries(&entries(7..20), t0).await.unwrap();
    let twenty = sign_tree_head(&*store, &keys, datetime!(2026-11-29 09:01 UTC))
        .await
        .unwrap();
    assert_eq!(twenty.head.size, 20);
    assert!(twenty.head.timestamp_ms > seven.head.timestamp_ms);
}

#[tokio::test]
async fn a_head_the_log_does_not_extend_is_never_signed() {
    let store = TestStore::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    let t0 = datetime!(2026-11-29 09:00 UTC);
    store.append_log_entries(&entries(0..5), t0).await.unwrap();
    // A head for 5 entries with another root, as if the log had been rewritten since.
    store
        .record_tree_head(&SignedTreeHead {
            head: xc_merkle::TreeHead {
                size: 5,
                root_hash: xc_merkle::hash_leaf(b"another history"),
                timestamp_ms: 1,
            },
            signatures: vec![TreeHeadSignature {
                key_id: format!("{DID}#ed25519-1"),
                algorithm: "Ed25519".into(),
                signature: vec![0; 64],
            }],
        })
        .await
        .unwrap();
    store.append_log_entries(&entries(5..9), t0).await.unwrap();
    let error = sign_tree_head(&*store, &keys, t0).await.unwrap_err();
    assert!(matches!(error, IssuerError::Log(_)), "{error:?}");
    assert_eq!(
        store.latest_tree_head().await.unwrap().unwrap().head.size,
        5
    );
}
