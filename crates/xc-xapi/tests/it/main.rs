//! Integration tests of xc-xapi: the statement rules one MUST at a time, the output formats,
//! comparison, the query parameters, and "never panics" properties.

mod compare;
mod documents;
mod formats;
mod multipart;
mod never_panics;
mod query;
mod signature;
mod support;
mod validation;
