//! The wrong-context guard, inside scenarios: a documented `kubectl` command runs against the run's
//! cluster only. kubectl lets the last `--context`/`--kubeconfig`/`--server` win, so a scenario word
//! could point the process at a cluster the guard never vetted; such words are refused at load time,
//! as are kubectl plugins (a plugin is any executable on the host's PATH) and kubeconfig edits.

/// Flags that choose the cluster or the credentials. `--as`, `--as-group` and `--as-uid` stay allowed:
/// impersonation asks the vetted cluster about another identity, as the article's can-i does.
const RETARGETING: &[&str] = &[
    "--kubeconfig",
    "--context",
    "--cluster",
    "--server",
    "-s",
    "--user",
    "--token",
    "--username",
    "--password",
    "--client-certificate",
    "--client-key",
    "--certificate-authority",
    "--tls-server-name",
];

/// kubectl's built-in commands; any other first word would run a plugin (`kubectl-NAME`) from PATH.
const BUILTIN: &[&str] = &[
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "cordon",
    "cp",
    "create",
    "debug",
    "delete",
    "describe",
    "diff",
    "drain",
    "edit",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "help",
    "kustomize",
    "label",
    "logs",
    "patch",
    "port-forward",
    "proxy",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
];

/// `kubectl config` subcommands that only read (the harness's own kubeconfig is never edited).
const CONFIG_READS: &[&str] = &["view", "current-context", "get-contexts", "get-clusters", "get-users"];

/// Checks the words after `kubectl`; the error says which word and why.
pub fn check_kubectl_args(args: &[String]) -> Result<(), String> {
    // After `--` the words belong to the command run in the pod (`kubectl exec ... -- sh -c ...`).
    let args: Vec<&String> = args.iter().take_while(|w| *w != "--").collect();
    let names_subjects = names_rbac_subjects(&args);
    for word in &args {
        let flag = word.split_once('=').map_or(word.as_str(), |(f, _)| f);
        if flag == "--user" && names_subjects {
            continue;
        }
        if RETARGETING.contains(&flag) || (word.starts_with("-s") && word.len() > 2 && !word.starts_with("--")) {
            return Err(format!(
                "`{word}` would point kubectl at another cluster or identity than the run's; the harness passes its own \
                 --kubeconfig and --context (use `--as` to ask as another identity)"
            ));
        }
    }
    let Some(command) = command_word(&args) else { return Ok(()) };
    if !BUILTIN.contains(&command.as_str()) {
        return Err(format!("`kubectl {command}` is not a built-in kubectl command; kubectl plugins run programs from the host's PATH and are not allowed in scenarios"));
    }
    if command == "config" {
        let sub = args.iter().skip_while(|w| w.as_str() != "config").nth(1).map(|w| w.as_str()).unwrap_or("");
        if !CONFIG_READS.contains(&sub) {
            return Err(format!(
                "`kubectl config {sub}` would edit a kubeconfig; scenarios may only read it ({})",
                CONFIG_READS.join(", ")
            ));
        }
    }
    Ok(())
}

/// `kubectl create rolebinding|clusterrolebinding` and `kubectl set subject` take `--user` as the
/// binding's subject (a User in RBAC), not as the kubeconfig user to connect as.
fn names_rbac_subjects(args: &[&String]) -> bool {
    let words: Vec<&str> = args.iter().filter(|w| !w.starts_with('-')).map(|w| w.as_str()).collect();
    words.windows(2).any(|w| matches!(w, ["create", "rolebinding" | "clusterrolebinding"] | ["set", "subject"]))
}

/// Global flags that take their value as the next word (`-n dev get pods`).
const VALUED_GLOBALS: &[&str] = &[
    "-n",
    "--namespace",
    "--as",
    "--as-group",
    "--as-uid",
    "--request-timeout",
    "-v",
    "--v",
    "--cache-dir",
    "--log-file",
    "--vmodule",
    "--profile",
    "--profile-output",
];

/// The subcommand: the first word that is neither a flag nor a global flag's value.
fn command_word<'a>(args: &[&'a String]) -> Option<&'a String> {
    let mut skip_value = false;
    for word in args {
        if skip_value {
            skip_value = false;
        } else if word.starts_with('-') {
            skip_value = !word.contains('=') && VALUED_GLOBALS.contains(&word.as_str());
        } else {
            return Some(word);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::check_kubectl_args;
    use rstest::rstest;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[rstest]
    #[case("--kubeconfig=/tmp/other --context=prod-cluster create namespace written-elsewhere", "`--kubeconfig=/tmp/other`")]
    #[case("get pods --context prod", "`--context`")]
    #[case("get pods -s https://10.0.0.1:6443", "`-s`")]
    #[case("get pods -shttps://10.0.0.1:6443", "`-shttps://10.0.0.1:6443`")]
    #[case("get pods --server=https://x", "`--server=https://x`")]
    #[case("get pods --token=abc", "`--token=abc`")]
    #[case("get pods --user admin", "`--user`")]
    #[case("create namespace x --user=admin", "`--user=admin`")]
    #[case("--cluster=other get pods", "`--cluster=other`")]
    #[case("evil-plugin do-things", "not a built-in kubectl command")]
    #[case("config use-context prod", "would edit a kubeconfig")]
    #[case("config set-cluster x --server=https://y", "`--server=https://y`")]
    fn refuses_what_would_leave_the_vetted_cluster(#[case] args: &str, #[case] fragment: &str) {
        let err = check_kubectl_args(&words(args)).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[rstest]
    #[case("auth can-i list pods --as=system:serviceaccount:dev:pod-inspector -n dev")]
    #[case("auth whoami --as=bob -o json")]
    #[case("get serviceaccounts --all-namespaces")]
    #[case("create token pod-inspector -n dev --duration=10m")]
    #[case("-n dev get pods -o yaml")]
    #[case("config view --minify")]
    #[case("create clusterrolebinding bob-view --clusterrole=view --user=bob")]
    #[case("create rolebinding r --role=pod-reader --user bob -n dev")]
    #[case("set subject rolebinding r --user=alice -n dev")]
    #[case("exec alpine-curl -n dev -- sh -c 'echo --context'")]
    fn allows_the_articles_commands(#[case] args: &str) {
        assert_eq!(check_kubectl_args(&words(args)), Ok(()));
    }
}
