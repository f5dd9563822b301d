//! `audit`: what an identity can do beyond what the user declares it needs. An audit reads; it never
//! creates a cluster: it uses the harness's kind cluster (kept) or a named context.

use super::{error, fail_to_start, out, write_reports};
use crate::audit::AuditReport;
use crate::cli::AuditArgs;
use crate::cluster::ClusterSpec;
use crate::exit::{FAILED, PASSED};
use crate::interrupt::Interrupt;
use crate::report::{Console, Document, Format, Output, RenderError, Rendered};
use crate::runner::RunOptions;

/// The audit's file: JSON only, which the writer redacts value by value. (Here, above both `audit`
/// and `report`: the audit sits below the step kinds, which the reporters read.)
struct AuditFile(AuditReport);

impl Document for AuditFile {
    fn redacted(&self) -> Result<Self, RenderError> {
        let mut copy = self.0.clone();
        copy.rules.iter_mut().flat_map(|(_, rules)| rules.iter_mut()).for_each(|r| *r = crate::report::redact(r).into_owned());
        Ok(AuditFile(copy))
    }

    fn render(&self, format: Format) -> Result<Rendered, RenderError> {
        match format {
            Format::Json => Ok(Rendered::Value(serde_json::to_value(&self.0)?)),
            other => Err(RenderError::Unsupported(other)),
        }
    }
}

pub(super) async fn audit(args: &AuditArgs) -> u8 {
    let opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    let session = match crate::suite::acquire(&cluster(args), &args.target.allow_context, &opts, &mut Console::new(false)).await {
        Ok(s) => s,
        Err(e) => return fail_to_start(&e),
    };
    let spec = crate::audit::AuditSpec {
        user: args.user.clone(),
        namespaces: args.namespaces.clone(),
        allow: args.allow.clone(),
        sweep: args.sweep,
    };
    match crate::audit::audit(&session.target, &spec).await {
        Ok(report) => {
            if args.matrix {
                out(&crate::audit::matrix(&report));
            }
            out(&crate::audit::summary(&report));
            let passed = report.passed();
            if let Err(code) = write_reports(&Output::requested([(Format::Json, args.json.as_ref())]), &AuditFile(report)) {
                return code;
            }
            if passed {
                PASSED
            } else {
                FAILED
            }
        }
        Err(e) => {
            error(&e);
            FAILED
        }
    }
}

/// The cluster to audit: the one the flags name, a kind cluster only re-used and always kept.
fn cluster(args: &AuditArgs) -> ClusterSpec {
    args.target.spec().reused_and_kept()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn args(argv: &[&str]) -> AuditArgs {
        let cli = Cli::try_parse_from([&["sa-conformance", "audit", "--as", "u", "-n", "dev"], argv].concat()).expect("audit parses");
        let Command::Audit(a) = cli.command else { panic!("not audit") };
        a
    }

    #[test]
    fn an_audit_reuses_and_keeps_a_kind_cluster_and_never_creates_one_to_delete() {
        match cluster(&args(&[])) {
            ClusterSpec::Kind(k) => assert!(k.reuse && k.keep, "{k:?}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(cluster(&args(&["--cluster", "existing"])), ClusterSpec::Existing(_)));
    }
}
