//! "An external automation system that needs to authenticate to the Kubernetes API" (the article's
//! reason for `kubectl create token`), made real: a helper container, managed by testcontainers, on
//! the kind network, outside the cluster, calls the API server with a token the harness requested.

use crate::shared::{cluster_name, Shared};
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{Api, PostParams};
use libtest_mimic::{Failed, Trial};
use sa_conformance::api::{request_token, TokenRequestSpec};
use std::sync::Arc;
use std::time::Duration;
use testcontainers::core::{ExecCommand, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};

const NS: &str = "sa-external";
const SA: &str = "automation";

/// It writes its namespace (and a token of its ServiceAccount) and nothing else.
fn writes(ns: &str) -> Option<sa_conformance::parallel::Footprint> {
    Some(sa_conformance::parallel::Footprint { writes: [ns.to_string()].into(), ..Default::default() })
}

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("token::an_external_system_authenticates_with_a_created_token", writes(NS), move || {
        let target = shared.target()?;
        let result = shared.runtime.block_on(check(&target));
        let cleanup =
            shared.runtime.block_on(sa_conformance::runner::delete_namespaces(&target, &[NS.to_string()], Duration::from_secs(120)));
        result?;
        if cleanup.is_empty() {
            Ok(())
        } else {
            Err(format!("cleanup failed: {cleanup:?}").into())
        }
    })
    .with_ignored_flag(on_existing)
}

fn pem(ders: &[Vec<u8>]) -> String {
    use base64::Engine;
    ders.iter()
        .map(|d| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(d);
            let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
            format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
        })
        .collect()
}

async fn check(target: &sa_conformance::cluster::Target) -> Result<(), Failed> {
    let client = target.client.clone();
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": NS}})).map_err(|e| e.to_string())?;
    Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await.map_err(|e| e.to_string())?;
    let sa: ServiceAccount =
        serde_json::from_value(serde_json::json!({"metadata": {"name": SA, "namespace": NS}})).map_err(|e| e.to_string())?;
    Api::<ServiceAccount>::namespaced(client.clone(), NS).create(&PostParams::default(), &sa).await.map_err(|e| e.to_string())?;
    let spec = TokenRequestSpec {
        namespace: NS.into(),
        serviceaccount: SA.into(),
        duration: Some(Duration::from_secs(600)),
        ..Default::default()
    };
    let token = request_token(&client, &spec).await.map_err(|e| sa_conformance::error::chain(&e))?;

    // The API server as other hosts on the kind network see it.
    let server = format!("https://{}-control-plane:6443", cluster_name());
    // Offline, the curl stand-in has the harness's own name on the host (see cluster::images).
    let specs: Vec<String> = std::env::var("SA_CONFORMANCE_LOAD_IMAGES").unwrap_or_default().split_whitespace().map(String::from).collect();
    let host_image = sa_conformance::cluster::images::host_name_of(&specs, "curlimages/curl:8.10.1");
    let (repo, tag) = host_image.rsplit_once(':').unwrap_or((host_image.as_str(), "latest"));
    let container = GenericImage::new(repo, tag)
        .with_wait_for(WaitFor::Nothing)
        .with_cmd(["sleep", "300"])
        .with_network("kind")
        .with_env_var("TOKEN", token)
        .with_copy_to("/tmp/ca.crt", pem(&target.ca_der).into_bytes())
        .start()
        .await
        .map_err(|e| format!("cannot start the helper container: {e}"))?;
    let script = format!(
        "curl --silent --show-error --cacert /tmp/ca.crt --header \"Authorization: Bearer ${{TOKEN}}\" \
         --header 'Content-Type: application/json' --request POST \
         --data '{{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}}' \
         {server}/apis/authentication.k8s.io/v1/selfsubjectreviews; echo; \
         curl --silent --output /dev/null --write-out '%{{http_code}}' --cacert /tmp/ca.crt \
         --header \"Authorization: Bearer ${{TOKEN}}\" {server}/api/v1/namespaces/{NS}/pods"
    );
    let mut exec = container.exec(ExecCommand::new(["sh", "-c", &script])).await.map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&exec.stdout_to_vec().await.map_err(|e| e.to_string())?).into_owned();
    let stderr = String::from_utf8_lossy(&exec.stderr_to_vec().await.map_err(|e| e.to_string())?).into_owned();
    let who = format!("system:serviceaccount:{NS}:{SA}");
    if !stdout.replace(' ', "").contains(&format!("\"username\":\"{who}\"")) {
        return Err(format!("the external caller was not authenticated as {who}: {stdout} {stderr}").into());
    }
    if !stdout.trim_end().ends_with("403") {
        return Err(format!("listing pods with the unbound token should be 403 from outside too: {stdout}").into());
    }
    Ok(())
}
