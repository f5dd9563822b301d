//! The matrix page in a real browser: Debian's chromium (installed by scripts/ensure-chromium.sh when
//! missing; a failure to install fails these tests, it never skips them) renders the HTML made from
//! tests/fixtures/matrix.json — the JSON `sa-conformance matrix --json` wrote on this machine's real
//! v1.34.4 + v1.35.4 + v1.36.3 run (docs/matrix.md), trimmed to the first two sections and the errata — with
//! every request sent to a dead proxy, and the screenshot must be a PNG of the window's size showing
//! each verdict badge's colour.

use sa_conformance::matrix::{to_html, Matrix, COLOURS};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 1000;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Matrix {
    let path = repo().join("tests/fixtures/matrix.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not a matrix: {e}", path.display()))
}

fn chromium() -> String {
    let out = Command::new("bash").arg(repo().join("scripts/ensure-chromium.sh")).output().expect("cannot run scripts/ensure-chromium.sh");
    assert!(
        out.status.success(),
        "chromium is needed for the matrix page's browser tests and could not be installed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Screenshots `html` with chromium; every network request goes to 127.0.0.1:9 (nothing listens).
fn screenshot(html: &str, dir: &Path, name: &str) -> PathBuf {
    let page = dir.join(format!("{name}.html"));
    let png = dir.join(format!("{name}.png"));
    std::fs::write(&page, html).unwrap();
    let mut child = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1"])
        .arg("--proxy-server=127.0.0.1:9")
        .arg("--proxy-bypass-list=<-loopback>")
        .arg(format!("--user-data-dir={}", dir.join(format!("profile-{name}")).display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start chromium");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        png.exists(),
        "chromium wrote no screenshot: {:?}",
        child.wait_with_output().map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
    );
    png
}

/// (width, height) from the PNG header.
fn png_size(png: &Path) -> (u32, u32) {
    let bytes = std::fs::read(png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", png.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Pixels of each badge colour in the screenshot.
fn colour_counts(png: &Path) -> Vec<(String, usize)> {
    let mut cmd = Command::new("python3");
    cmd.arg(repo().join("tests/browser/png_colours.py")).arg(png);
    cmd.args(COLOURS.iter().map(|(_, c)| c.trim_start_matches('#')));
    let out = cmd.output().expect("python3 is needed to read the screenshot's pixels");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().skip(1).filter_map(|l| l.split_once(' ')).map(|(c, n)| (c.to_string(), n.parse().unwrap())).collect()
}

#[test]
fn the_page_renders_every_verdict_mark_in_its_colour_with_no_network() {
    let dir = tempfile::tempdir().unwrap();
    let png = screenshot(&to_html(&fixture()), dir.path(), "matrix");
    assert_eq!(png_size(&png), (WIDTH, HEIGHT));
    let counts = colour_counts(&png);
    for (colour, n) in &counts {
        assert!(*n >= 100, "only {n} pixels of badge colour #{colour} in {}: {counts:?}", png.display());
    }
    if let Ok(keep) = std::env::var("SA_CONFORMANCE_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}

#[test]
fn without_its_inline_style_the_page_shows_no_badge_colour() {
    // the control: the colour check above can fail, and the colours come from the page's own <style>
    let html = to_html(&fixture());
    let start = html.find("<style>").unwrap();
    let end = html.find("</style>").unwrap() + "</style>".len();
    let bare = format!("{}{}", &html[..start], &html[end..]);
    let dir = tempfile::tempdir().unwrap();
    let png = screenshot(&bare, dir.path(), "bare");
    assert_eq!(png_size(&png), (WIDTH, HEIGHT));
    for (colour, n) in colour_counts(&png) {
        assert_eq!(n, 0, "#{colour} present without the style sheet");
    }
}

#[test]
fn the_page_references_nothing_outside_itself() {
    let m = fixture();
    let html = to_html(&m);
    for banned in ["<script", "<link", "<img", "<iframe", "@import", "url(", " src=", " href="] {
        assert!(!html.contains(banned), "the page contains `{banned}`");
    }
    // every http(s) address on the page (claim text, or evidence: the in-cluster API address of the
    // article's curl commands) names a host the article itself quotes (claims.yaml); none is fetched
    let quoted: String = m.claims.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n");
    let re = regex::Regex::new(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?").unwrap();
    for url in re.find_iter(&html).map(|m| m.as_str()) {
        assert!(quoted.contains(url), "{url} is on the page but not quoted from the article");
    }
    // and the check would catch one that is not
    let tampered = html.replace("</body>", "<p>see https://cdn.example.com/x.css</p></body>");
    assert!(re.find_iter(&tampered).any(|m| !quoted.contains(m.as_str())));
}
