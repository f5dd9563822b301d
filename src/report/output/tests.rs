//! The report writer's contract: secrets never reach a file, whatever the format; a file that cannot be
//! written or a format a document lacks is an error naming the path, never an empty or `null` file.

use super::*;

const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2OnBvZC1pbnNwZWN0b3IifQ.c2ln";

/// A report that carries a token in a note, and forgets nothing when redacted unless told to.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Note {
    note: String,
    /// A redaction that forgets the note, so the writer's own value walk is what is tested.
    forgetful: bool,
}

impl Document for Note {
    fn redacted(&self) -> Result<Self, RenderError> {
        let mut copy = self.clone();
        if !self.forgetful {
            copy.note = crate::report::redact(&self.note).into_owned();
        }
        Ok(copy)
    }
    fn render(&self, format: Format) -> Result<Rendered, RenderError> {
        match format {
            Format::Json => Ok(Rendered::Value(serde_json::to_value(self)?)),
            Format::Console => Ok(Rendered::Text(format!("note: {}\n", self.note))),
            other => Err(RenderError::Unsupported(other)),
        }
    }
}

fn note(forgetful: bool) -> Note {
    Note { note: format!("the pod read the token {JWT} and used it"), forgetful }
}

#[test]
fn a_secret_value_never_reaches_the_file_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [(Format::Json, "r.json"), (Format::Console, "r.txt")] {
        let out = Output::new(format, dir.path().join(name));
        out.write(&note(false)).unwrap();
        let text = std::fs::read_to_string(&out.path).unwrap();
        assert!(!text.contains("eyJhbGci") && !text.contains("c2ln"), "{format}: {text}");
        assert!(text.contains("the pod read the token <redacted"), "{format}: {text}");
    }
}

#[test]
fn json_is_redacted_value_by_value_even_when_the_document_forgets_a_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = Output::new(Format::Json, dir.path().join("r.json"));
    out.write(&note(true)).unwrap();
    let text = std::fs::read_to_string(&out.path).unwrap();
    let value: Value = serde_json::from_str(&text).expect("the report parses");
    assert!(value["note"].as_str().is_some_and(|n| n.starts_with("the pod read the token <redacted")), "{text}");
    assert!(!text.contains("eyJhbGci"), "{text}");
    assert!(text.ends_with("}\n"), "pretty JSON ending in a newline: {text:?}");
}

#[test]
fn an_unwritable_path_is_an_error_naming_the_path_and_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("r.json");
    let err = Output::new(Format::Json, &path).write(&note(false)).unwrap_err();
    assert_eq!(err.to_string(), format!("cannot write report {}", path.display()));
    let cause = std::error::Error::source(&err).expect("the io error is the source").to_string();
    assert!(cause.contains("No such file or directory"), "{cause}");
    assert!(!path.exists());
}

#[test]
fn a_format_the_document_lacks_writes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xml");
    let err = Output::new(Format::Junit, &path).write(&note(false)).unwrap_err();
    assert_eq!(
        crate::error::chain(&err),
        format!("cannot render the JUnit XML report for {}: this report has no JUnit XML form", path.display())
    );
    assert!(!path.exists(), "no empty file is left behind");
}

#[test]
fn the_outputs_requested_are_those_with_a_path_in_flag_order() {
    let (json, junit) = (PathBuf::from("r.json"), PathBuf::from("r.xml"));
    let outs = Output::requested([(Format::Junit, Some(&junit)), (Format::Json, None), (Format::Json, Some(&json))]);
    assert_eq!(outs, [Output::new(Format::Junit, "r.xml"), Output::new(Format::Json, "r.json")]);
}

#[test]
fn plain_data_is_redacted_through_its_value() {
    let copy = redacted_by_value(&note(true)).unwrap();
    assert!(copy.note.starts_with("the pod read the token <redacted"), "{}", copy.note);
}
