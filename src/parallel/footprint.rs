//! What a scenario touches on the cluster, read from the scenario alone (no cluster needed), so that
//! `--jobs N` and the e2e trials can tell which scenarios may run at the same time. Two scenarios
//! conflict when one writes a namespace the other reads or writes, when both write the same
//! cluster-scoped object, when one lists across all namespaces while the other writes anything, or
//! when one grants a named user or group across the cluster what the other acts as (or grants too),
//! or when either does something whose reach cannot be bounded (a ClusterRoleBinding to a `system:`
//! group or user, an aggregated ClusterRole, a kubectl change that names no namespace): such a
//! scenario runs alone. A look across all namespaces conflicts with a writer only when other rows
//! could change its verdict (`TextExpect::unaffected_by_other_rows`).
//! The analysis errs on the side of "conflict": a wrong "no conflict" would let two scenarios break
//! each other, a wrong "conflict" only costs time.

pub use crate::footprint::Footprint;
use crate::scenario::Scenario;

impl Footprint {
    /// Reads a scenario's footprint from its namespaces, steps (each kind says what it touches,
    /// [`crate::step::StepKind::footprint`]) and cleanup list.
    pub fn of(s: &Scenario) -> Footprint {
        s.footprint()
    }

    /// Both footprints as one, for a trial that runs several scenarios: everything either touches,
    /// and either's reason to run alone. Whatever conflicts with one of them conflicts with the join.
    pub fn join(mut self, other: Footprint) -> Footprint {
        self.writes.extend(other.writes);
        self.reads.extend(other.reads);
        self.objects.extend(other.objects);
        self.reads_everywhere = self.reads_everywhere.or(other.reads_everywhere);
        self.alone = self.alone.or(other.alone);
        self.everyone.extend(other.everyone);
        self.grants.extend(other.grants);
        self.acts_as.extend(other.acts_as);
        self.written.extend(other.written);
        self
    }

    /// Why two footprints may not run at the same time, or None if they may.
    pub fn conflict(&self, other: &Footprint) -> Option<String> {
        if let Some(why) = self.alone.as_ref().or(other.alone.as_ref()) {
            return Some(format!("runs alone: {why}"));
        }
        // Grants to everyone: only runs that make the very same ones may run side by side.
        let one_sided = |(grant, _): &(&String, &String)| !(self.everyone.contains_key(*grant) && other.everyone.contains_key(*grant));
        if let Some((_, why)) = self.everyone.iter().chain(&other.everyone).find(one_sided) {
            return Some(format!("runs alone: {why} (only a run making the same grants may run beside it)"));
        }
        if let Some(why) = self.shared_with(other) {
            return Some(why);
        }
        for (a, b) in [(self, other), (other, self)] {
            if let Some(who) = a.grants.iter().find(|id| b.acts_as.contains(*id) || b.grants.contains(*id)) {
                return Some(format!("grants to {who} across the cluster, whose answers the other depends on"));
            }
        }
        let writes_any = |f: &Footprint| !f.writes.is_empty() || !f.objects.is_empty();
        for (a, b) in [(self, other), (other, self)] {
            if let (Some(why), true) = (&a.reads_everywhere, writes_any(b)) {
                return Some(format!("looks across all namespaces: {why}"));
            }
        }
        None
    }

    /// Whether the two use a namespace (one writing it) or write a cluster-scoped object in common:
    /// then they also keep their order.
    pub fn shares(&self, other: &Footprint) -> bool {
        self.shared_with(other).is_some()
    }

    fn shared_with(&self, other: &Footprint) -> Option<String> {
        let clash = |a: &Footprint, b: &Footprint| {
            a.writes.iter().find(|ns| b.writes.contains(*ns) || b.reads.contains(*ns)).map(|ns| format!("both use namespace `{ns}`"))
        };
        if let Some(why) = clash(self, other).or_else(|| clash(other, self)) {
            return Some(why);
        }
        self.objects.intersection(&other.objects).next().map(|o| format!("both write cluster-scoped {o}"))
    }
}
