//! The matrix page in a real browser: Debian's chromium renders the HTML made from
//! tests/fixtures/matrix.json — the JSON `sa-conformance matrix --json` wrote on this machine's real
//! v1.34.4 + v1.35.4 + v1.36.3 run (docs/matrix.md), trimmed to the first two sections and the errata — with
//! every request sent to a dead proxy, and the screenshot must be a PNG of the window's size showing
//! each verdict badge's colour.
//!
//! These tests never install anything: the browser comes from host preparation
//! (`sudo bash scripts/host-setup.sh` installs Debian's chromium) or from `SA_CONFORMANCE_CHROMIUM`
//! (e.g. Google Chrome on a hosted runner). Without one they fail at once, naming the command that
//! installs it; they never skip.

use sa_conformance::matrix::{to_html, Matrix, COLOURS};
use sa_conformance::scenario::LoadOptions;
use sa_conformance::trace::ArticleLinks;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 1000;

/// What a test that lacks the browser tells its reader to run (host preparation, never the test).
const INSTALL: &str = sa_conformance::cluster::preflight::INSTALL_CHROMIUM;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture, linked to the article as `matrix` links it (claims and steps to their lines).
fn fixture() -> Matrix {
    let path = repo().join("tests/fixtures/matrix.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut m: Matrix = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not a matrix: {e}", path.display()));
    let links = ArticleLinks::resolve(&repo().join("scenarios"), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    m.link(&links);
    m
}

/// The browser: `SA_CONFORMANCE_CHROMIUM` when set (it must be an executable), else `chromium` on PATH.
fn find_chromium(named: Option<std::ffi::OsString>, path: Option<std::ffi::OsString>) -> Result<PathBuf, String> {
    if let Some(named) = named.filter(|n| !n.is_empty()) {
        let named = PathBuf::from(named);
        return if is_executable(&named) {
            Ok(named)
        } else {
            Err(format!("SA_CONFORMANCE_CHROMIUM={} is not an executable file", named.display()))
        };
    }
    let found = path.iter().flat_map(std::env::split_paths).map(|dir| dir.join("chromium")).find(|c| is_executable(c));
    found.ok_or_else(|| format!("chromium is not installed (not on PATH, SA_CONFORMANCE_CHROMIUM unset); install it with: {INSTALL}"))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn chromium() -> PathBuf {
    find_chromium(std::env::var_os("SA_CONFORMANCE_CHROMIUM"), std::env::var_os("PATH")).unwrap_or_else(|e| panic!("{e}"))
}

/// Screenshots `html` with chromium; every network request goes to 127.0.0.1:9 (nothing listens).
fn screenshot(html: &str, dir: &Path, name: &str) -> PathBuf {
    let page = dir.join(format!("{name}.html"));
    let png = dir.join(format!("{name}.png"));
    std::fs::write(&page, html).unwrap();
    let mut child = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1"])
        // nothing may leave the machine: no first-run, update, sync or background connections
        .args(["--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"])
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

/// Pixels of each badge colour in the screenshot (8-bit RGB or RGBA, as chromium writes it).
fn colour_counts(png: &Path) -> Vec<(String, usize)> {
    let file = std::fs::File::open(png).unwrap_or_else(|e| panic!("cannot open {}: {e}", png.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap_or_else(|e| panic!("{} is not a PNG chromium could write: {e}", png.display()));
    let mut pixels = vec![0; reader.output_buffer_size().expect("a 1000x1000 screenshot fits in memory")];
    let frame = reader.next_frame(&mut pixels).unwrap_or_else(|e| panic!("cannot decode {}: {e}", png.display()));
    let bpp = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("{}: unexpected colour type {other:?}", png.display()),
    };
    let rgb = |hex: &str| -> [u8; 3] {
        let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).expect("COLOURS are hex");
        [(v >> 16) as u8, (v >> 8) as u8, v as u8]
    };
    COLOURS
        .iter()
        .map(|(_, hex)| {
            let want = rgb(hex);
            let n = pixels[..frame.buffer_size()].chunks_exact(bpp).filter(|p| p[..3] == want).count();
            (hex.trim_start_matches('#').to_string(), n)
        })
        .collect()
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
    for banned in ["<script", "<link", "<img", "<iframe", "@import", "url(", " src="] {
        assert!(!html.contains(banned), "the page contains `{banned}`");
    }
    // its only links are to its own article lines: each `href="#X"` has its `id="X"` on the page
    let dangling = |html: &str| -> Vec<String> {
        let href = regex::Regex::new(r#" href="([^"]*)""#).unwrap();
        href.captures_iter(html)
            .map(|c| c[1].to_string())
            .filter(|h| !h.strip_prefix('#').is_some_and(|id| html.contains(&format!(" id=\"{id}\""))))
            .collect()
    };
    let links = html.matches(r##" href="#article-L"##).count();
    assert!(links > m.claims.len(), "only {links} links to article lines for {} claims", m.claims.len());
    assert_eq!(dangling(&html), Vec::<String>::new());
    // and the check would catch a link that leaves the page, or one whose line is not on it
    assert_eq!(dangling(&html.replace("</body>", r#"<a href="https://example.com/">x</a></body>"#)), ["https://example.com/"]);
    assert_eq!(
        dangling(&html.replacen(r#" id="article-L60""#, "", 1)),
        ["#article-L60"; 1].repeat(html.matches(r##"href="#article-L60""##).count())
    );
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

#[test]
fn without_a_browser_the_page_tests_fail_at_once_naming_the_install_command() {
    // the lookup the page tests use, on a PATH with no chromium: an error that says what to run,
    // found without starting anything (no installer, no package manager)
    let empty = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let e = find_chromium(None, Some(empty.path().as_os_str().to_owned())).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "the lookup took {:?}", started.elapsed());
    assert!(e.contains("chromium is not installed") && e.contains(INSTALL), "{e}");
    // a file named chromium that is not executable is not a browser either
    std::fs::write(empty.path().join("chromium"), "").unwrap();
    assert!(find_chromium(None, Some(empty.path().as_os_str().to_owned())).is_err());
    // a browser named on purpose must exist
    let e = find_chromium(Some("/nonexistent/chrome".into()), None).unwrap_err();
    assert!(e.contains("SA_CONFORMANCE_CHROMIUM=/nonexistent/chrome is not an executable file"), "{e}");
}

#[test]
fn a_browser_on_path_or_named_is_found() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("chromium");
    std::fs::write(&fake, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths([Path::new("/nonexistent"), dir.path()]).unwrap();
    assert_eq!(find_chromium(None, Some(path)).unwrap(), fake);
    assert_eq!(find_chromium(Some(fake.clone().into_os_string()), None).unwrap(), fake);
}

/// Two participants, as `check` reports them: Bob stopped before the Role, Carol has not started.
fn board_fixture() -> Vec<sa_conformance::lab::board::BoardRow> {
    use sa_conformance::lab::{Failure, LabOutcome, StageOutcome};
    let stage = |section: &str, failure: Option<&str>, not_checked: bool| StageOutcome {
        section: section.into(),
        checks: 3,
        failures: failure
            .map(|p| Failure {
                problem: p.into(),
                check: "what `apply roles/pod-reader-role.yaml` leaves behind".into(),
                at: "scenarios/article/walkthrough.scenario.yaml:456".into(),
                revisit: section.into(),
                command: Some("kubectl apply -f roles/pod-reader-role.yaml".into()),
            })
            .into_iter()
            .collect(),
        not_checked: not_checked.then(|| "not checked: the namespace is missing".into()),
    };
    let lab = |stages: Vec<StageOutcome>| LabOutcome {
        scenario: "article-walkthrough".into(),
        namespaces: Default::default(),
        stages,
        not_checked: Vec::new(),
        duration_ms: 1500,
    };
    let (a, b, c) = ("Creating a Service Account", "Attaching a Service Account to a Pod", "Granting Read-Only Pod Access with RBAC");
    vec![
        sa_conformance::lab::board::BoardRow {
            participant: "bob-dev".into(),
            labs: vec![lab(vec![
                stage(a, None, false),
                stage(b, None, false),
                stage(c, Some("Role pod-reader is missing in bob-dev"), false),
            ])],
        },
        sa_conformance::lab::board::BoardRow {
            participant: "carol-dev".into(),
            labs: vec![lab(vec![stage(a, Some("namespace carol-dev not found"), false), stage(b, None, true), stage(c, None, true)])],
        },
    ]
}

/// Pixels of each of the board's badge colours.
fn board_colour_counts(png: &Path) -> Vec<(String, usize)> {
    let file = std::fs::File::open(png).unwrap();
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().expect("fits")];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let bpp = if frame.color_type == png::ColorType::Rgba { 4 } else { 3 };
    sa_conformance::lab::board::BOARD_COLOURS
        .iter()
        .map(|(name, hex)| {
            let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
            let want = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
            (name.to_string(), pixels[..frame.buffer_size()].chunks_exact(bpp).filter(|p| p[..3] == want).count())
        })
        .collect()
}

#[test]
fn the_board_page_shows_each_participants_sections_in_colour_and_nothing_without_its_style() {
    let html = sa_conformance::lab::board::to_html(&board_fixture(), "21:46:00Z");
    for banned in ["<script", "<link", "<img", "<iframe", "@import", "url(", " src=", " href="] {
        assert!(!html.contains(banned), "the board contains `{banned}`");
    }
    let dir = tempfile::tempdir().unwrap();
    let png = screenshot(&html, dir.path(), "board");
    assert_eq!(png_size(&png), (WIDTH, HEIGHT));
    let counts = board_colour_counts(&png);
    for (name, n) in &counts {
        assert!(*n >= 100, "only {n} pixels of the `{name}` badge colour: {counts:?}");
    }
    // the control: the colours come from the page's own style, so without it there are none
    let start = html.find("<style>").unwrap();
    let end = html.find("</style>").unwrap() + "</style>".len();
    let png = screenshot(&format!("{}{}", &html[..start], &html[end..]), dir.path(), "board-bare");
    for (name, n) in board_colour_counts(&png) {
        assert_eq!(n, 0, "`{name}` colour present without the style sheet");
    }
}
