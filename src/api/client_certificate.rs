//! A human user's credential made the way a cluster admin makes one: a key and a certificate request
//! (CN = user, O = groups), a CertificateSigningRequest for the `kubernetes.io/kube-apiserver-client`
//! signer, approved through its `approval` subresource as `kubectl certificate approve` does, and the
//! certificate the signer writes into its status. The CSR object is deleted once the certificate is
//! had (and is listed in the scenario's `cleanup:` in case the run is cut short).

use super::certificate_request;
use super::watch::{follow, Followed};
use super::ApiError;
use k8s_openapi::api::certificates::v1::{CertificateSigningRequest, CertificateSigningRequestSpec};
use k8s_openapi::ByteString;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// The signer whose certificates kube-apiserver accepts as client certificates.
pub const SIGNER: &str = "kubernetes.io/kube-apiserver-client";

/// Who the certificate is for, and the name of the CSR object that asks for it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// The CertificateSigningRequest's name (cluster-scoped; list it in the scenario's `cleanup:`).
    pub csr: String,
    /// The certificate's CN: the user name the API server will see.
    pub user: String,
    /// One O= each: the groups the API server will see (besides `system:authenticated`).
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A certificate and its key, PEM. The key is registered with the redactor when it is made.
pub struct ClientCertificate {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Makes a key, asks for a certificate for it through the CSR API, approves the request, waits up to
/// `timeout` for the signer, deletes the CSR object and returns the certificate with its key.
pub async fn issue(client: &kube::Client, subject: &Subject, timeout: Duration) -> Result<ClientCertificate, ApiError> {
    let name = &subject.csr;
    let request = certificate_request::new(&subject.user, &subject.groups)
        .map_err(|m| ApiError::other(format!("making a key and certificate request for {}", subject.user), m))?;
    crate::secrets::register_secret(&request.key_pem);
    for line in request.key_pem.lines().filter(|l| !l.starts_with("-----")) {
        crate::secrets::register_secret(line);
    }
    let csrs: Api<CertificateSigningRequest> = Api::all(client.clone());
    // A leftover of a run that was cut short carries another key: start from nothing.
    delete(&csrs, name).await?;
    let object = CertificateSigningRequest {
        metadata: kube::api::ObjectMeta { name: Some(name.clone()), ..Default::default() },
        spec: CertificateSigningRequestSpec {
            request: ByteString(request.csr_pem.into_bytes()),
            signer_name: SIGNER.into(),
            usages: Some(vec!["client auth".into()]),
            expiration_seconds: Some(600),
            ..Default::default()
        },
        status: None,
    };
    csrs.create(&PostParams::default(), &object).await.map_err(ApiError::kube(format!("create certificatesigningrequest {name}")))?;
    let approval = serde_json::json!({"status": {"conditions": [{
        "type": "Approved", "status": "True", "reason": "SaConformanceApprove",
        "message": "approved by sa-conformance, as kubectl certificate approve does",
    }]}});
    csrs.patch_approval(name, &PatchParams::default(), &Patch::Merge(&approval))
        .await
        .map_err(ApiError::kube(format!("approve certificatesigningrequest {name}")))?;
    let issued = wait_for_certificate(client, name, timeout).await;
    delete(&csrs, name).await?;
    Ok(ClientCertificate { cert_pem: issued?, key_pem: request.key_pem })
}

/// The PEM certificate the signer wrote into `status.certificate`, by watch.
async fn wait_for_certificate(client: &kube::Client, name: &str, timeout: Duration) -> Result<String, ApiError> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &ApiResource::erase::<CertificateSigningRequest>(&()));
    let followed = follow(&api, name, Instant::now() + timeout, |obj| match obj.map(issued) {
        Some(Ok(pem)) => ControlFlow::Break(Ok(pem)),
        Some(Err(Some(refused))) => ControlFlow::Break(Err(refused)),
        Some(Err(None)) => ControlFlow::Continue(Err("approved, not yet signed".to_string())),
        None => ControlFlow::Continue(Err("the CertificateSigningRequest is gone".to_string())),
    })
    .await?;
    let action = format!("certificate of certificatesigningrequest {name}");
    match followed {
        Followed::Done(Ok(pem)) => Ok(pem),
        Followed::Done(Err(refused)) => Err(ApiError::other(action, refused)),
        Followed::TimedOut(last) => {
            let last = last.err().unwrap_or_default();
            Err(ApiError::other(action, format!("none after {}s: {last}", timeout.as_secs())))
        }
    }
}

/// The certificate, or why there will be none (a Denied or Failed condition), or None: not yet.
fn issued(csr: &Value) -> Result<String, Option<String>> {
    let status = &csr["status"];
    if let Some(b64) = status["certificate"].as_str().filter(|c| !c.is_empty()) {
        use base64::Engine;
        let pem =
            base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| Some(format!("status.certificate is not base64: {e}")))?;
        return String::from_utf8(pem).map_err(|_| Some("status.certificate is not PEM text".into()));
    }
    let conditions = status["conditions"].as_array().into_iter().flatten();
    match conditions.into_iter().find(|c| matches!(c["type"].as_str(), Some("Denied" | "Failed"))) {
        Some(c) => Err(Some(format!("{}: {} {}", c["type"].as_str().unwrap_or_default(), c["reason"], c["message"]))),
        None => Err(None),
    }
}

async fn delete(csrs: &Api<CertificateSigningRequest>, name: &str) -> Result<(), ApiError> {
    match csrs.delete(name, &DeleteParams::default()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(ApiError::kube(format!("delete certificatesigningrequest {name}"))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_certificate_is_read_and_a_denial_says_why() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
        assert_eq!(issued(&json!({"status": {"certificate": b64}})), Ok(pem.to_string()));
        assert_eq!(issued(&json!({"status": {"conditions": [{"type": "Approved"}]}})), Err(None));
        let denied = issued(&json!({"status": {"conditions": [{"type": "Denied", "reason": "No", "message": "not bob"}]}}));
        assert_eq!(denied, Err(Some("Denied: \"No\" \"not bob\"".into())));
    }
}
