//! sa-conformance: runs documentation scenarios about ServiceAccounts and RBAC against a real
//! Kubernetes cluster and reports, per documented step, what was expected and what happened.
//!
//! Data flows one way: scenario files -> [`scenario`] model -> [`runner`] on a [`cluster`] ->
//! [`outcome`]s -> [`report`]ers.

pub mod api;
pub mod audit;
pub mod capture;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod command;
pub mod command_line;
pub mod credential;
pub mod duration;
pub mod error;
pub mod exit;
pub mod footprint;
pub mod interrupt;
pub mod lab;
pub mod lint;
pub mod matrix;
#[cfg(test)]
mod module_graph;
pub mod mutate;
pub mod outcome;
pub mod parallel;
pub mod poll;
pub mod private_file;
pub mod process;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod secrets;
pub mod step;
pub mod suite;
pub mod trace;
pub mod versions;
pub mod yaml;
