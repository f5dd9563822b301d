//! A kubeconfig that is one token's identity: the run's cluster (its server and CA) and that token, so a
//! `kubectl` step runs as a ServiceAccount for real (`kubectl auth whoami` answers with its name), not
//! through impersonation. It is written into a fresh private directory under the system's temporary
//! directory, never next to the user's kubeconfig, and removed when dropped.

use super::ApiError;
use crate::cluster::Target;
use base64::Engine;
use std::path::{Path, PathBuf};

/// The context every generated kubeconfig names as current.
pub const CONTEXT: &str = "sa-conformance-token";

/// A kubeconfig file for one token, deleted (with its directory) on drop.
#[derive(Debug)]
pub struct TokenKubeconfig {
    dir: PathBuf,
    path: PathBuf,
}

impl TokenKubeconfig {
    /// Writes the kubeconfig for `token` on `target` (directory 0700, file 0600 on Unix).
    pub fn write(target: &Target, token: &str) -> Result<Self, ApiError> {
        Self::write_user(target, serde_json::json!({ "token": token }), "the token")
    }

    /// Writes the kubeconfig for a client certificate and its key (PEM), the way a human's kubeconfig
    /// holds them: `client-certificate-data` and `client-key-data`.
    pub fn write_certificate(target: &Target, cert_pem: &str, key_pem: &str) -> Result<Self, ApiError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let user = serde_json::json!({ "client-certificate-data": b64.encode(cert_pem), "client-key-data": b64.encode(key_pem) });
        Self::write_user(target, user, "the client certificate")
    }

    fn write_user(target: &Target, user: serde_json::Value, what: &str) -> Result<Self, ApiError> {
        let fail = |e: std::io::Error| ApiError::other(format!("writing a kubeconfig for {what}"), e.to_string());
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("sa-conformance-token-{}-{nanos}", std::process::id()));
        create_private_dir(&dir).map_err(fail)?;
        let path = dir.join("kubeconfig");
        let written = TokenKubeconfig { dir, path };
        let text = render_user(&target.server, &target.ca_der, user);
        crate::private_file::create_new(&written.path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .map_err(fail)?;
        Ok(written)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TokenKubeconfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir(dir)
}

/// The kubeconfig text: one cluster (server, CA as base64 of PEM), one user (the token), one context.
pub fn render(server: &str, ca_der: &[Vec<u8>], token: &str) -> String {
    render_user(server, ca_der, serde_json::json!({ "token": token }))
}

/// The kubeconfig text with `user` as its one user's credentials.
fn render_user(server: &str, ca_der: &[Vec<u8>], user: serde_json::Value) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let pem: String = ca_der
        .iter()
        .map(|der| {
            let body = b64.encode(der);
            let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
            format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
        })
        .collect();
    let doc = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server, "certificate-authority-data": b64.encode(pem)}}],
        "users": [{"name": CONTEXT, "user": user}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
        "current-context": CONTEXT,
    });
    // JSON is YAML, and kubectl reads it; no YAML writer can get the quoting of the token wrong.
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn names_the_server_the_ca_and_the_token_only() {
        let text = render("https://127.0.0.1:6443", &[vec![1, 2, 3]], "tok");
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["current-context"], CONTEXT);
        assert_eq!(doc["users"][0]["user"], serde_json::json!({"token": "tok"}));
        let ca = base64::engine::general_purpose::STANDARD
            .decode(doc["clusters"][0]["cluster"]["certificate-authority-data"].as_str().unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(ca).unwrap(), "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n");
        assert!(!text.contains("client-key-data") && !text.contains("client-certificate"));
    }

    #[test]
    fn a_client_certificate_is_the_users_only_credential() {
        let user = serde_json::json!({ "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" });
        let doc: Value = serde_json::from_str(&render_user("https://127.0.0.1:6443", &[vec![1]], user.clone())).unwrap();
        assert_eq!(doc["users"][0]["user"], user);
        assert!(doc["users"][0]["user"].get("token").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_and_goes_away_on_drop() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sa-conformance-token-test-{}", std::process::id()));
        create_private_dir(&dir).unwrap();
        let written = TokenKubeconfig { path: dir.join("kubeconfig"), dir: dir.clone() };
        crate::private_file::create_new(written.path()).unwrap();
        assert_eq!(std::fs::metadata(written.path()).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        drop(written);
        assert!(!dir.exists());
    }
}
