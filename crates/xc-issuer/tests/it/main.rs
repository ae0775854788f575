//! Integration tests of xc-issuer on a real store (SQLite, or PostgreSQL when
//! `XUECHENG_TEST_DATABASE_URL` is set): issuer key files and rotation, signed tree heads.

mod audit;
mod credential;
mod issue;
mod keys;
mod service;
mod tree_heads;
mod verify;
