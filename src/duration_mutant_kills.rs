//! Unit tests that kill what cargo-mutants found the other tests of `scenario` missing (issue 9,
//! docs/kill-matrix.md). Kept apart from each file's own tests so they merge without conflicts.

use crate::duration::{format_duration, parse_duration};
use serde::Deserialize;
use std::time::Duration;

/// Hours, minutes and seconds together, both ways (the shipped cases never had an hour to print).
#[test]
fn hours_minutes_and_seconds_round_trip() {
    let d = Duration::from_secs(3600 + 2 * 60 + 3);
    assert_eq!(parse_duration("1h2m3s"), Ok(d));
    assert_eq!(format_duration(d), "1h2m3s");
    assert_eq!(format_duration(Duration::from_secs(2 * 3600)), "2h");
    assert_eq!(format_duration(Duration::from_secs(3600 + 5)), "1h5s");
}

#[derive(Debug, Deserialize, PartialEq)]
struct Timeouts {
    #[serde(deserialize_with = "crate::duration::deserialize")]
    timeout: Duration,
    #[serde(default, deserialize_with = "crate::duration::deserialize_opt")]
    wait: Option<Duration>,
}

/// The serde adapters parse what the scenario says, and pass a bad duration on as a load error.
#[test]
fn serde_adapters_parse_and_reject() {
    let t: Timeouts = crate::yaml::from_str("{timeout: 90s, wait: 2m}").unwrap();
    assert_eq!(t, Timeouts { timeout: Duration::from_secs(90), wait: Some(Duration::from_secs(120)) });
    let t: Timeouts = crate::yaml::from_str("{timeout: 500ms}").unwrap();
    assert_eq!(t, Timeouts { timeout: Duration::from_millis(500), wait: None });
    let err = crate::yaml::from_str::<Timeouts>("{timeout: 30}").unwrap_err().to_string();
    assert!(err.contains("missing unit"), "{err}");
    let err = crate::yaml::from_str::<Timeouts>("{timeout: 1s, wait: 5d}").unwrap_err().to_string();
    assert!(err.contains("unknown unit `d`"), "{err}");
}
