//! `cluster up` and `cluster down`: the harness's kind cluster made to be kept (`up`, or re-used if the
//! harness made it), and deleted only when the ownership policy proves it ours (`down`).

use super::{fail_to_start, out};
use crate::cluster::{ClusterSpec, KindSpec};
use crate::exit::PASSED;
use crate::interrupt::Interrupt;
use crate::report::Console;
use crate::runner::RunOptions;

pub(super) async fn up(spec: KindSpec) -> u8 {
    let name = spec.name.clone();
    let opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    let spec = ClusterSpec::Kind(KindSpec { reuse: true, ..spec });
    match crate::suite::acquire(&spec, &[], &opts, &mut Console::new(false)).await {
        Ok(session) => {
            let t = &session.target;
            out(&format!("cluster `{name}` is up: {} (context {}, kubeconfig {})\n", t.server, t.context, t.kubeconfig.display()));
            PASSED
        }
        Err(e) => fail_to_start(&e),
    }
}

pub(super) async fn down(name: &str) -> u8 {
    let provider = ClusterSpec::Kind(KindSpec::named(name, "kind-config.yaml".as_ref())).provider();
    let deleted = match provider {
        Ok(p) => crate::cluster::down(p.as_ref()).await,
        Err(e) => Err(e),
    };
    match deleted {
        Ok(deleted) => {
            out(&said(name, deleted));
            PASSED
        }
        Err(e) => {
            super::error(&e);
            crate::exit::for_cluster_error(&e)
        }
    }
}

/// What `cluster down` says when it did not fail: deleted, or there was nothing of that name.
fn said(name: &str, deleted: bool) -> String {
    if deleted {
        format!("deleted kind cluster `{name}`\n")
    } else {
        format!("no kind cluster `{name}`\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_says_whether_it_deleted_or_found_nothing() {
        assert_eq!(said("sa-conformance", true), "deleted kind cluster `sa-conformance`\n");
        assert_eq!(said("sa-conformance-2", false), "no kind cluster `sa-conformance-2`\n");
    }
}
