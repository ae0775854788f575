//! Shared test helpers: where the published vectors are, and the context loader the W3C
//! vectors need.

use std::path::{Path, PathBuf};

use serde_json::Value;
use time::OffsetDateTime;
use xc_credentials::{Canonicaliser, ContextLoader};

/// The W3C examples context (`https://www.w3.org/ns/credentials/examples/v2`) that the
/// vc-di-eddsa vectors use: it maps every undefined term into the examples vocabulary. It is not
/// a context credentials of ours may use, so it is added only in tests; the vectors' canonical
/// N-Quads (`…/examples#alumniOf`) confirm its content.
pub(crate) const EXAMPLES_CONTEXT_URL: &str = "https://www.w3.org/ns/credentials/examples/v2";

/// `shared/vectors`: `XUECHENG_VECTORS_DIR` if set, else the first ancestor of this crate
/// holding `shared/vectors`, else `/work/shared/vectors`. Panics when none exists.
pub(crate) fn vectors_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XUECHENG_VECTORS_DIR") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "XUECHENG_VECTORS_DIR={} is not a directory",
            dir.display()
        );
        return dir;
    }
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for ancestor in manifest_dir.ancestors() {
        let candidate = ancestor.join("shared").join("vectors");
        if candidate.is_dir() {
            return candidate;
        }
    }
    let fallback = PathBuf::from("/work/shared/vectors");
    assert!(
        fallback.is_dir(),
        "test vectors not found: set XUECHENG_VECTORS_DIR, or put shared/vectors beside the repository"
    );
    fallback
}

pub(crate) fn read_text(relative: &str) -> String {
    let path = vectors_dir().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read vector {}: {error}", path.display()))
}

pub(crate) fn read_json(relative: &str) -> Value {
    let text = read_text(relative);
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("vector {relative} is not JSON: {error}"))
}

pub(crate) fn read_fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read fixture {}: {error}", path.display()))
}

/// The citizenship vocabulary context of the vc-di-eddsa "employ" vectors
/// (fixtures/SOURCE-citizenship-v4rc1.txt says where the copy comes from).
pub(crate) const CITIZENSHIP_CONTEXT_URL: &str = "https://w3id.org/citizenship/v4rc1";

/// Bundled contexts plus the two the W3C vc-di-eddsa vectors use (examples, citizenship).
pub(crate) fn canonicaliser_for_w3c_vectors() -> Canonicaliser {
    let contexts = ContextLoader::bundled()
        .with_context(
            EXAMPLES_CONTEXT_URL,
            &read_fixture("credentials-examples-v2.jsonld"),
        )
        .unwrap()
        .with_context(
            CITIZENSHIP_CONTEXT_URL,
            &read_fixture("citizenship-v4rc1.jsonld"),
        )
        .unwrap();
    Canonicaliser::new(contexts)
}

pub(crate) fn bundled_canonicaliser() -> Canonicaliser {
    Canonicaliser::new(ContextLoader::bundled())
}

pub(crate) fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
}
