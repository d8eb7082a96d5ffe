//! Grant administration for Swedish state grants (statsbidrag): calls for applications,
//! applications and supplements, assessment, decisions under a yearly ceiling, payments,
//! redistribution and report-back.
//!
//! Layers: `db` (all SQL), the domain modules (rules and use cases), `web` (Swedish pages)
//! and `api` (JSON). `error` writes down the error policy.

pub mod access;
pub mod accounts;
pub mod agency;
pub mod allocation;
pub mod answer_cache;
pub mod api;
pub mod applications;
pub mod assessment;
pub mod audit;
pub mod audit_labels;
pub mod calls;
pub mod change_requests;
pub mod cli;
pub mod clock;
pub mod codes;
pub mod dashboard;
pub mod db;
pub mod decisions;
pub mod error;
pub mod fixtures;
pub mod forms;
pub mod generate;
pub mod headers;
pub mod health;
pub mod http;
pub mod input_guard;
pub mod jobs;
pub mod letters;
pub mod mail;
pub mod mail_log;
pub mod messages;
pub mod money;
pub mod notifications;
pub mod ombud;
pub mod orgnr;
pub mod outbox;
pub mod payments;
pub mod pin;
pub mod queues;
pub mod redistribution;
pub mod registration;
pub mod reports;
pub mod request_log;
pub mod search;
pub mod spreadsheet;
pub mod startup;
pub mod web;
