//! sa-conformance: runs documentation scenarios about ServiceAccounts and RBAC against a real
//! Kubernetes cluster and reports, per documented step, what was expected and what happened.
//!
//! Data flows one way: scenario files -> [`scenario`] model -> [`runner`] on a [`cluster`] ->
//! [`outcome`]s -> [`report`]ers.

pub mod check;
pub mod scenario;
pub mod cluster;
pub mod interrupt;
pub mod process;
pub mod api;
pub mod outcome;
pub mod step;
pub mod runner;
pub mod report;
pub mod cli;
pub mod exit;
pub mod suite;
pub mod audit;
pub mod lint;
pub mod mutate;
