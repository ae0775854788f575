//! The web layer driven in-process: every request goes through the real router, middleware and
//! a real store (SQLite in a temporary directory, or PostgreSQL when
//! `XUECHENG_TEST_DATABASE_URL` is set).

// Test helpers are shared between the modules of this one test binary.
#![allow(unreachable_pub)]

mod accreditation;
mod api;
mod app;
mod archive_paging;
mod bank_api;
mod bank_fixture;
mod bank_pages;
mod conversion_api;
mod conversion_fixture;
mod conversion_pages;
mod credential_status;
mod erase;
mod general_rules;
mod incentives;
mod issuance;
mod learner_code;
mod lrs_integration;
mod mutual;
mod my_credentials;
mod pages;
mod points_api;
mod rule_versions;
mod sharing;
mod transcript;
mod transparency;
mod xapi;
