//! A PKCS#10 certificate request for a human user, as `openssl req -subj "/O=dev-team/CN=bob"` makes
//! one: a fresh P-256 key (ring, already in the build through rustls) and the DER of the request it
//! signs. Kubernetes reads the user name from CN and the groups from each O, so this is all a
//! `kubernetes.io/kube-apiserver-client` CSR needs; no certificate parsing or other X.509 is done here.

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

/// 1.2.840.10045.2.1 (id-ecPublicKey).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// 1.2.840.10045.3.1.7 (prime256v1).
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// 1.2.840.10045.4.3.2 (ecdsa-with-SHA256).
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// 2.5.4.3 (commonName) and 2.5.4.10 (organizationName).
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];

/// A private key and the request it signed, both PEM. The key is a credential: register it with the
/// redactor before anything could print it, and write it only to private files.
pub struct Request {
    pub csr_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").field("csr_pem", &self.csr_pem).field("key_pem", &crate::secrets::REDACTED).finish()
    }
}

/// A new key and a request for `CN=user` with one `O=` per group.
pub fn new(user: &str, groups: &[String]) -> Result<Request, String> {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).map_err(|_| "generating a P-256 key failed")?;
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).map_err(|e| format!("reading the new key: {e}"))?;
    let info = request_info(user, groups, key.public_key().as_ref());
    let signature = key.sign(&rng, &info).map_err(|_| "signing the certificate request failed")?;
    let der = sequence(&[info, sequence(&[oid(OID_ECDSA_SHA256)]), bit_string(signature.as_ref())]);
    Ok(Request { csr_pem: pem("CERTIFICATE REQUEST", &der), key_pem: pem("PRIVATE KEY", pkcs8.as_ref()) })
}

/// CertificationRequestInfo: version 0, the subject, the public key, no attributes.
fn request_info(user: &str, groups: &[String], public_key: &[u8]) -> Vec<u8> {
    let mut names: Vec<Vec<u8>> = groups.iter().map(|g| rdn(OID_O, g)).collect();
    names.push(rdn(OID_CN, user));
    let algorithm = sequence(&[oid(OID_EC_PUBLIC_KEY), oid(OID_P256)]);
    let spki = sequence(&[algorithm, bit_string(public_key)]);
    sequence(&[tlv(0x02, &[0]), sequence(&names), spki, tlv(0xa0, &[])])
}

/// One relative distinguished name: SET { SEQUENCE { type, UTF8String value } }.
fn rdn(attribute: &[u8], value: &str) -> Vec<u8> {
    tlv(0x31, &sequence(&[oid(attribute), tlv(0x0c, value.as_bytes())]))
}

fn oid(body: &[u8]) -> Vec<u8> {
    tlv(0x06, body)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], bytes].concat())
}

fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// Tag, definite length (short or long form), content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};

    fn der_of(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD.decode(body).unwrap()
    }

    /// (tag, content, rest) of the first element of `der`.
    fn split(der: &[u8]) -> (u8, &[u8], &[u8]) {
        let (len, head) = match der[1] {
            n if n < 0x80 => (n as usize, 2),
            n => {
                let k = (n & 0x7f) as usize;
                (der[2..2 + k].iter().fold(0usize, |a, b| a << 8 | *b as usize), 2 + k)
            }
        };
        (der[0], &der[head..head + len], &der[head + len..])
    }

    #[test]
    fn lengths_use_the_short_form_below_128_and_the_long_form_above() {
        assert_eq!(tlv(0x04, &[7; 3])[..2], [0x04, 3]);
        assert_eq!(tlv(0x04, &[7; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(tlv(0x04, &[7; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn the_request_names_bob_and_his_groups_and_its_signature_verifies_with_its_own_key() {
        let r = new("bob", &["dev-team".into(), "qa".into()]).unwrap();
        assert!(r.csr_pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
        assert!(r.key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let der = der_of(&r.csr_pem);
        let (tag, request, rest) = split(&der);
        assert_eq!((tag, rest.len()), (0x30, 0));
        let (_, info, after_info) = split(request);
        let info_der = &request[..request.len() - after_info.len()];
        let (_, algorithm, after_algorithm) = split(after_info);
        assert_eq!(algorithm, oid(OID_ECDSA_SHA256).as_slice());
        let (tag, signature, _) = split(after_algorithm);
        assert_eq!(tag, 0x03);
        // version 0, subject O=dev-team, O=qa, CN=bob
        let (_, version, subject_and_rest) = split(info);
        assert_eq!(version, [0]);
        let (_, subject, spki_and_rest) = split(subject_and_rest);
        assert_eq!(subject, [rdn(OID_O, "dev-team"), rdn(OID_O, "qa"), rdn(OID_CN, "bob")].concat().as_slice());
        let (_, spki, _) = split(spki_and_rest);
        let (_, _, public_key) = split(spki);
        let (_, public_key, _) = split(public_key);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &public_key[1..])
            .verify(info_der, &signature[1..])
            .expect("the request is signed by the key it carries");
        assert!(!format!("{r:?}").contains("PRIVATE KEY"), "Debug never shows the key");
    }
}
