//! The xAPI core of xuecheng's learning record store (issue 5, SPEC C5): everything about
//! xAPI 1.0.3 and 2.0 that needs no storage and no HTTP, so that the store and the web layer
//! only call it.
//!
//! - [`version`]: the `X-Experience-API-Version` header and what differs per version.
//! - [`parse_statement`] / [`parse_statements`]: JSON → [`Statement`], enforcing every MUST of
//!   the Data part that can be checked without storage; errors name the JSON path and carry the
//!   status the spec requires ([`XapiError`]).
//! - [`model`]: the statement as types; serialising one gives the `exact` format.
//! - [`format`]: the `ids` and `canonical` output formats, `Accept-Language` selection.
//! - [`compare`]: statement equivalence (Data 2.3.1), for the 409 on a re-used id and for
//!   signed statements.
//! - [`agents`]: agent identity keys and the agents/activities a statement matches, for the
//!   query filters and their indexes.
//! - [`query`]: the GET /statements parameters.
//! - [`documents`]: State / Activity Profile / Agent Profile parameters, ETags, preconditions,
//!   the JSON merge of a POST.
//! - [`multipart`]: multipart/mixed statement requests and their attachments.
//! - [`signature`]: signed statements (JWS RS256/384/512, payload comparison, x5c).
//!
//! **Invariant:** no IO, no clock, no randomness: the caller passes `stored`, new ids and the
//! canonical activity definitions in.

pub mod agents;
pub mod compare;
pub mod documents;
mod error;
pub mod format;
mod json;
pub mod langtag;
pub mod model;
pub mod multipart;
mod params;
mod parse;
pub mod query;
pub mod scope;
pub mod signature;
pub mod types;
pub mod version;

pub use error::{Result, Status, XapiError};
pub use json::parse_strict;
pub use model::Statement;
pub use parse::{
    parse_agent_parameter, parse_put_statement, parse_statement, parse_statement_bytes,
    parse_statements,
};
pub use version::XapiVersion;
