//! The one integration-test binary of xc-merkle: the published transparency-dev vectors, the
//! reference eight-leaf tree, and property tests against a naive RFC 9162 implementation.

mod properties;
mod reference;
mod reference_tree;
mod vectors;
