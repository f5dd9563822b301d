//! What a step touches on the cluster, as each step kind reports it (`StepKind::footprint`), so
//! `crate::parallel` can tell which scenarios may run at the same time without a list of step kinds,
//! and what it may do to RBAC ([`rbac`]), so the runner knows when to prove the authorizer fresh.
//! The type and the ways a kind adds to it (a namespace read or written, an object, a manifest, a
//! kubectl command line) live here, below the step kinds; what conflicts with what is `parallel`'s.
//! The analysis errs on the side of "conflict": a wrong "no conflict" would let two scenarios break
//! each other, a wrong "conflict" only costs time.

pub mod rbac;

use crate::api::ObjectRef;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// What one scenario reads and writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Footprint {
    /// Namespaces it creates, changes or deletes (its own `namespaces:` and every namespace it writes in).
    pub writes: BTreeSet<String>,
    /// Namespaces it only looks at.
    pub reads: BTreeSet<String>,
    /// Cluster-scoped objects it writes, as `Kind/name` (also objects written without a namespace).
    pub objects: BTreeSet<String>,
    /// A look across every namespace (`-A`, a list without a namespace): any write elsewhere may change it.
    pub reads_everywhere: Option<String>,
    /// Why it must run alone, if it must.
    pub alone: Option<String>,
    /// What it grants to a `system:` user or group across the cluster (`ClusterRole cluster-admin to
    /// Group system:serviceaccounts`), each with where: that changes every run's answers, so it runs
    /// only beside runs that make exactly the same grants (to them, the other's grants change
    /// nothing their own do not), and alone otherwise.
    pub everyone: std::collections::BTreeMap<String, String>,
    /// Users and groups (`User bob`, `Group dev-team`; never a `system:` name) a ClusterRoleBinding
    /// it writes grants to across the cluster: that changes the answers of whoever acts as them.
    pub grants: BTreeSet<String>,
    /// Users and groups other than ServiceAccounts it acts as or asks about (`--as`, `--as-group`,
    /// a client certificate, a can-i or an access review): a grant to them elsewhere changes its answers.
    pub acts_as: BTreeSet<String>,
    /// Every object it writes, one by one, as far as the step says (`check` derives from these what a
    /// participant's lab must hold); a change whose objects cannot be read is [`Written::unknown`].
    pub written: Vec<Written>,
}

/// One object a step writes (or deletes), as read from its manifest or command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub kind: String,
    /// None for a cluster-scoped object (and for a namespace).
    pub namespace: Option<String>,
    /// `*` when the step does not say (a change that names only its namespace).
    pub name: String,
    /// The manifest document it applies, when it has one (variables substituted, namespace mapped).
    pub doc: Option<Value>,
    /// It deletes the object instead of writing it.
    pub deleted: bool,
}

impl Written {
    /// A change in `namespace` whose objects cannot be read from the step (any kind, any name).
    pub fn unknown(namespace: Option<&str>) -> Written {
        Written { kind: "*".into(), namespace: namespace.map(str::to_string), name: "*".into(), doc: None, deleted: false }
    }

    /// Whether this write may change what `read` looks at. Errs on the side of "yes": a namespace's
    /// creation or deletion reaches everything in it, and a cluster-scoped write (a ClusterRole, a
    /// ClusterRoleBinding) reaches every look whose kind is not known (an answer of the authorizer).
    pub fn touches(&self, read: &Read) -> bool {
        if self.kind == "Namespace" {
            let named = |n: Option<&String>| self.name == "*" || n.is_none_or(|n| *n == self.name);
            return named(read.namespace.as_ref()) || read.kind.as_deref() == Some("Namespace") && named(read.name.as_ref());
        }
        let place = read.namespace.is_none() || self.namespace.is_none() && read.kind.is_none() || self.namespace == read.namespace;
        let kind = self.kind == "*" || read.kind.as_ref().is_none_or(|k| *k == self.kind);
        let name = self.name == "*" || read.name.as_ref().is_none_or(|n| *n == self.name);
        place && kind && name
    }
}

/// What a look depends on: objects of `kind` (any, when None) named `name` (any, when None) in
/// `namespace` (cluster-scoped or every namespace, when None).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Read {
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Read {
    /// Anything in a namespace.
    pub fn namespace(ns: &str) -> Read {
        Read { kind: None, namespace: Some(ns.to_string()), name: None }
    }

    /// One object, or every object of a kind when `name` is None.
    pub fn object(kind: &str, namespace: Option<&str>, name: Option<&str>) -> Read {
        Read { kind: Some(kind.to_string()), namespace: namespace.map(str::to_string), name: name.map(str::to_string) }
    }
}

/// `NS` of the group `system:serviceaccounts:NS` (every service account of namespace NS).
fn service_accounts_of(group: Option<&str>) -> Option<&str> {
    group?.strip_prefix("system:serviceaccounts:").filter(|ns| !ns.is_empty() && !ns.contains(':'))
}

/// kubectl verbs that do not change the cluster, besides those the model counts as looks.
const KUBECTL_READS: &[&str] = &[
    "get",
    "describe",
    "explain",
    "logs",
    "top",
    "version",
    "api-resources",
    "api-versions",
    "cluster-info",
    "diff",
    "events",
    "wait",
    "auth",
    "config",
    "options",
    "completion",
    "plugin",
];
/// Kinds that are questions to the API server, not objects: creating them stores nothing.
const REVIEWS: &[&str] = &[
    "SubjectAccessReview",
    "SelfSubjectAccessReview",
    "LocalSubjectAccessReview",
    "SelfSubjectRulesReview",
    "SelfSubjectReview",
    "TokenReview",
    "TokenRequest",
];

impl Footprint {
    pub(crate) fn read(&mut self, ns: &str) {
        self.reads.insert(ns.to_string());
    }

    pub(crate) fn write(&mut self, ns: &str) {
        self.writes.insert(ns.to_string());
    }

    pub(crate) fn everywhere(&mut self, why: String) {
        self.reads_everywhere.get_or_insert(why);
    }

    pub(crate) fn run_alone(&mut self, why: String) {
        self.alone.get_or_insert(why);
    }

    /// `system:serviceaccount:NS:NAME` is an identity of namespace NS: what binds it lives there.
    /// Any other user is one a grant elsewhere may reach.
    pub(crate) fn read_identity(&mut self, user: &str) {
        match user.strip_prefix("system:serviceaccount:").and_then(|r| r.split(':').next()) {
            Some(ns) => self.read(ns),
            None => {
                self.acts_as.insert(format!("User {user}"));
            }
        }
    }

    /// Acting in a group (`--as-group`, a certificate's O=): a grant to that group reaches it.
    pub(crate) fn read_group(&mut self, group: &str) {
        self.acts_as.insert(format!("Group {group}"));
    }

    pub(crate) fn write_ref(&mut self, r: &ObjectRef) {
        self.written.push(Written {
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone().unwrap_or_else(|| "*".into()),
            doc: None,
            deleted: false,
        });
        match (&r.namespace, r.kind.as_str()) {
            (Some(ns), _) => self.write(ns),
            (None, "Namespace") => self.write(r.name.as_deref().unwrap_or("*")),
            (None, kind) => {
                self.objects.insert(format!("{kind}/{}", r.name.as_deref().unwrap_or("*")));
            }
        }
    }

    pub(crate) fn read_ref(&mut self, r: &ObjectRef, at: &str) {
        match &r.namespace {
            Some(ns) => self.read(ns),
            None if r.list => self.everywhere(format!("{at} lists every {}", r.kind)),
            None => {}
        }
    }

    pub(crate) fn write_manifest_text(&mut self, text: &str, default_ns: Option<&str>, at: &str) {
        let docs = match crate::api::parse_manifest(text) {
            Ok(d) => d,
            Err(e) => return self.run_alone(format!("{at}: cannot read what it writes: {e}")),
        };
        for doc in docs {
            self.write_object(&doc, default_ns, at);
        }
    }

    /// One object a scenario writes; bindings also reach the namespaces of their subjects.
    pub(crate) fn write_object(&mut self, doc: &Value, default_ns: Option<&str>, at: &str) {
        let kind = doc["kind"].as_str().unwrap_or_default();
        let name = doc["metadata"]["name"].as_str().unwrap_or("*");
        if REVIEWS.contains(&kind) {
            // A question asked for someone: whose answers a grant to them would change.
            if let Some(user) = doc["spec"]["user"].as_str() {
                self.read_identity(user);
            }
            doc["spec"]["groups"].as_array().into_iter().flatten().filter_map(Value::as_str).for_each(|g| self.read_group(g));
            return;
        }
        let namespace = if kind == "Namespace" { None } else { doc["metadata"]["namespace"].as_str().or(default_ns) };
        self.written.push(Written {
            kind: kind.into(),
            namespace: namespace.map(str::to_string),
            name: name.into(),
            doc: Some(doc.clone()),
            deleted: false,
        });
        match (doc["metadata"]["namespace"].as_str().or(default_ns), kind) {
            (_, "Namespace") => self.write(name),
            (Some(ns), _) => self.write(ns),
            (None, _) => {
                self.objects.insert(format!("{kind}/{name}"));
            }
        }
        if kind == "ClusterRole" && (doc.get("aggregationRule").is_some() || aggregates(doc)) {
            self.run_alone(format!("{at}: ClusterRole {name} is aggregated into other roles"));
        }
        if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
            for subject in doc["subjects"].as_array().into_iter().flatten() {
                let one_namespace = service_accounts_of(subject["name"].as_str()).filter(|_| subject["kind"] == "Group");
                match (subject["kind"].as_str(), subject["namespace"].as_str()) {
                    (Some("ServiceAccount"), Some(ns)) => self.write(ns),
                    (Some("ServiceAccount"), None) => {}
                    // The service accounts of one namespace: what a grant to them changes is the answers
                    // of that namespace's identities (they are read there) and of whoever acts in the
                    // group by name (`--as-group`), so it conflicts with those, not with every run.
                    (Some("Group"), _) if kind == "ClusterRoleBinding" && one_namespace.is_some() => {
                        let ns = one_namespace.unwrap_or_default();
                        self.write(ns);
                        self.grants.insert(format!("Group system:serviceaccounts:{ns}"));
                    }
                    // A named user or group reaches only who acts as them (see `acts_as`) ...
                    (Some(k @ ("User" | "Group")), _)
                        if kind == "ClusterRoleBinding" && subject["name"].as_str().is_some_and(|n| !n.starts_with("system:")) =>
                    {
                        self.grants.insert(format!("{k} {}", subject["name"].as_str().unwrap_or_default()));
                    }
                    // ... but a `system:` group or user can be anyone, in any scenario: nothing else may run.
                    (k, _) if kind == "ClusterRoleBinding" => {
                        let who = format!("{} {}", k.unwrap_or("a subject"), subject["name"].as_str().unwrap_or("?"));
                        let grant = format!(
                            "{} {} to {who}",
                            doc["roleRef"]["kind"].as_str().unwrap_or("?"),
                            doc["roleRef"]["name"].as_str().unwrap_or("?")
                        );
                        self.everyone
                            .entry(grant)
                            .or_insert_with(|| format!("{at}: ClusterRoleBinding {name} grants to {who} across the cluster"));
                    }
                    _ => {}
                }
            }
        }
    }

    /// A kubectl command: reads or writes by verb, in `-n` (or a namespace it creates), or the
    /// objects of its `-f` files. A change whose place cannot be read makes the scenario run alone.
    /// `compared`: whether what the command prints is compared in a way other runs' rows can change
    /// (`Err` says how; see `TextExpect::unaffected_by_other_rows`): only then does a listing across
    /// all namespaces keep the step apart from every writer.
    pub(crate) fn kubectl(&mut self, args: &[String], stdin: Option<&str>, dir: &Path, at: &str, compared: Result<(), String>) {
        let cmd = Words::read(args);
        let reads = cmd.positional.first().is_some_and(|v| KUBECTL_READS.contains(&v.as_str()));
        if let Some(user) = &cmd.as_user {
            self.read_identity(user);
        }
        cmd.as_groups.iter().for_each(|g| self.read_group(g));
        if let (true, Err(how)) = (cmd.all_namespaces, compared) {
            self.everywhere(format!("{at} runs kubectl with --all-namespaces and {how}"));
        }
        if reads {
            if let Some(ns) = &cmd.namespace {
                self.read(ns);
            }
            return;
        }
        let verb_type: Vec<&str> = cmd.positional.iter().take(3).map(String::as_str).collect();
        let deletes = verb_type.first() == Some(&"delete");
        let namespace_named = match verb_type.as_slice() {
            [_, "namespace" | "namespaces" | "ns", name, ..] => Some(name.to_string()),
            [_, t, ..] if t.starts_with("namespace/") || t.starts_with("ns/") => t.split_once('/').map(|(_, n)| n.to_string()),
            _ => None,
        };
        if let Some(name) = namespace_named {
            let doc = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
            let doc = (verb_type.first() == Some(&"create")).then_some(doc);
            self.written.push(Written { kind: "Namespace".into(), namespace: None, name: name.clone(), doc, deleted: deletes });
            return self.write(&name);
        }
        if !cmd.files.is_empty() {
            let before = self.written.len();
            for file in &cmd.files {
                let text =
                    if file == "-" { stdin.map(str::to_string).ok_or_else(|| "no stdin".to_string()) } else { read_tree(&dir.join(file)) };
                match text {
                    Ok(t) => self.write_manifest_text(&t, cmd.namespace.as_deref(), &format!("{at} (-f {file})")),
                    Err(e) => self.run_alone(format!("{at}: cannot read -f {file}: {e}")),
                }
            }
            // Only `apply` and `create` leave the manifest's content behind.
            let keeps = matches!(verb_type.first(), Some(&"apply") | Some(&"create") | Some(&"replace"));
            for w in &mut self.written[before..] {
                w.deleted = deletes;
                if !keeps {
                    w.doc = None;
                }
            }
            return;
        }
        match (&cmd.namespace, verb_type.as_slice()) {
            // A command in a container stores no API object (it may change the pod's files).
            (Some(ns), ["exec" | "attach" | "cp" | "port-forward", ..]) => self.write(ns),
            // `kubectl delete pod NAME -n NS`: one object, by its resource name.
            (Some(ns), [_, resource, name, ..]) if deletes && kind_of_resource(resource).is_some() => {
                let kind = kind_of_resource(resource).unwrap_or_default().to_string();
                self.written.push(Written { kind, namespace: Some(ns.clone()), name: name.to_string(), doc: None, deleted: true });
                self.write(ns)
            }
            (Some(ns), _) => {
                self.written.push(Written::unknown(Some(ns)));
                self.write(ns)
            }
            (None, _) => {
                self.written.push(Written::unknown(None));
                self.run_alone(format!("{at}: `kubectl {}` changes the cluster without naming a namespace", args.join(" ")))
            }
        }
    }

    /// What a kubectl look (`get TYPE [NAME]`, `describe TYPE NAME`) reads: its objects when the
    /// resource type is one the harness knows, else everything in its namespace; None for a command
    /// that is not a `get` or `describe`.
    pub fn kubectl_reads(args: &[String]) -> Option<Read> {
        let cmd = Words::read(args);
        let [verb, resource, rest @ ..] = cmd.positional.as_slice() else { return None };
        if verb != "get" && verb != "describe" || cmd.as_user.is_some() {
            return None;
        }
        let (resource, name) = match resource.split_once('/') {
            Some((r, n)) => (r, Some(n.to_string())),
            None => (resource.as_str(), rest.first().cloned()),
        };
        let kind = kind_of_resource(resource)?;
        let namespace = if kind == "Namespace" || cmd.all_namespaces { None } else { cmd.namespace.clone() };
        Some(Read { kind: Some(kind.to_string()), namespace, name })
    }
}

/// The kind a kubectl resource word names (`pods`, `po`, `rolebinding`, ...), for the kinds the
/// article uses; None for any other.
pub fn kind_of_resource(word: &str) -> Option<&'static str> {
    let word = word.split('.').next().unwrap_or(word).to_ascii_lowercase();
    Some(match word.as_str() {
        "pod" | "pods" | "po" => "Pod",
        "serviceaccount" | "serviceaccounts" | "sa" => "ServiceAccount",
        "secret" | "secrets" => "Secret",
        "configmap" | "configmaps" | "cm" => "ConfigMap",
        "role" | "roles" => "Role",
        "rolebinding" | "rolebindings" => "RoleBinding",
        "clusterrole" | "clusterroles" => "ClusterRole",
        "clusterrolebinding" | "clusterrolebindings" => "ClusterRoleBinding",
        "namespace" | "namespaces" | "ns" => "Namespace",
        "deployment" | "deployments" | "deploy" => "Deployment",
        _ => return None,
    })
}

fn aggregates(doc: &Value) -> bool {
    doc["metadata"]["labels"].as_object().is_some_and(|l| l.keys().any(|k| k.starts_with("rbac.authorization.k8s.io/aggregate-to-")))
}

/// A manifest file, or every .yaml/.yml/.json file of a directory (as `kubectl -f DIR` reads it).
pub(crate) fn read_tree(path: &Path) -> Result<String, String> {
    if !path.is_dir() {
        return std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json"))
        .collect();
    files.sort();
    let texts: Result<Vec<String>, String> = files.iter().map(|p| read_tree(p)).collect();
    Ok(texts?.join("\n---\n"))
}

/// The parts of a kubectl command line that say where it acts.
#[derive(Debug, Default)]
struct Words {
    positional: Vec<String>,
    namespace: Option<String>,
    files: Vec<String>,
    as_user: Option<String>,
    as_groups: Vec<String>,
    all_namespaces: bool,
}

impl Words {
    fn read(args: &[String]) -> Words {
        let mut w = Words::default();
        let mut it = args.iter().map(String::as_str).peekable();
        // The words after `kubectl` (a leading `kubectl` is tolerated).
        if it.peek() == Some(&"kubectl") {
            it.next();
        }
        while let Some(word) = it.next() {
            if word == "--" {
                break;
            }
            let (flag, inline) = match word.split_once('=') {
                Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
                _ => (word, None),
            };
            let takes_value = matches!(flag, "-n" | "--namespace" | "-f" | "--filename" | "--as" | "--as-group");
            let value = match (&inline, takes_value) {
                (Some(v), _) => Some(v.clone()),
                (None, true) => it.next().map(str::to_string),
                (None, false) => None,
            };
            match flag {
                "-n" | "--namespace" => w.namespace = value,
                "-f" | "--filename" => w.files.extend(value),
                "--as" => w.as_user = value,
                "--as-group" => w.as_groups.extend(value),
                "-A" | "--all-namespaces" => w.all_namespaces = inline.as_deref() != Some("false"),
                "-l" | "--selector" | "-o" | "--output" | "-c" | "--container" | "--field-selector" | "--for" | "--timeout" | "--type"
                | "--duration" | "--audience" | "--image" | "--serviceaccount" | "--role" | "--clusterrole" | "--verb" | "--resource"
                | "--subresource" | "--from-literal" | "--user" | "--group" => {
                    if inline.is_none() {
                        it.next();
                    }
                }
                f if f.starts_with("-n") && f.len() > 2 && !f.starts_with("--") => w.namespace = Some(f[2..].to_string()),
                f if f.starts_with('-') => {}
                _ => w.positional.push(word.to_string()),
            }
        }
        w
    }
}
