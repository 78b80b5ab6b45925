//! The guideline rule pack: vendorsec's own Sigma rules for the alerts Atlassian's guidelines
//! ask for (merges that bypass review, 2FA changes, user and permission administration, new
//! instances, console/admin logins without MFA and repeated failures), shipped in the binary.
//! Each rule carries `examples` (`match` / `no-match` events) that a test runs.

use crate::Loaded;

/// (file name, YAML) of every rule of the pack.
pub const PACK: [(&str, &str); 18] = [
    (
        "vendorsec_atlassian_admin_logged_in_as_user.yml",
        include_str!("../rules/vendorsec_atlassian_admin_logged_in_as_user.yml"),
    ),
    (
        "vendorsec_aws_console_login_failures.yml",
        include_str!("../rules/vendorsec_aws_console_login_failures.yml"),
    ),
    (
        "vendorsec_aws_console_login_without_mfa.yml",
        include_str!("../rules/vendorsec_aws_console_login_without_mfa.yml"),
    ),
    (
        "vendorsec_aws_iam_user_administration.yml",
        include_str!("../rules/vendorsec_aws_iam_user_administration.yml"),
    ),
    (
        "vendorsec_aws_instance_created.yml",
        include_str!("../rules/vendorsec_aws_instance_created.yml"),
    ),
    (
        "vendorsec_aws_mfa_device_changed.yml",
        include_str!("../rules/vendorsec_aws_mfa_device_changed.yml"),
    ),
    (
        "vendorsec_bitbucket_access_key_created.yml",
        include_str!("../rules/vendorsec_bitbucket_access_key_created.yml"),
    ),
    (
        "vendorsec_bitbucket_login_failures.yml",
        include_str!("../rules/vendorsec_bitbucket_login_failures.yml"),
    ),
    (
        "vendorsec_bitbucket_user_administration.yml",
        include_str!("../rules/vendorsec_bitbucket_user_administration.yml"),
    ),
    (
        "vendorsec_gcp_iam_administration.yml",
        include_str!("../rules/vendorsec_gcp_iam_administration.yml"),
    ),
    (
        "vendorsec_gcp_instance_created.yml",
        include_str!("../rules/vendorsec_gcp_instance_created.yml"),
    ),
    (
        "vendorsec_github_2fa_disabled.yml",
        include_str!("../rules/vendorsec_github_2fa_disabled.yml"),
    ),
    (
        "vendorsec_github_branch_protection_bypassed.yml",
        include_str!("../rules/vendorsec_github_branch_protection_bypassed.yml"),
    ),
    (
        "vendorsec_github_branch_protection_weakened.yml",
        include_str!("../rules/vendorsec_github_branch_protection_weakened.yml"),
    ),
    (
        "vendorsec_github_member_administration.yml",
        include_str!("../rules/vendorsec_github_member_administration.yml"),
    ),
    (
        "vendorsec_okta_login_failures.yml",
        include_str!("../rules/vendorsec_okta_login_failures.yml"),
    ),
    (
        "vendorsec_okta_mfa_factor_removed.yml",
        include_str!("../rules/vendorsec_okta_mfa_factor_removed.yml"),
    ),
    (
        "vendorsec_okta_privilege_granted.yml",
        include_str!("../rules/vendorsec_okta_privilege_granted.yml"),
    ),
];

/// The pack, loaded.
#[must_use]
pub fn builtin() -> Loaded {
    let mut out = Loaded::default();
    for (name, text) in PACK {
        crate::parse_file(
            &format!("builtin:guideline/{name}"),
            text,
            &mut out,
            &crate::Placeholders::default(),
        );
    }
    out.attach_filters();
    out
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::{applies, event};

    #[test]
    fn every_rule_loads_and_its_examples_hold() {
        let loaded = builtin();
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let mut checked = 0;
        for (name, text) in PACK {
            for doc in text.split("\n---\n") {
                let v: Value = serde_saphyr::from_str(doc).unwrap();
                let Some(ex) = v.get("examples") else {
                    assert!(
                        v.get("correlation").is_some(),
                        "{name}: a detection rule without examples"
                    );
                    continue;
                };
                let title = v["title"].as_str().unwrap();
                let rule = loaded.rules.iter().find(|r| r.title == title).unwrap();
                for (key, want) in [("match", true), ("no-match", false)] {
                    let list = ex
                        .get(key)
                        .and_then(Value::as_array)
                        .unwrap_or_else(|| panic!("{name}: no {key} examples"));
                    assert!(!list.is_empty());
                    for e in list {
                        let mut n = crate::node::Node::from_value(e);
                        event::normalise(&mut n);
                        let got = applies(rule, event::product(&n)) && rule.matches_node(&n);
                        assert_eq!(got, want, "{name} {key}: {e}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 28, "{checked}");
    }
}
