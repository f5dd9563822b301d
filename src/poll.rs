//! Asking again until the cluster gives the expected answer (or a deadline passes), keeping the last
//! answer (chainsaw's assert semantics): a step that waits reports what it saw last and how long it
//! asked, not just "timed out". Caches in the API server make answers lag writes in both directions
//! (RBAC informers, the token authentication cache), so a look may need a moment to become true, and
//! with `stable-for` must stay true for a while before it counts.

use crate::check::Check;
use crate::duration::format_duration;
use std::future::Future;
use std::time::{Duration, Instant};

/// What one look found (the `wait` step reads it from each state a watch delivers).
pub enum Look {
    /// Done: the check to report (pass or a fail-fast failure).
    Done(Check),
    /// Not yet; the check to report if the deadline passes now.
    NotYet(Check),
}

/// How often a look step asks again (an exec or a review costs a fraction of a second).
pub const ASK_INTERVAL: Duration = Duration::from_millis(500);

/// However long ago the last change was, a look that gets the wrong answer asks for at least this long
/// (a couple of answers ride out a blip, such as a dropped connection) before it fails.
pub const MIN_ASKING: Duration = Duration::from_secs(1);

/// The last step that changed the cluster (or waited for a change): a look's `within` counts from
/// its end, because that change is what the cluster may still be catching up with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// When that step ended.
    pub at: Instant,
    /// Its number in the scenario (1-based, as reports show it).
    pub step: usize,
}

/// How long a look may take to come true, and how long it must then stay true.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub within: Duration,
    pub stable_for: Option<Duration>,
    pub interval: Duration,
    /// Where `within` counts from: the last change before this step, else the step's own start.
    pub since: Option<Change>,
}

impl Window {
    pub fn new(within: Duration, stable_for: Option<Duration>) -> Self {
        Window { within, stable_for, interval: ASK_INTERVAL, since: None }
    }

    /// Counts `within` from the end of the last change.
    pub fn since(self, change: Option<Change>) -> Self {
        Window { since: change, ..self }
    }

    /// This window for a look that starts `started_after` the last change: what is left of `within`
    /// (at least [`MIN_ASKING`], never more than `within`), and, when that is less than `within`, a
    /// note saying why. A look that starts long after the change that could have made it true fails
    /// after a second instead of waiting out a window the cluster has already had.
    pub fn left(self, started_after: Duration) -> (Window, Option<String>) {
        let Some(change) = self.since else { return (self, None) };
        // A look that starts within a second of the change is taken to start with it.
        if started_after < MIN_ASKING {
            return (self, None);
        }
        let left = self.within.saturating_sub(started_after).max(MIN_ASKING.min(self.within));
        if left >= self.within {
            return (self, None);
        }
        let note = format!(
            "`within` {} counts from the end of step {} (the last step that changed the cluster), {} before this step began: {} of it was left to ask in",
            format_duration(self.within),
            change.step,
            secs(started_after),
            format_duration(left)
        );
        (Window { within: left, ..self }, Some(note))
    }
}

/// One answer from the cluster: the check against the expectation and the answer in a word or two
/// ("403", "yes", "exit 0") for the summary of all answers.
pub struct Asked {
    pub check: Check,
    pub said: String,
}

/// What to do after an answer.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// Ask again after this pause.
    AskAgainIn(Duration),
    Passed(String),
    Failed(String),
}

/// The answers so far and the rules of a [`Window`]; pure, so it can be tested with made-up times.
pub struct Tally {
    window: Window,
    expected: String,
    /// (answer, how many times in a row).
    runs: Vec<(String, usize)>,
    /// When the expected answer first came (and has held since).
    held_since: Option<Duration>,
}

impl Tally {
    pub fn new(window: Window, expected: impl Into<String>) -> Self {
        Tally { window, expected: expected.into(), runs: Vec::new(), held_since: None }
    }

    /// Records an answer given `at` (time since the first ask) and decides what comes next.
    pub fn record(&mut self, at: Duration, said: &str, holds: bool) -> Next {
        match self.runs.last_mut() {
            Some((last, n)) if last == said => *n += 1,
            _ => self.runs.push((said.to_string(), 1)),
        }
        let (exp, w) = (&self.expected, self.window);
        if holds {
            let since = *self.held_since.get_or_insert(at);
            let needed = w.stable_for.unwrap_or(Duration::ZERO);
            let held = at.saturating_sub(since);
            if held >= needed {
                let stable = w.stable_for.map(|s| format!(", and held for {} ({})", secs(held), format_duration(s))).unwrap_or_default();
                return Next::Passed(format!("answered {said} after {}{stable} ({})", secs(since), self.answers()));
            }
            return Next::AskAgainIn(w.interval.min(needed - held));
        }
        if let Some(since) = self.held_since {
            let stable = w.stable_for.map(format_duration).unwrap_or_default();
            return Next::Failed(format!(
                "expected {exp} to hold for {stable}, it answered {said} again after holding for {} ({})",
                secs(at.saturating_sub(since)),
                self.answers()
            ));
        }
        if at >= w.within {
            return Next::Failed(if w.within.is_zero() {
                format!("expected {exp}, got {said} (asked once: within 0s)")
            } else {
                format!("expected {exp} within {}, still {said} after {} ({})", format_duration(w.within), secs(at), self.answers())
            });
        }
        Next::AskAgainIn(w.interval.min(w.within - at))
    }

    /// How many answers so far.
    pub fn asked(&self) -> usize {
        self.runs.iter().map(|(_, n)| n).sum()
    }

    /// "5 answers: 403 ×3, 401 ×2" (in the order they came).
    fn answers(&self) -> String {
        let total = self.asked();
        let runs: Vec<String> = self.runs.iter().map(|(a, n)| format!("{a} ×{n}")).collect();
        format!("{total} answer{}: {}", if total == 1 { "" } else { "s" }, runs.join(", "))
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Asks until the answer is the expected one within `window.within` (and stays so for
/// `window.stable_for`); returns the last answer's check with the summary as its first note.
pub async fn look<F, Fut, E>(window: Window, expected: &str, mut ask: F) -> Result<Check, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Asked, E>>,
{
    look_or_settle(window, expected, || {
        let asked = ask();
        async move { Ok((asked.await?, None)) }
    })
    .await
}

/// Like [`look`], but `ask` may also say why a failing answer is final (asking again cannot change
/// it); such an answer fails the step at once, with that reason as its first note.
pub async fn look_or_settle<F, Fut, E>(window: Window, expected: &str, mut ask: F) -> Result<Check, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(Asked, Option<String>), E>>,
{
    let started = Instant::now();
    let full = window.within;
    let after_change = window.since.map(|c| started.saturating_duration_since(c.at)).unwrap_or_default();
    let (window, shortened) = window.left(after_change);
    let mut tally = Tally::new(window, expected);
    loop {
        let (asked, final_because) = ask().await?;
        let mut check = asked.check;
        // `within: 0s` asks once anyway; its own summary says so.
        if let (false, Some(why), false) = (check.mismatches.is_empty(), final_because, full.is_zero()) {
            check.notes.insert(
                0,
                format!("failed at once after {} (not waiting out `within` {}): {why}", secs(started.elapsed()), format_duration(full)),
            );
            return Ok(check);
        }
        let summary = match tally.record(started.elapsed(), &asked.said, check.mismatches.is_empty()) {
            Next::AskAgainIn(pause) => {
                tokio::time::sleep(pause).await;
                continue;
            }
            // A step that passed on its first answer needs no summary.
            Next::Passed(_) if tally.asked() == 1 && window.stable_for.is_none() => return Ok(check),
            Next::Passed(s) => s,
            Next::Failed(s) => {
                // Why a failing look asked for less than its `within`.
                if let Some(why) = &shortened {
                    check.notes.insert(0, why.clone());
                }
                s
            }
        };
        check.notes.insert(0, summary);
        return Ok(check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Mismatch;
    use rstest::rstest;

    fn window(within: u64, stable_for: Option<u64>) -> Window {
        Window {
            within: Duration::from_millis(within),
            stable_for: stable_for.map(Duration::from_millis),
            interval: Duration::from_millis(500),
            since: None,
        }
    }

    /// Feeds (time in ms, answer) pairs to a tally expecting "401"; returns what it decided last and
    /// how many answers it took.
    fn replay(w: Window, answers: &[(u64, &str)]) -> (Next, usize) {
        let mut tally = Tally::new(w, "401");
        for (i, (at, said)) in answers.iter().enumerate() {
            let next = tally.record(Duration::from_millis(*at), said, *said == "401");
            if !matches!(next, Next::AskAgainIn(_)) {
                return (next, i + 1);
            }
        }
        panic!("the tally wants more answers than the test gave");
    }

    #[rstest]
    #[case::first_answer(window(2000, None), &[(0, "401")], Next::Passed("answered 401 after 0.0s (1 answer: 401 ×1)".into()), 1)]
    #[case::arrives_in_time(window(2000, None), &[(0, "403"), (500, "403"), (1000, "401")], Next::Passed("answered 401 after 1.0s (3 answers: 403 ×2, 401 ×1)".into()), 3)]
    #[case::arrives_at_the_deadline(window(2000, None), &[(0, "403"), (2000, "401")], Next::Passed("answered 401 after 2.0s (2 answers: 403 ×1, 401 ×1)".into()), 2)]
    #[case::never_arrives(window(2000, None), &[(0, "403"), (500, "403"), (1000, "403"), (1500, "403"), (2000, "403")], Next::Failed("expected 401 within 2s, still 403 after 2.0s (5 answers: 403 ×5)".into()), 5)]
    #[case::asked_once(window(0, None), &[(30, "403")], Next::Failed("expected 401, got 403 (asked once: within 0s)".into()), 1)]
    #[case::stays(window(2000, Some(1000)), &[(0, "403"), (500, "401"), (1000, "401"), (1500, "401")], Next::Passed("answered 401 after 0.5s, and held for 1.0s (1s) (4 answers: 403 ×1, 401 ×3)".into()), 4)]
    #[case::flips_back(window(2000, Some(1000)), &[(0, "401"), (500, "403")], Next::Failed("expected 401 to hold for 1s, it answered 403 again after holding for 0.5s (2 answers: 401 ×1, 403 ×1)".into()), 2)]
    fn a_window_passes_or_fails_with_the_answers_it_got(
        #[case] w: Window,
        #[case] answers: &[(u64, &str)],
        #[case] want: Next,
        #[case] asked: usize,
    ) {
        assert_eq!(replay(w, answers), (want, asked));
    }

    #[test]
    fn the_pause_never_runs_past_the_deadline() {
        let mut tally = Tally::new(window(2000, None), "401");
        assert_eq!(tally.record(Duration::from_millis(1800), "403", false), Next::AskAgainIn(Duration::from_millis(200)));
        let mut tally = Tally::new(window(2000, Some(300)), "401");
        assert_eq!(tally.record(Duration::from_millis(0), "401", true), Next::AskAgainIn(Duration::from_millis(300)));
    }

    /// The async loop over a made-up sequence of answers (no cluster): the last answer's mismatch is
    /// kept and the summary is the first note.
    async fn run_fake(within_ms: u64, stable_ms: Option<u64>, seq: &[&'static str]) -> (Check, usize) {
        let w = Window {
            within: Duration::from_millis(within_ms),
            stable_for: stable_ms.map(Duration::from_millis),
            interval: Duration::from_millis(10),
            since: None,
        };
        let answers = std::sync::Mutex::new(seq.iter().copied().chain(std::iter::repeat(*seq.last().unwrap_or(&"403"))));
        let count = std::sync::atomic::AtomicUsize::new(0);
        let check = look(w, "401", || {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let said = answers.lock().unwrap().next().unwrap_or("403");
            async move {
                let mismatches = if said == "401" { vec![] } else { vec![Mismatch::new("HTTP status", "401", said)] };
                Ok::<_, std::convert::Infallible>(Asked { check: Check::with(mismatches), said: said.to_string() })
            }
        })
        .await
        .unwrap();
        (check, count.into_inner())
    }

    fn changed(step: usize) -> Option<Change> {
        Some(Change { at: Instant::now(), step })
    }

    #[rstest]
    #[case::no_change_before(window(10_000, None), 30_000, 10_000, None)]
    #[case::just_changed(window(10_000, None).since(changed(3)), 0, 10_000, None)]
    #[case::within_a_second_of_it(window(10_000, None).since(changed(3)), 999, 10_000, None)]
    #[case::part_left(window(10_000, None).since(changed(7)), 2_000, 8_000, Some("`within` 10s counts from the end of step 7 (the last step that changed the cluster), 2.0s before this step began: 8s of it was left to ask in"))]
    #[case::all_gone(window(10_000, None).since(changed(7)), 30_000, 1_000, Some("`within` 10s counts from the end of step 7 (the last step that changed the cluster), 30.0s before this step began: 1s of it was left to ask in"))]
    #[case::short_window_kept(window(500, None).since(changed(2)), 30_000, 500, None)]
    #[case::asked_once_stays_once(window(0, None).since(changed(2)), 30_000, 0, None)]
    fn within_counts_from_the_last_change(#[case] w: Window, #[case] after_ms: u64, #[case] left_ms: u64, #[case] note: Option<&str>) {
        let (left, why) = w.left(Duration::from_millis(after_ms));
        assert_eq!((left.within, why.as_deref()), (Duration::from_millis(left_ms), note));
        assert_eq!((left.stable_for, left.interval, left.since), (w.stable_for, w.interval, w.since), "only `within` changes");
    }

    #[tokio::test]
    async fn a_look_long_after_the_last_change_fails_after_the_least_asking() {
        let w = Window::new(Duration::from_secs(30), None).since(Some(Change { at: Instant::now() - Duration::from_secs(60), step: 4 }));
        let started = Instant::now();
        let check = look(w, "no", || async {
            Ok::<_, std::convert::Infallible>(Asked { check: Check::with(vec![Mismatch::new("answer", "no", "yes")]), said: "yes".into() })
        })
        .await
        .unwrap();
        let took = started.elapsed();
        assert!(
            took >= MIN_ASKING && took < Duration::from_secs(5),
            "took {took:?}: it must stop after the least asking, not the 30s window"
        );
        assert!(check.notes[0].starts_with("expected no within 1s, still yes after "), "{:?}", check.notes);
        assert!(check.notes[1].contains("counts from the end of step 4"), "{:?}", check.notes);
    }

    #[tokio::test]
    async fn a_look_right_after_a_change_keeps_its_whole_window() {
        let w = Window { interval: Duration::from_millis(10), ..Window::new(Duration::from_millis(300), None) }.since(changed(1));
        let started = Instant::now();
        let check = look(w, "no", || async {
            Ok::<_, std::convert::Infallible>(Asked { check: Check::with(vec![Mismatch::new("answer", "no", "yes")]), said: "yes".into() })
        })
        .await
        .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(check.notes[0].starts_with("expected no within 300ms, still yes after "), "{:?}", check.notes);
        assert_eq!(check.notes.len(), 1, "no note about a shortened window: {:?}", check.notes);
    }

    #[tokio::test]
    async fn the_answer_arriving_in_time_passes() {
        let (check, asked) = run_fake(500, None, &["403", "403", "401"]).await;
        assert!(check.mismatches.is_empty(), "{:?}", check.mismatches);
        assert_eq!(asked, 3);
        assert!(check.notes[0].starts_with("answered 401 after "), "{:?}", check.notes);
    }

    #[tokio::test]
    async fn the_answer_not_arriving_fails_with_the_last_answer() {
        let (check, asked) = run_fake(100, None, &["403"]).await;
        assert_eq!(check.mismatches, vec![Mismatch::new("HTTP status", "401", "403")]);
        assert!(asked >= 2, "asked {asked} times");
        assert!(check.notes[0].starts_with("expected 401 within 100ms, still 403 after "), "{:?}", check.notes);
        assert!(check.notes[0].ends_with(&format!("answers: 403 ×{asked})")), "{:?}", check.notes);
    }

    #[tokio::test]
    async fn stable_for_fails_when_the_answer_flips_back() {
        let (check, _) = run_fake(500, Some(200), &["401", "401", "403"]).await;
        assert_eq!(check.mismatches, vec![Mismatch::new("HTTP status", "401", "403")]);
        assert!(
            check.notes[0].starts_with("expected 401 to hold for 200ms, it answered 403 again after holding for "),
            "{:?}",
            check.notes
        );
    }

    #[tokio::test]
    async fn stable_for_passes_when_the_answer_holds() {
        let (check, asked) = run_fake(500, Some(100), &["403", "401"]).await;
        assert!(check.mismatches.is_empty());
        assert!(asked >= 3, "asked {asked} times: the answer must be asked again while it has to hold");
    }
}
