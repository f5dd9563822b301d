//! `trace`: reads tutorials (plain text or Markdown) and maps every block to the steps that run it,
//! by content; a block whose scenario copy differs, or that no step runs and no declaration excuses,
//! fails the command. Needs no cluster. `--kill-matrix` also runs the doc kill matrix.

use super::{error, load, out, write_reports};
use crate::cli::TraceArgs;
use crate::exit::{FAILED, PASSED, USAGE};
use crate::report::{self, Format, Output};
use crate::trace::{self, edits, runs::shown, Declared, Runs, TraceReport};

pub(super) fn trace(args: &TraceArgs, verbose: bool) -> u8 {
    if args.json.is_some() && args.articles.len() > 1 {
        eprintln!("error: --json writes the trace of one article; name one article, or run trace once per article");
        return USAGE;
    }
    let catalog = match load(&args.load, &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let path = args.declared.clone().unwrap_or_else(|| args.load.scenarios_dir.join(trace::DECLARED_FILE));
    let declared = match Declared::load(&path) {
        Ok(d) => d,
        Err(e) => {
            error(&e);
            return USAGE;
        }
    };
    let runs = Runs::of(&catalog, Some(&args.load.scenarios_dir.join(trace::ARTICLE_DIR)));
    let mut code = PASSED;
    for article in &args.articles {
        let text = match std::fs::read_to_string(article) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", article.display());
                return USAGE;
            }
        };
        let traced = trace::trace_text(&text, &runs, &declared);
        let mut doc = TraceReport::new(&shown(article).display().to_string(), &traced, &runs);
        doc.verbose = verbose;
        if args.claims {
            doc.link_claims(&text, &catalog.claims);
        }
        let printed = report::render(&doc, Format::Console).map(|t| out(&t)).map_err(|e| {
            error(&e);
            FAILED
        });
        if let Err(c) = printed {
            return c;
        }
        if let Some(json) = &args.json {
            if let Err(c) = write_reports(&[Output::new(Format::Json, json)], &doc) {
                return c;
            }
        }
        if args.kill_matrix {
            let m = edits::matrix(&text, &runs, &declared);
            out(&format!("\n{m}\n"));
            if m.killed() < m.edits() {
                code = FAILED;
            }
        }
        if !doc.passed {
            code = FAILED;
        }
    }
    code
}
