//! Integration tests of xc-bank on a real store (SQLite, or PostgreSQL when
//! `XUECHENG_TEST_DATABASE_URL` is set): submission one at a time, batch files and API lists,
//! recognition against published specifications, and the review queue.

mod accreditation;
mod archive;
mod batches;
mod conversion;
mod erase;
mod export;
mod general_rules;
mod learning_records;
mod points;
mod refusals;
mod review;
mod single;
mod support;
