//! The REST operation -> scope table generated from Atlassian's OpenAPI specs
//! (`data/rest-scopes.tsv`, by `scripts/gen_scope_table.py`), and what each Connect scope
//! allows.

use std::sync::OnceLock;

/// One REST operation of a product API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub product: String,
    pub method: String,
    /// Path template, e.g. `/rest/api/3/issue/{issueIdOrKey}`.
    pub path: String,
    /// `x-atlassian-connect-scope`: READ, WRITE, …, or INACCESSIBLE.
    pub connect_scope: String,
    pub oauth_scopes: Vec<String>,
    pub granular_scopes: Vec<String>,
}

/// Every operation of the table.
pub fn table() -> &'static [Operation] {
    static TABLE: OnceLock<Vec<Operation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let split = |s: &str| -> Vec<String> {
            if s == "-" {
                Vec::new()
            } else {
                s.split(',').map(str::to_owned).collect()
            }
        };
        include_str!("../data/rest-scopes.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let [product, method, path, connect, current, beta] = f[..] else {
                    return None;
                };
                Some(Operation {
                    product: product.to_owned(),
                    method: method.to_owned(),
                    path: path.to_owned(),
                    connect_scope: connect.to_owned(),
                    oauth_scopes: split(current),
                    granular_scopes: split(beta),
                })
            })
            .collect()
    })
}

/// Whether a concrete path matches a template (`{x}` matches one non-empty segment).
#[must_use]
pub fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
}

/// The operation a call targets: the most literal matching template wins
/// (`/issue/picker` over `/issue/{id}`).
#[must_use]
pub fn lookup(method: &str, path: &str) -> Option<&'static Operation> {
    let path = path.split('?').next().unwrap_or(path);
    table()
        .iter()
        .filter(|o| o.method.eq_ignore_ascii_case(method) && path_matches(&o.path, path))
        .max_by_key(|o| o.path.split('/').filter(|s| !s.starts_with('{')).count())
}

/// What a Connect scope lets an app do (Atlassian's scope documentation, abridged).
#[must_use]
pub fn connect_scope_meaning(scope: &str) -> &'static str {
    match scope.to_ascii_uppercase().as_str() {
        "NONE" => "only public data and the app's own data",
        "READ" => {
            "read any data the installing user or app can see (issues, pages, projects, spaces, users)"
        }
        "WRITE" => {
            "create and edit content (issues, comments, pages, attachments), including everything READ allows"
        }
        "DELETE" => "delete content, including everything WRITE allows",
        "PROJECT_ADMIN" => {
            "administer projects (permissions, schemes, components), including everything DELETE allows"
        }
        "SPACE_ADMIN" => {
            "administer spaces (permissions, settings), including everything DELETE allows"
        }
        "ADMIN" => {
            "administer the whole site (users, groups, global settings and permissions), including every lower scope"
        }
        "ACT_AS_USER" => "act on behalf of any user without their presence (user impersonation)",
        "ACCESS_EMAIL_ADDRESSES" => "read users' email addresses",
        _ => "not a Connect scope vendorsec knows",
    }
}

/// Rank of a Connect scope in the implied-level chain (`None` for the independent ones).
#[must_use]
pub fn connect_level(scope: &str) -> Option<u8> {
    match scope.to_ascii_uppercase().as_str() {
        "NONE" => Some(0),
        "READ" => Some(1),
        "WRITE" => Some(2),
        "DELETE" => Some(3),
        "PROJECT_ADMIN" | "SPACE_ADMIN" => Some(4),
        "ADMIN" => Some(5),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_and_looks_up_the_documented_examples() {
        assert!(table().len() > 800);
        let get = lookup("GET", "/rest/api/3/issue/PROJ-1").unwrap();
        assert_eq!(get.connect_scope, "READ");
        assert!(get.oauth_scopes.contains(&"read:jira-work".to_owned()));
        assert_eq!(
            lookup("PUT", "/rest/api/3/issue/PROJ-1")
                .unwrap()
                .connect_scope,
            "WRITE"
        );
        assert_eq!(
            lookup("DELETE", "/rest/api/3/issue/10001")
                .unwrap()
                .connect_scope,
            "DELETE"
        );
        assert_eq!(
            lookup("PUT", "/rest/api/3/project/ABC")
                .unwrap()
                .connect_scope,
            "PROJECT_ADMIN"
        );
        assert_eq!(
            lookup("GET", "/rest/api/3/user/email?accountId=x")
                .unwrap()
                .connect_scope,
            "ACCESS_EMAIL_ADDRESSES"
        );
        // The literal template wins over the parameterised one.
        assert_eq!(
            lookup("GET", "/rest/api/3/issue/picker").unwrap().path,
            "/rest/api/3/issue/picker"
        );
        assert!(lookup("GET", "/rest/api/3/nope/nothing/here").is_none());
    }
}
