//! What a `token` step expects the API server to say the token is (a SelfSubjectReview made with the
//! token): its username as before (`whoami: NAME`), or `{ username, uid, groups, extra, status }`,
//! where `groups` compares as a set, `extra` key by key, and `status: 401` expects the token to be
//! refused (then nothing about the user may be expected).

use crate::check::{same_value, Mismatch};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhoamiExpect {
    pub username: Option<String>,
    pub uid: Option<String>,
    pub groups: Option<Vec<String>>,
    pub extra: BTreeMap<String, Vec<String>>,
    /// The HTTP status of the review: 201 unless given (401 when the token is refused).
    pub status: Option<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhoami {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    extra: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    status: Option<u16>,
}

impl<'de> Deserialize<'de> for WhoamiExpect {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WhoamiExpect;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a username, or `{ username, uid, groups, extra, status }`")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<WhoamiExpect, E> {
                Ok(WhoamiExpect { username: Some(v.to_string()), ..Default::default() })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WhoamiExpect, A::Error> {
                let r = RawWhoami::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                let w = WhoamiExpect { username: r.username, uid: r.uid, groups: r.groups, extra: r.extra, status: r.status };
                let about_user = w.username.is_some() || w.uid.is_some() || w.groups.is_some() || !w.extra.is_empty();
                match w.status {
                    Some(s) if s != 201 && about_user => {
                        Err(A::Error::custom(format!("a review answered {s} names no user: give `status` alone, or no `status`")))
                    }
                    None if !about_user => {
                        Err(A::Error::custom("`whoami` expects nothing: give `username`, `uid`, `groups`, `extra` or `status`"))
                    }
                    _ => Ok(w),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl WhoamiExpect {
    pub fn status(&self) -> u16 {
        self.status.unwrap_or(201)
    }

    /// In a few words, for the summary of answers.
    pub fn describe(&self) -> String {
        match (&self.username, self.status()) {
            (Some(u), _) => u.clone(),
            (None, 201) => "the user given".into(),
            (None, s) => format!("HTTP {s}"),
        }
    }

    /// Every difference between the expectation and the review's (status, body).
    pub fn check(&self, status: u16, body: &Value) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if status != self.status() {
            let user = body["status"]["userInfo"]["username"].as_str().map(|u| format!(" ({u})")).unwrap_or_default();
            out.push(Mismatch::new("SelfSubjectReview with the token: HTTP status", self.status().to_string(), format!("{status}{user}")));
            return out;
        }
        let info = &body["status"]["userInfo"];
        let text = |v: &Value| v.as_str().map(String::from).unwrap_or_else(|| if v.is_null() { "nothing".into() } else { v.to_string() });
        if let Some(want) = &self.username {
            if info["username"].as_str() != Some(want.as_str()) {
                out.push(Mismatch::new("identity of the token (SelfSubjectReview)", want, text(&info["username"])));
            }
        }
        if let Some(want) = &self.uid {
            if info["uid"].as_str() != Some(want.as_str()) {
                out.push(Mismatch::new("uid of the token's user (SelfSubjectReview)", want, text(&info["uid"])));
            }
        }
        if let Some(want) = &self.groups {
            let mut got: Vec<&str> = info["groups"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut wanted: Vec<&str> = want.iter().map(String::as_str).collect();
            got.sort_unstable();
            wanted.sort_unstable();
            if got != wanted {
                out.push(Mismatch::new(
                    "groups of the token's user, any order (SelfSubjectReview)",
                    format!("{wanted:?}"),
                    format!("{got:?}"),
                ));
            }
        }
        for (key, want) in &self.extra {
            let got = &info["extra"][key];
            if !same_value(&serde_json::json!(want), got) {
                out.push(Mismatch::new(format!("extra `{key}` of the token's user (SelfSubjectReview)"), format!("{want:?}"), text(got)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expect(yaml: &str) -> Result<WhoamiExpect, String> {
        crate::yaml::from_str(yaml).map_err(|e| e.describe())
    }

    fn review() -> Value {
        json!({"status": {"userInfo": {"username": "system:serviceaccount:dev:robot", "uid": "u-1",
            "groups": ["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"],
            "extra": {"authentication.kubernetes.io/credential-id": ["JTI=j-1"]}}}})
    }

    #[test]
    fn a_name_alone_is_the_username() {
        assert_eq!(expect("system:serviceaccount:dev:robot").unwrap().username.as_deref(), Some("system:serviceaccount:dev:robot"));
    }

    #[test]
    fn groups_compare_as_a_set_and_fail_both_ways() {
        let w = expect("{ groups: [system:authenticated, system:serviceaccounts:dev, system:serviceaccounts], uid: u-1 }").unwrap();
        assert!(w.check(201, &review()).is_empty());
        let other = expect("{ groups: [system:authenticated, system:serviceaccounts:prod, system:serviceaccounts] }").unwrap();
        assert_eq!(other.check(201, &review())[0].what, "groups of the token's user, any order (SelfSubjectReview)");
        let extra = expect("{ extra: { authentication.kubernetes.io/credential-id: [JTI=j-2] } }").unwrap();
        assert_eq!(extra.check(201, &review())[0].actual, "[\"JTI=j-1\"]");
    }

    #[test]
    fn a_refused_token_is_expected_with_status_401_and_fails_when_it_authenticates() {
        let refused = expect("{ status: 401 }").unwrap();
        assert!(refused.check(401, &json!({"kind": "Status", "code": 401})).is_empty());
        let m = refused.check(201, &review());
        assert_eq!(
            m[0].to_string(),
            "SelfSubjectReview with the token: HTTP status: expected 401, got 201 (system:serviceaccount:dev:robot)"
        );
        let accepted = expect("system:serviceaccount:dev:robot").unwrap();
        assert_eq!(accepted.check(401, &json!({})).len(), 1);
        assert!(expect("{ status: 401, username: x }").unwrap_err().contains("names no user"));
        assert!(expect("{ }").unwrap_err().contains("expects nothing"));
    }
}
