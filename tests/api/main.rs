//! Integration tests: HTTP in, database out, against the real application. One binary so
//! that tests share the build; each test has its own database and server.
//!
//! `cargo test` runs them on SQLite; with `TEST_DATABASE_URL=postgres://…/test` on
//! PostgreSQL, each test in a database of its own made on that server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod accounts;
mod answers_csv;
mod api_reads;
mod api_story;
mod audit_trail;
mod bad_bytes;
mod call_copy;
mod case_officers;
mod change_requests;
mod changes;
mod cli;
mod contact;
mod deadline;
mod decision_text;
mod decisions;
mod definition_cache;
mod demo;
mod demo_past;
mod eid;
mod eligibility;
mod fixtures;
mod form_editor;
mod form_fields;
mod generate;
mod helpers;
mod instances;
mod integrity;
mod invitation_eid;
mod ledger;
mod letters;
mod list_scale;
mod lists;
mod login;
mod mail;
mod mail_log;
mod members;
mod messages;
mod migrations;
mod money_input;
mod notifications;
mod officer_forms;
mod ombud;
mod openapi_contract;
mod outage;
mod pages;
mod passwords;
mod payments;
mod public_answers;
mod queues;
mod redistribution;
mod report_fields;
mod report_scale;
mod reports;
mod roles;
mod search;
mod security;
mod sessions;
mod smtp;
mod uploads;
mod web_story;
mod writes;
