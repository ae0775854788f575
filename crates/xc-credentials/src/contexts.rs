//! The offline JSON-LD context loader: every context a credential may name is bundled into the
//! crate (`contexts/`, copied from the published files) and looked up by its exact URL. Nothing
//! is ever fetched, and a context given inline as an object is refused, because some widely
//! used verifiers break on inline contexts after a JSON round trip.

use std::collections::BTreeMap;

use serde_json::Value;

/// VC Data Model 2.0 base context.
pub const CREDENTIALS_V2_URL: &str = "https://www.w3.org/ns/credentials/v2";
/// The context that maps undefined terms into an explicit "undefined-term" vocabulary.
pub const CREDENTIALS_UNDEFINED_TERMS_V2_URL: &str =
    "https://www.w3.org/ns/credentials/undefined-terms/v2";
/// Data Integrity v2 (proof vocabulary, already included by VC 2.0).
pub const DATA_INTEGRITY_V2_URL: &str = "https://w3id.org/security/data-integrity/v2";
/// Multikey v1 (public key documents).
pub const MULTIKEY_V1_URL: &str = "https://w3id.org/security/multikey/v1";
/// DID Core v1 (DID documents).
pub const DID_V1_URL: &str = "https://www.w3.org/ns/did/v1";
/// Open Badges 3.0.3.
pub const OPEN_BADGES_V3_URL: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Open Badges 3.0 extensions (1EdTech schema validator, revocation list, refresh).
pub const OPEN_BADGES_V3_EXTENSIONS_URL: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
/// Comprehensive Learner Record 2.0.1.
pub const CLR_V2_URL: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";

/// The bundled contexts: URL and the exact text of the published file.
const BUNDLED_CONTEXTS: &[(&str, &str)] = &[
    (
        CREDENTIALS_V2_URL,
        include_str!("../contexts/credentials-v2.jsonld"),
    ),
    (
        CREDENTIALS_UNDEFINED_TERMS_V2_URL,
        include_str!("../contexts/credentials-undefined-terms-v2.jsonld"),
    ),
    (
        DATA_INTEGRITY_V2_URL,
        include_str!("../contexts/data-integrity-v2.jsonld"),
    ),
    (
        MULTIKEY_V1_URL,
        include_str!("../contexts/multikey-v1.jsonld"),
    ),
    (DID_V1_URL, include_str!("../contexts/did-v1.jsonld")),
    (
        OPEN_BADGES_V3_URL,
        include_str!("../contexts/ob-v3p0-3.0.3.json"),
    ),
    (
        OPEN_BADGES_V3_EXTENSIONS_URL,
        include_str!("../contexts/ob-v3p0-extensions.json"),
    ),
    (CLR_V2_URL, include_str!("../contexts/clr-v2p0-2.0.1.json")),
];

/// Why a document's contexts cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ContextError {
    /// The URL is not one of the contexts this loader holds; it is never fetched.
    #[error("unknown JSON-LD context {url}: only bundled contexts are accepted, none is fetched")]
    UnknownContext { url: String },
    /// An `@context` entry was an object (or anything else but a URL string).
    #[error("inline JSON-LD context at {path}: reference contexts by URL only")]
    InlineContextNotAllowed { path: String },
    /// The document has no `@context` at its top level.
    #[error("the document has no @context")]
    MissingContext,
    /// A context added with [`ContextLoader::with_context`] is not a JSON object with `@context`.
    #[error("context {url} is not a JSON-LD context document: {reason}")]
    MalformedContextDocument { url: String, reason: String },
}

/// Contexts by URL, all held in memory. Build once and share.
#[derive(Clone)]
pub struct ContextLoader {
    documents: BTreeMap<String, String>,
}

impl std::fmt::Debug for ContextLoader {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URLs say what the loader can serve; the texts would fill a log.
        formatter
            .debug_struct("ContextLoader")
            .field("urls", &self.documents.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for ContextLoader {
    fn default() -> Self {
        Self::bundled()
    }
}

impl ContextLoader {
    /// The contexts bundled into this crate (VC 2.0, Data Integrity, Multikey, DID, OB 3.0, CLR 2.0).
    pub fn bundled() -> Self {
        let documents = BUNDLED_CONTEXTS
            .iter()
            .map(|(url, text)| ((*url).to_owned(), (*text).to_owned()))
            .collect();
        Self { documents }
    }

    /// Adds (or replaces) a context, e.g. a published example or a partner's vocabulary. The
    /// caller supplies the text; this crate still never fetches anything.
    pub fn with_context(mut self, url: &str, text: &str) -> Result<Self, ContextError> {
        let malformed = |reason: &str| ContextError::MalformedContextDocument {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let parsed: Value =
            serde_json::from_str(text).map_err(|error| malformed(&error.to_string()))?;
        if parsed.get("@context").is_none() {
            return Err(malformed("it has no top-level @context"));
        }
        self.documents.insert(url.to_owned(), text.to_owned());
        Ok(self)
    }

    /// The URLs this loader can serve, sorted.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.documents.keys().map(String::as_str)
    }

    /// The text of the context published at `url`.
    pub fn context_text(&self, url: &str) -> Result<&str, ContextError> {
        self.documents
            .get(url)
            .map(String::as_str)
            .ok_or_else(|| ContextError::UnknownContext {
                url: url.to_owned(),
            })
    }

    /// Checks every `@context` in the document (top level and embedded objects, such as the
    /// credentials inside a CLR): each must be a URL string (or an array of them) this loader
    /// holds. The top level must have one.
    pub fn check_document_contexts(&self, document: &Value) -> Result<(), ContextError> {
        if document.get("@context").is_none() {
            return Err(ContextError::MissingContext);
        }
        // The path of an inline context is only spelled out when there is one, so the common
        // case allocates nothing.
        let mut path = Vec::new();
        self.check_value_contexts(document, &mut path)
            .map_err(|error| match error {
                ContextError::InlineContextNotAllowed { .. } => {
                    ContextError::InlineContextNotAllowed {
                        path: format!("${}", path.concat()),
                    }
                }
                other => other,
            })
    }

    fn check_value_contexts(
        &self,
        value: &Value,
        path: &mut Vec<String>,
    ) -> Result<(), ContextError> {
        match value {
            Value::Object(map) => {
                for (key, member) in map {
                    if key == "@context" {
                        self.check_context_value(member, path)?;
                    } else if member.is_object() || member.is_array() {
                        self.check_value_contexts(member, path).inspect_err(|_| {
                            path.insert(0, format!(".{key}"));
                        })?;
                    }
                }
                Ok(())
            }
            Value::Array(items) => items.iter().enumerate().try_for_each(|(index, item)| {
                self.check_value_contexts(item, path)
                    .inspect_err(|_| path.insert(0, format!("[{index}]")))
            }),
            _ => Ok(()),
        }
    }

    fn check_context_value(
        &self,
        context: &Value,
        path: &mut Vec<String>,
    ) -> Result<(), ContextError> {
        match context {
            Value::String(url) => self.context_text(url).map(|_| ()),
            Value::Array(entries) => {
                entries
                    .iter()
                    .enumerate()
                    .try_for_each(|(index, entry)| match entry {
                        Value::String(url) => self.context_text(url).map(|_| ()),
                        _ => {
                            path.push(format!(".@context[{index}]"));
                            Err(ContextError::InlineContextNotAllowed {
                                path: String::new(),
                            })
                        }
                    })
            }
            _ => {
                path.push(".@context".to_owned());
                Err(ContextError::InlineContextNotAllowed {
                    path: String::new(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bundled_context_parses_and_names_itself_by_its_published_url() {
        let loader = ContextLoader::bundled();
        assert_eq!(loader.urls().count(), 8);
        for url in loader.urls() {
            let parsed: Value = serde_json::from_str(loader.context_text(url).unwrap()).unwrap();
            assert!(parsed.get("@context").is_some(), "{url}");
        }
    }

    #[test]
    fn unknown_and_inline_contexts_are_refused_with_their_place() {
        let loader = ContextLoader::bundled();
        let unknown = json!({"@context": [CREDENTIALS_V2_URL, "https://evil.example/ctx"]});
        assert_eq!(
            loader.check_document_contexts(&unknown),
            Err(ContextError::UnknownContext {
                url: "https://evil.example/ctx".into()
            })
        );
        let inline = json!({"@context": [CREDENTIALS_V2_URL, {"x": "https://x.example/x"}]});
        assert_eq!(
            loader.check_document_contexts(&inline),
            Err(ContextError::InlineContextNotAllowed {
                path: "$.@context[1]".into()
            })
        );
        let deep_inline = json!({"@context": CREDENTIALS_V2_URL, "credentialSubject": {"verifiableCredential": [{"id": "a"}, {"@context": {"x": "y"}}]}});
        assert_eq!(
            loader.check_document_contexts(&deep_inline),
            Err(ContextError::InlineContextNotAllowed {
                path: "$.credentialSubject.verifiableCredential[1].@context".into()
            })
        );
        let nested = json!({"@context": CREDENTIALS_V2_URL, "credentialSubject": {"verifiableCredential": [{"@context": "https://other.example/"}]}});
        assert!(matches!(
            loader.check_document_contexts(&nested),
            Err(ContextError::UnknownContext { .. })
        ));
        assert_eq!(
            loader.check_document_contexts(&json!({"id": "x"})),
            Err(ContextError::MissingContext)
        );
    }
}
