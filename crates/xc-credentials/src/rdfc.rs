//! RDF canonicalisation of a JSON-LD document: JSON-LD 1.1 expansion and deserialisation to RDF
//! (`json-ld` 0.21, the last release that builds on this toolchain) with contexts served only
//! from a [`ContextLoader`], then RDF Dataset Canonicalization RDFC-1.0 (`rdf-canon`) to
//! canonical N-Quads.

use std::collections::HashMap;

use json_ld::rdf_types::{self, LiteralType, Term};
use json_ld::syntax::Parse as _;
use json_ld::{IriBuf, JsonLdProcessor as _, RemoteDocument};
use serde_json::Value;

use crate::contexts::{ContextError, ContextLoader};

/// Why a document could not be turned into canonical N-Quads.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RdfCanonicalisationError {
    /// A context is unknown or inline (checked before expansion, so nothing is fetched).
    #[error(transparent)]
    Context(#[from] ContextError),
    /// JSON-LD expansion or deserialisation to RDF failed (e.g. a protected term redefined).
    #[error("JSON-LD to RDF failed: {reason}")]
    JsonLd { reason: String },
    /// RDFC-1.0 gave up (e.g. too many blank nodes to distinguish).
    #[error("RDF dataset canonicalization failed: {reason}")]
    Canonicalization { reason: String },
}

/// The JSON-LD loader built from a [`ContextLoader`]: a map from URL to parsed document, so
/// the processor can never reach anything else.
pub(crate) struct JsonLdContexts {
    documents: HashMap<IriBuf, RemoteDocument>,
}

impl JsonLdContexts {
    pub(crate) fn new(contexts: &ContextLoader) -> Result<Self, RdfCanonicalisationError> {
        let mut documents = HashMap::new();
        for url in contexts.urls() {
            let text = contexts.context_text(url)?;
            let iri = IriBuf::new(url.to_owned()).map_err(|_| ContextError::UnknownContext {
                url: url.to_owned(),
            })?;
            let (parsed, _) = json_ld::syntax::Value::parse_str(text).map_err(|error| {
                RdfCanonicalisationError::JsonLd {
                    reason: format!("context {url} does not parse: {error}"),
                }
            })?;
            let content_type = "application/ld+json".parse().ok();
            documents.insert(
                iri.clone(),
                RemoteDocument::new(Some(iri), content_type, parsed),
            );
        }
        Ok(Self { documents })
    }
}

/// Canonical N-Quads (RDFC-1.0) of a JSON-LD document, every context taken from `contexts`.
pub fn canonicalize_rdf(
    document: &Value,
    contexts: &ContextLoader,
) -> Result<String, RdfCanonicalisationError> {
    let loader = JsonLdContexts::new(contexts)?;
    canonicalize_rdf_with(document, contexts, &loader)
}

pub(crate) fn canonicalize_rdf_with(
    document: &Value,
    contexts: &ContextLoader,
    loader: &JsonLdContexts,
) -> Result<String, RdfCanonicalisationError> {
    contexts.check_document_contexts(document)?;
    let quads = document_to_quads(document, loader)?;
    rdf_canon::canonicalize_quads(&quads).map_err(|error| {
        RdfCanonicalisationError::Canonicalization {
            reason: error.to_string(),
        }
    })
}

fn json_ld_error(reason: impl std::fmt::Display) -> RdfCanonicalisationError {
    RdfCanonicalisationError::JsonLd {
        reason: reason.to_string(),
    }
}

fn document_to_quads(
    document: &Value,
    loader: &JsonLdContexts,
) -> Result<Vec<oxrdf::Quad>, RdfCanonicalisationError> {
    let text = serde_json::to_string(document).map_err(json_ld_error)?;
    let (parsed, _) = json_ld::syntax::Value::parse_str(&text).map_err(json_ld_error)?;
    let remote: RemoteDocument = RemoteDocument::new(None, None, parsed);
    let mut generator = rdf_types::generator::Blank::new();
    // Unordered: expansion need not sort members, because RDFC-1.0 orders the result anyway.
    let options = json_ld::Options::default().unordered();
    let mut rdf = futures::executor::block_on(remote.to_rdf_using(
        &mut generator,
        &loader.documents,
        options,
    ))
    .map_err(json_ld_error)?;
    let mut seen = std::collections::HashSet::new();
    let mut quads: Vec<oxrdf::Quad> = Vec::new();
    for rdf_types::Quad(subject, predicate, object, graph) in rdf.cloned_quads() {
        let quad = oxrdf::Quad::new(
            subject_of(subject)?,
            named_node(predicate)?,
            term_of(object)?,
            match graph {
                None => oxrdf::GraphName::DefaultGraph,
                Some(rdf_types::Id::Iri(iri)) => {
                    oxrdf::GraphName::NamedNode(named_node_from_iri(iri)?)
                }
                Some(rdf_types::Id::Blank(blank)) => {
                    oxrdf::GraphName::BlankNode(blank_node(blank.as_str())?)
                }
            },
        );
        // RDFC-1.0 works on a dataset, a set: a triple stated twice is one quad.
        if seen.insert(quad.clone()) {
            quads.push(quad);
        }
    }
    Ok(quads)
}

fn named_node_from_iri(iri: IriBuf) -> Result<oxrdf::NamedNode, RdfCanonicalisationError> {
    oxrdf::NamedNode::new(iri.as_str()).map_err(json_ld_error)
}

fn blank_node(label: &str) -> Result<oxrdf::BlankNode, RdfCanonicalisationError> {
    oxrdf::BlankNode::new(label.trim_start_matches("_:")).map_err(json_ld_error)
}

fn named_node(
    id: rdf_types::Id<IriBuf, json_ld::BlankIdBuf>,
) -> Result<oxrdf::NamedNode, RdfCanonicalisationError> {
    match id {
        rdf_types::Id::Iri(iri) => named_node_from_iri(iri),
        rdf_types::Id::Blank(blank) => Err(json_ld_error(format!(
            "blank node {blank} used as a predicate (generalized RDF)"
        ))),
    }
}

fn subject_of(
    id: rdf_types::Id<IriBuf, json_ld::BlankIdBuf>,
) -> Result<oxrdf::Subject, RdfCanonicalisationError> {
    Ok(match id {
        rdf_types::Id::Iri(iri) => oxrdf::Subject::NamedNode(named_node_from_iri(iri)?),
        rdf_types::Id::Blank(blank) => oxrdf::Subject::BlankNode(blank_node(blank.as_str())?),
    })
}

fn term_of(
    object: Term<rdf_types::Id<IriBuf, json_ld::BlankIdBuf>, rdf_types::Literal>,
) -> Result<oxrdf::Term, RdfCanonicalisationError> {
    Ok(match object {
        Term::Id(rdf_types::Id::Iri(iri)) => oxrdf::Term::NamedNode(named_node_from_iri(iri)?),
        Term::Id(rdf_types::Id::Blank(blank)) => {
            oxrdf::Term::BlankNode(blank_node(blank.as_str())?)
        }
        Term::Literal(literal) => oxrdf::Term::Literal(match literal.type_ {
            LiteralType::Any(datatype) => {
                oxrdf::Literal::new_typed_literal(literal.value, named_node_from_iri(datatype)?)
            }
            LiteralType::LangString(language) => {
                oxrdf::Literal::new_language_tagged_literal(literal.value, language.as_str())
                    .map_err(json_ld_error)?
            }
        }),
    })
}
