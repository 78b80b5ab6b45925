//! The guideline rule pack: vendorsec's own Sigma rules for the alerts Atlassian's guidelines
//! ask for (merges that bypass review, 2FA changes, user and permission administration, new
//! instances, console/admin logins without MFA and repeated failures), shipped in the binary.
//! Each rule carries `examples` (`match` / `no-match` events) that a test runs.

use crate::Loaded;

/// (file name, YAML) of every rule of the pack.
pub const PACK: [(&str, &str); 21] = [
    (
        "vendorsec_atlassian_admin_logged_in_as_user.yml",
        include_str!("../rules/vendorsec_atlassian_admin_logged_in_as_user.yml"),
    ),
    (
        "vendorsec_atlassian_site_created.yml",
        include_str!("../rules/vendorsec_atlassian_site_created.yml"),
    ),
    (
        "vendorsec_atlassian_two_step_verification_changed.yml",
        include_str!("../rules/vendorsec_atlassian_two_step_verification_changed.yml"),
    ),
    (
        "vendorsec_atlassian_user_administration.yml",
        include_str!("../rules/vendorsec_atlassian_user_administration.yml"),
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
        assert!(checked >= 35, "{checked}");
    }

    /// The organisation audit log as Atlassian's API returns it records keys, not names:
    /// through a catalogue, the pack's rules on activity names match it, each on the
    /// activities its words pick out; without one they match none of it.
    #[test]
    fn atlassian_activity_rules_match_raw_audit_events_through_a_catalogue() {
        // Names as Atlassian's activities database words them; the keys are this test's.
        let names = [
            ("user_login", "Logged in to account"),
            ("user_logout", "Logged out of account"),
            ("user_deactivated", "Deactivated account"),
            ("user_reactivated", "Reactivated account"),
            ("password_recovery", "Requested password recovery link"),
            ("group_member_added", "Added user to group"),
            ("group_created", "Created group"),
            ("product_access_granted", "Granted product access"),
            ("org_admin_granted", "Granted organization admin role"),
            ("tsv_enforced", "Enforced two-step verification"),
            ("tsv_reset", "Reset two-step verification for user"),
            ("site_created", "Created site"),
            ("user_added_to_site", "Added user to site"),
            ("repository_created", "Created repository"),
            ("jira_issue_viewed", "Viewed Jira issue"),
            ("app_installed", "App successful installation"),
        ];
        let data: Vec<Value> = names
            .iter()
            .map(|(k, n)| serde_json::json!({"id": k, "type": "event-actions", "attributes": {"displayName": n}}))
            .collect();
        let catalogue = crate::activities::EventActions::parse(
            &serde_json::json!({ "data": data }).to_string(),
        )
        .unwrap();
        let mut loaded = builtin();
        let resolved = loaded.resolve_activities(&catalogue);
        let of = |title: &str| -> Vec<&str> {
            let i = loaded.rules.iter().position(|r| r.title == title).unwrap();
            resolved[i].iter().map(|(_, n)| *n).collect()
        };
        assert_eq!(
            of("Atlassian two-step verification changed"),
            [
                "Enforced two-step verification",
                "Reset two-step verification for user"
            ]
        );
        assert_eq!(
            of("Atlassian user, group or permission administration"),
            [
                "Deactivated account",
                "Reactivated account",
                "Added user to group",
                "Created group",
                "Granted product access",
                "Granted organization admin role",
                "Added user to site",
            ]
        );
        assert_eq!(
            of("Atlassian site, product or workspace created"),
            ["Created site"]
        );
        assert!(of("Atlassian administrator logged in as another user").is_empty());

        let hits = |loaded: &Loaded, action: &str| -> Vec<String> {
            let v = serde_json::json!({"id": "e", "type": "events", "attributes": {"action": action, "time": "2026-11-30T10:00:00Z", "actor": {"email": "admin@acme.test"}}});
            let mut n = crate::node::Node::from_value(&v);
            event::normalise(&mut n);
            loaded
                .rules
                .iter()
                .filter(|r| applies(r, event::product(&n)) && r.matches_node(&n))
                .map(|r| r.stem.clone())
                .collect()
        };
        let plain = builtin();
        for (action, want) in [
            (
                "tsv_enforced",
                Some("vendorsec_atlassian_two_step_verification_changed"),
            ),
            (
                "group_member_added",
                Some("vendorsec_atlassian_user_administration"),
            ),
            ("site_created", Some("vendorsec_atlassian_site_created")),
            (
                "user_added_to_site",
                Some("vendorsec_atlassian_user_administration"),
            ),
            ("user_login", None),
            ("jira_issue_viewed", None),
            ("no_such_action", None),
        ] {
            assert_eq!(
                hits(&loaded, action),
                want.into_iter().collect::<Vec<_>>(),
                "{action}"
            );
            assert!(
                hits(&plain, action).is_empty(),
                "{action} without a catalogue"
            );
        }
        // The keys the pack already names still match as they did.
        assert_eq!(
            hits(&loaded, "user_logged_in_as_user"),
            ["vendorsec_atlassian_admin_logged_in_as_user"]
        );
        // A hunt (its index and raw-text prefilter) finds exactly what trying every rule on
        // every event finds, over a log of every activity.
        let log: String = names
            .iter()
            .map(|(k, _)| *k)
            .chain(["user_logged_in_as_user", "no_such_action"])
            .map(|k| format!("{{\"type\":\"events\",\"attributes\":{{\"action\":\"{k}\",\"time\":\"2026-11-30T10:00:00Z\"}}}}\n"))
            .collect();
        let mut fast = Vec::new();
        crate::hunt(
            &loaded.rules,
            None,
            Box::new(std::io::Cursor::new(log.clone().into_bytes())),
            &mut |m| fast.push((m.at.line, loaded.rules[m.rule].stem.clone())),
            &mut |_| {},
        )
        .unwrap();
        let mut slow = Vec::new();
        for (i, line) in log.lines().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            let action = v["attributes"]["action"].as_str().unwrap().to_owned();
            slow.extend(
                hits(&loaded, &action)
                    .into_iter()
                    .map(|r| (i as u64 + 1, r)),
            );
        }
        fast.sort();
        slow.sort();
        assert_eq!(fast, slow);
        assert_eq!(fast.len(), 11);
    }
}
