//! Signed tree heads of the transparency log. A head is signed with the active Ed25519 and SM2
//! keys over `xc_merkle::TreeHead::to_signed_bytes` (RFC 9162 §4.10 `TreeHeadDataV2`), and only
//! after `xc_merkle::check_tree_head_extends` has shown, with a consistency proof read from the
//! store, that the log still extends the last signed head: a rewritten log is refused, never
//! signed.

use time::OffsetDateTime;
use xc_credentials::{KeyAlgorithm, KeyResolver};
use xc_merkle::{TreeHead, check_tree_head_extends};
use xc_store::{SignedTreeHead, Store, TreeHeadSignature, log_consistency_proof, log_root};

use crate::{IssuerError, IssuerKeys};

fn algorithm_label(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::Ed25519 => "Ed25519",
        KeyAlgorithm::Sm2 => "SM2-SM3",
    }
}

/// Signs and records the head of the log as it is now (or answers the latest head unchanged
/// when nothing was appended since).
pub async fn sign_tree_head(
    store: &dyn Store,
    keys: &IssuerKeys,
    now: OffsetDateTime,
) -> Result<SignedTreeHead, IssuerError> {
    let size = store.log_size().await?;
    let root_hash = log_root(store, size).await?;
    let timestamp_ms = u64::try_from(now.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| IssuerError::Log(format!("the time {now} is before 1970")))?;
    let latest = store.latest_tree_head().await?;
    let mut head = TreeHead {
        size,
        root_hash,
        timestamp_ms,
    };
    if let Some(latest) = &latest {
        if latest.head.size == size && latest.head.root_hash == root_hash {
            return Ok(latest.clone());
        }
        // Never sign a head that claims an earlier time than the last one.
        head.timestamp_ms = head.timestamp_ms.max(latest.head.timestamp_ms);
        let path = if latest.head.size == 0 || latest.head.size == size {
            Vec::new()
        } else if latest.head.size < size {
            log_consistency_proof(store, latest.head.size, size)
                .await?
                .path
        } else {
            return Err(IssuerError::Log(format!(
                "the log holds {size} entries, fewer than the {} of the last signed head",
                latest.head.size
            )));
        };
        check_tree_head_extends(&latest.head, &head, &path)
            .map_err(|error| IssuerError::Log(error.to_string()))?;
    }
    let bytes = head.to_signed_bytes();
    let signatures = [KeyAlgorithm::Ed25519, KeyAlgorithm::Sm2]
        .into_iter()
        .map(|algorithm| {
            let key = keys.active(algorithm);
            TreeHeadSignature {
                key_id: key.key_id().to_owned(),
                algorithm: algorithm_label(algorithm).to_owned(),
                signature: key.sign(&bytes),
            }
        })
        .collect();
    let signed = SignedTreeHead { head, signatures };
    store.record_tree_head(&signed).await?;
    Ok(signed)
}

/// Checks every signature of `head` with keys from `resolver`; answers the key ids that signed,
/// or what failed.
pub fn verify_tree_head_signatures(
    head: &SignedTreeHead,
    resolver: &dyn KeyResolver,
) -> Result<Vec<String>, String> {
    if head.signatures.is_empty() {
        return Err("the tree head carries no signature".into());
    }
    let bytes = head.head.to_signed_bytes();
    head.signatures
        .iter()
        .map(|signature| {
            let key = resolver
                .resolve_verification_method(&signature.key_id)
                .map_err(|error| format!("{}: {error}", signature.key_id))?;
            if key.verify_signature(&bytes, &signature.signature) {
                Ok(signature.key_id.clone())
            } else {
                Err(format!(
                    "the {} signature by {} does not match the tree head",
                    signature.algorithm, signature.key_id
                ))
            }
        })
        .collect()
}
