//! Integration tests of xc-import: whole files in, rows and problems out, through the one
//! `check(bytes, expected)` helper of `support` wherever the outcome can be written as text.

mod csv_files;
mod headers;
mod limits;
mod memory;
mod properties;
mod reports;
mod support;
mod timing;
mod xlsx_files;
