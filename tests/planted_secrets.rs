//! Redaction against planted secrets: a bounded, seeded fuzz budget in `cargo test`, beside the
//! loader's (tests/mutated_scenarios.rs). A service-account JWT is planted in text of the shapes the
//! reports carry (kubectl output, JSON bodies, YAML, prose, an excerpt cut short), and no part of its
//! payload or signature may survive `report::redact`, which every report applies to every string it
//! writes. Needs no cluster. `SA_CONFORMANCE_FUZZ_CASES` raises the budget, as for the loader.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use sa_conformance::report::redact;

const CASES: u32 = 10_000;
const SEED: u64 = 28;

/// What stands before the token.
const BEFORE: &[&str] = &[
    "",
    " ",
    "\n",
    "token: ",
    "  token: ",
    "- token: ",
    "\"token\":\"",
    "{\"status\":{\"token\":\"",
    "Authorization: Bearer ",
    "--token=",
    "stdout: \"",
    "token obtained: ",
    "(",
    "'",
    "`",
    "=",
    "kubectl --token ",
];
/// What follows it.
const AFTER: &[&str] = &["", " ", "\n", "\"", "\"}}", "… (912 bytes in all)", ")", "'", "`", ",", "\\n\"", " (1h)"];

/// A JWT as the API server issues it: three base64url parts, the first two JSON objects (`eyJ`).
fn jwt() -> impl Strategy<Value = (String, String, String)> {
    let part = |min: usize, max: usize| proptest::string::string_regex(&format!("[A-Za-z0-9_-]{{{min},{max}}}")).expect("a regex");
    (part(10, 60), part(20, 200), part(20, 120)).prop_map(|(h, p, s)| (format!("eyJ{h}"), format!("eyJ{p}"), s))
}

fn budget() -> u32 {
    std::env::var("SA_CONFORMANCE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES)
}

/// Every planted JWT loses its payload and signature, wherever it stands; some text around it stays.
#[test]
fn a_planted_jwt_never_survives_redaction() {
    let cases = budget();
    let config = Config { cases, rng_seed: RngSeed::Fixed(SEED), failure_persistence: None, ..Config::default() };
    let started = std::time::Instant::now();
    let input = (0..BEFORE.len(), jwt(), 0..AFTER.len(), any::<bool>(), "[a-z ]{0,20}");
    let result = TestRunner::new(config).run(&input, |(before, (header, payload, signature), after, cut, prose)| {
        // an excerpt may end inside the token: then the signature is not there at all
        let token = if cut { format!("{header}.{}", &payload[..payload.len() / 2]) } else { format!("{header}.{payload}.{signature}") };
        let text = format!("{prose}{}{token}{}", BEFORE[before], AFTER[after]);
        let out = redact(&text);
        for (what, part) in [("payload", &payload[3..payload.len() / 2]), ("signature", &signature[..])] {
            let planted = !cut || what == "payload";
            if planted && part.len() >= 8 && out.contains(part) {
                return Err(TestCaseError::fail(format!("the JWT's {what} survived:\n  in:  {text:?}\n  out: {out:?}")));
            }
        }
        if !prose.trim().is_empty() && !out.contains(prose.trim()) {
            return Err(TestCaseError::fail(format!("the prose around the token was eaten:\n  in:  {text:?}\n  out: {out:?}")));
        }
        Ok(())
    });
    let verdict = if result.is_ok() { "none survived" } else { "then a survivor (below)" };
    eprintln!("planted secrets: {cases} JWTs (seed {SEED}) in {:.1}s: {verdict}", started.elapsed().as_secs_f64());
    if let Err(e) = result {
        panic!("{e}");
    }
}
