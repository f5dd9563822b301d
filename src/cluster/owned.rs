//! The proof that sa-conformance may delete a kind cluster, which every delete requires
//! ([`super::Provider::delete`]). Below the providers and the ownership policy, so both can name it;
//! which proofs count is `super::ownership`'s.

/// A proof that sa-conformance may delete a kind cluster: made by [`super::ownership::verify`], or by
/// the process that created the cluster ([`Owned::created_here`]).
#[derive(Debug, Clone)]
pub struct Owned {
    pub name: String,
    pub why: Why,
}

/// Which proof an [`Owned`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// This process (or a child it started) created it: it did not exist when the process began.
    CreatedHere,
    /// Its state record and its in-cluster marker agree.
    Recorded,
    /// Its state record names exactly the node containers kind lists for it (by id): a proof that
    /// needs no running node, for a cluster whose nodes are stopped.
    RecordedContainers,
}

impl Owned {
    /// This process created the cluster (it did not exist before this process ran `kind create`, or
    /// before it started the child run that did).
    pub fn created_here(name: &str) -> Owned {
        Owned { name: name.to_string(), why: Why::CreatedHere }
    }
}
