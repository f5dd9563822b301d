//! Console colours, through a real terminal: `script` (util-linux; Debian's `bsdutils`, an essential
//! package that `scripts/host-setup.sh` names too; the test never installs it) gives the binary a
//! pseudo-terminal. The matrix saved in `tests/fixtures/matrix.json` (a real run's JSON) is printed
//! with its marks in colour on a terminal, and plain when `NO_COLOR` is set or stdout is a pipe. No
//! cluster is needed.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_sa-conformance");
const ARGS: &str = "matrix --from-json tests/fixtures/matrix.json";
/// The `✓ holds` mark in green, as `report::paint` writes it.
const GREEN_HOLDS: &str = "\x1b[32m✓ holds";
const YELLOW_ERRATUM: &str = "\x1b[33m! erratum";

/// The command run on a pseudo-terminal by `script`, with `NO_COLOR` as given (unset when None).
fn on_a_terminal(no_color: Option<&str>) -> Output {
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &format!("{BIN} {ARGS}"), "/dev/null"]).current_dir(env!("CARGO_MANIFEST_DIR"));
    match no_color {
        Some(v) => cmd.env("NO_COLOR", v),
        None => cmd.env_remove("NO_COLOR"),
    };
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run `script` for a pseudo-terminal ({e}): host preparation provides it: `sudo bash scripts/host-setup.sh` (Debian's bsdutils)"))
}

fn text(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn marks_are_coloured_on_a_terminal() {
    let shown = text(&on_a_terminal(None));
    assert!(shown.contains(GREEN_HOLDS) && shown.contains(YELLOW_ERRATUM), "no colour on a terminal:\n{shown:?}");
    assert!(shown.contains("\x1b[0m"), "a colour is never reset:\n{shown:?}");
}

#[test]
fn no_color_turns_them_off_on_a_terminal() {
    let shown = text(&on_a_terminal(Some("1")));
    assert!(shown.contains("✓ holds"), "the words stay:\n{shown}");
    assert!(!shown.contains('\x1b'), "NO_COLOR=1 and still an escape code:\n{shown:?}");
    // an empty NO_COLOR counts as unset (no-color.org)
    assert!(text(&on_a_terminal(Some(""))).contains(GREEN_HOLDS));
}

#[test]
fn a_pipe_gets_no_colour() {
    let out = Command::new(BIN).args(ARGS.split(' ')).current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("NO_COLOR").output().unwrap();
    let piped = text(&out);
    assert!(piped.contains("✓ holds") && !piped.contains('\x1b'), "{piped:?}");
}
