//! Human durations in scenario files (`500ms`, `30s`, `2m`, `1h`, `1m30s`), parsed strictly so a typo
//! is a load error with a line number rather than a surprising timeout.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Parses `1h2m3s`, `500ms`, `10m`. A bare number is rejected: the unit is part of the meaning.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("invalid duration `{s}`: expected a number before the unit"));
        }
        let value: u64 = rest[..digits].parse().map_err(|_| format!("invalid duration `{s}`: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value.saturating_mul(60)),
            "h" => Duration::from_secs(value.saturating_mul(3600)),
            "" => return Err(format!("invalid duration `{s}`: missing unit (ms, s, m or h)")),
            other => return Err(format!("invalid duration `{s}`: unknown unit `{other}` (ms, s, m or h)")),
        };
        total = total.saturating_add(part);
    }
    Ok(total)
}

/// Formats a duration the way scenario files write them (`90s` -> `1m30s`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// serde adapter: `timeout: 30s`.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

/// serde adapter for optional durations.
pub fn deserialize_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Option::<String>::deserialize(d)?.map(|t| parse_duration(&t).map_err(serde::de::Error::custom)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("500ms", Duration::from_millis(500))]
    #[case("30s", Duration::from_secs(30))]
    #[case("10m", Duration::from_secs(600))]
    #[case("1h", Duration::from_secs(3600))]
    #[case("1m30s", Duration::from_secs(90))]
    fn parses_valid_durations(#[case] text: &str, #[case] want: Duration) {
        assert_eq!(parse_duration(text), Ok(want));
    }

    #[rstest]
    #[case("", "empty")]
    #[case("10", "missing unit")]
    #[case("10d", "unknown unit `d`")]
    #[case("m", "expected a number")]
    fn rejects_invalid_durations(#[case] text: &str, #[case] fragment: &str) {
        let err = parse_duration(text).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[rstest]
    #[case(Duration::from_secs(600), "10m")]
    #[case(Duration::from_secs(90), "1m30s")]
    #[case(Duration::from_millis(1500), "1500ms")]
    #[case(Duration::ZERO, "0s")]
    fn formats_round_trip(#[case] d: Duration, #[case] text: &str) {
        assert_eq!(format_duration(d), text);
        assert_eq!(parse_duration(text), Ok(d));
    }

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
}
