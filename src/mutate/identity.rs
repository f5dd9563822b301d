//! Operators on who a pod is and what its token says: a pod left on `default`, a renamed
//! ServiceAccount, automount flipped, a token's duration, audience or expiration changed.

use super::draft::{doc_target, each_document, Draft};
use super::manifests::{self, Site};
use super::operators::Operator;
use crate::duration::{format_duration, parse_duration};
use crate::scenario::{Action, Scenario};
use regex::Regex;
use serde_json::{json, Value};
use std::time::Duration;

/// The audience a mutant asks for instead of the documented one.
pub const MUTANT_AUDIENCE: &str = "sa-conformance-mutant";

/// `serviceAccountName` (and the deprecated `serviceAccount`) dropped from each pod that sets it.
pub fn drop_serviceaccountname(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    each_document(scenario, sites, Operator::DropServiceAccountName, |doc, _| {
        let spec = manifests::pod_spec_mut(doc)?;
        let old = spec.get("serviceAccountName").and_then(Value::as_str).map(String::from)?;
        if let Some(map) = spec.as_object_mut() {
            map.remove("serviceAccountName");
            map.remove("serviceAccount");
        }
        Some(format!("serviceAccountName {old} dropped (runs as default)"))
    })
}

/// Each ServiceAccount created under another name (what refers to it is left as documented).
pub fn rename_serviceaccount(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    let mut out = Vec::new();
    for site in sites {
        let step = &scenario.steps[site.step];
        for (i, doc) in site.docs.iter().enumerate().filter(|(_, d)| manifests::kind(d) == "ServiceAccount") {
            let old = manifests::name(doc).to_string();
            let new = format!("{old}-renamed");
            let mut docs = site.docs.clone();
            docs[i]["metadata"]["name"] = json!(new);
            let target = doc_target(doc, step);
            let description = format!("{target} in {} created as {new}", site.origin);
            out.push(Draft::new(
                Operator::RenameServiceAccount,
                target,
                description,
                manifests::render(&docs[i..=i]),
                Draft::site_steps(scenario, site, &docs),
            ));
        }
    }
    out
}

/// `automountServiceAccountToken` flipped on each ServiceAccount (`pods == false`) or each pod spec.
pub fn automount(scenario: &Scenario, sites: &[Site], pods: bool) -> Vec<Draft> {
    let op = if pods { Operator::AutomountPod } else { Operator::AutomountServiceAccount };
    each_document(scenario, sites, op, |doc, step| {
        let namespace = manifests::namespace(doc, step);
        let holder = if pods { manifests::pod_spec_mut(doc) } else { (manifests::kind(doc) == "ServiceAccount").then_some(doc) };
        let holder = holder?;
        let old = holder.get("automountServiceAccountToken").and_then(Value::as_bool);
        // Unset on a pod means "as its ServiceAccount says": flip what the pod actually gets.
        let inherited = if pods { serviceaccount_automount(scenario, sites, holder, &namespace) } else { None };
        let new = !old.or(inherited).unwrap_or(true);
        holder["automountServiceAccountToken"] = json!(new);
        let was = match (old, inherited) {
            (Some(b), _) => b.to_string(),
            (None, Some(b)) => format!("unset ({b} from its ServiceAccount)"),
            (None, None) => "unset (true)".into(),
        };
        Some(format!("automountServiceAccountToken {was} -> {new}"))
    })
}

/// The `automountServiceAccountToken` of the ServiceAccount a pod spec runs as, if the scenario sets it.
fn serviceaccount_automount(scenario: &Scenario, sites: &[Site], spec: &Value, ns: &str) -> Option<bool> {
    let sa = spec.get("serviceAccountName").and_then(Value::as_str).unwrap_or("default");
    sites
        .iter()
        .flat_map(|s| s.docs.iter().map(move |d| (s, d)))
        .find(|(s, d)| {
            manifests::kind(d) == "ServiceAccount" && manifests::name(d) == sa && manifests::namespace(d, &scenario.steps[s.step]) == ns
        })
        .and_then(|(_, d)| d.get("automountServiceAccountToken").and_then(Value::as_bool))
}

/// A different duration: twice as long (half, from a day on, to stay within what clusters allow).
fn other_duration(d: Duration) -> Duration {
    if d >= Duration::from_secs(86_400) {
        d / 2
    } else {
        d * 2
    }
}

/// `--flag=VALUE` or `--flag VALUE` in a command line, value replaced by `f(value)`.
fn replace_flag(text: &str, flag: &str, f: impl Fn(&str) -> Option<String>) -> Option<(String, String, String)> {
    let re = Regex::new(&format!(r"--{flag}(=|\s+)(\S+)")).ok()?;
    let caps = re.captures(text)?;
    let old = caps.get(2)?.as_str().trim_matches(['"', '\'']).to_string();
    let new = f(&old)?;
    let whole = caps.get(0)?;
    let replaced = format!("{}--{flag}{}{new}{}", &text[..whole.start()], &caps[1], &text[whole.end()..]);
    Some((replaced, old, new))
}

/// The `duration:` of a `token` step, or `--duration` in its or a `kubectl` step's `command:`, set to
/// `new` in the step's YAML.
fn patch_duration(node: &mut crate::yaml::Node, old: &str, new: &str) {
    use crate::yaml::Value;
    for path in [&["token", "command"][..], &["kubectl", "command"], &["kubectl"]] {
        if let Some(Value::Scalar { text, .. }) = node.path_mut(path).map(|n| &mut n.value) {
            if let Some((replaced, _, _)) = replace_flag(text, "duration", |_| Some(new.to_string())) {
                *text = replaced;
                return;
            }
        }
    }
    if let Some(Value::Scalar { text, plain, .. }) = node.path_mut(&["token", "duration"]).map(|n| &mut n.value) {
        if parse_duration(text).ok() == parse_duration(old).ok() {
            *text = new.to_string();
            *plain = true;
        }
    }
}

/// The token steps' and documented commands' requested durations changed.
pub fn token_duration(scenario: &Scenario) -> Vec<Draft> {
    let mut out = Vec::new();
    let flag = |old: &str| parse_duration(old).ok().map(|d| format_duration(other_duration(d)));
    for (p, step) in scenario.steps.iter().enumerate() {
        let mut s = step.clone();
        let change = match &mut s.action {
            Action::Token(t) => match (t.duration, t.command.as_deref().and_then(|c| replace_flag(c, "duration", flag))) {
                (_, Some((cmd, old, new))) => {
                    t.command = Some(cmd);
                    t.duration = parse_duration(&new).ok();
                    Some((old, new))
                }
                (Some(d), None) => {
                    t.duration = Some(other_duration(d));
                    Some((format_duration(d), format_duration(other_duration(d))))
                }
                (None, None) => None,
            },
            Action::Kubectl(k) => match replace_flag(&k.args.join(" "), "duration", flag) {
                Some((_, old, new)) => {
                    for a in k.args.iter_mut() {
                        if *a == format!("--duration={old}") {
                            *a = format!("--duration={new}");
                        } else if *a == old {
                            *a = new.clone();
                        }
                    }
                    k.display = format!("{} (mutated: --duration={new})", k.display);
                    Some((old, new))
                }
                None => None,
            },
            _ => None,
        };
        if let (Some((old, new)), Some(d)) = (&change, s.deferred.as_mut()) {
            // A step that uses captured values is built again from its YAML when they exist: the
            // same change goes into that YAML, or it would be lost.
            patch_duration(&mut d.node, old, new);
        }
        if let Some((old, new)) = change {
            let target = format!("step{}", step.index);
            let description = format!("step {} `{}`: duration {old} -> {new}", step.index, step.name);
            let mut steps = scenario.steps.clone();
            steps[p] = s;
            out.push(Draft::new(Operator::TokenDuration, target, description, format!("duration: {new}"), steps));
        }
    }
    out
}

/// Replaces every `audience`/`audiences` value under `v`; true if one was found.
fn replace_audiences(v: &mut Value) -> bool {
    let mut found = false;
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "audience" && child.is_string() {
                    *child = json!(MUTANT_AUDIENCE);
                    found = true;
                } else if k == "audiences" && child.is_array() {
                    *child = json!([MUTANT_AUDIENCE]);
                    found = true;
                } else {
                    found |= replace_audiences(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| found |= replace_audiences(c)),
        _ => {}
    }
    found
}

/// Each requested audience (token step, `--audience`, a projected or TokenRequest audience) changed.
pub fn token_audience(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    let mut out = Vec::new();
    let to_mutant = |_: &str| Some(MUTANT_AUDIENCE.to_string());
    for (p, step) in scenario.steps.iter().enumerate() {
        let mut s = step.clone();
        let change = match &mut s.action {
            Action::Token(t) => {
                let cmd = t.command.as_deref().and_then(|c| replace_flag(c, "audience", to_mutant));
                let old = cmd.as_ref().map(|(_, o, _)| o.clone()).or_else(|| (!t.audiences.is_empty()).then(|| t.audiences.join(",")));
                if let Some((c, _, _)) = cmd {
                    t.command = Some(c);
                }
                if old.is_some() {
                    t.audiences = vec![MUTANT_AUDIENCE.into()];
                }
                old
            }
            Action::Kubectl(k) => {
                let at = k.args.iter().position(|a| a.starts_with("--audience"));
                at.map(|i| {
                    let old = k.args[i].clone();
                    match old.split_once('=') {
                        Some(_) => k.args[i] = format!("--audience={MUTANT_AUDIENCE}"),
                        None => {
                            if let Some(v) = k.args.get_mut(i + 1) {
                                *v = MUTANT_AUDIENCE.into();
                            }
                        }
                    }
                    k.display = format!("{} (mutated: --audience={MUTANT_AUDIENCE})", k.display);
                    old
                })
            }
            _ => None,
        };
        if let Some(old) = change {
            let mut steps = scenario.steps.clone();
            steps[p] = s;
            let description = format!("step {} `{}`: audience {old} -> {MUTANT_AUDIENCE}", step.index, step.name);
            out.push(Draft::new(
                Operator::TokenAudience,
                format!("step{}", step.index),
                description,
                format!("audience: {MUTANT_AUDIENCE}"),
                steps,
            ));
        }
    }
    out.extend(each_document(scenario, sites, Operator::TokenAudience, |doc, _| {
        replace_audiences(doc).then(|| format!("audience -> {MUTANT_AUDIENCE}"))
    }));
    out
}

/// Doubles every `expirationSeconds` under `v`; the old values.
fn double_expirations(v: &mut Value, old: &mut Vec<u64>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match (k.as_str(), child.as_u64()) {
                    ("expirationSeconds", Some(n)) => {
                        old.push(n);
                        *child = json!(n * 2);
                    }
                    _ => double_expirations(child, old),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| double_expirations(c, old)),
        _ => {}
    }
}

/// Each manifest's projected-token or TokenRequest `expirationSeconds` doubled.
pub fn token_expiration(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    each_document(scenario, sites, Operator::TokenExpiration, |doc, _| {
        let mut old = Vec::new();
        double_expirations(doc, &mut old);
        (!old.is_empty()).then(|| format!("expirationSeconds {old:?} doubled"))
    })
}
