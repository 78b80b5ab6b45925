//! "Strange" logins: for each user, the countries, networks (ASN) and user-agent families
//! seen before; a successful login from one never seen is a finding. Countries and ASNs come
//! from a MaxMind DB the user supplies; the state lives in a file (written atomically), so a
//! restart forgets nothing. A user's first login ever only teaches the baseline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::event;
use crate::matcher::scalar_text;
use crate::mmdb::Mmdb;

/// A successful login, as far as the log says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub ip: Option<String>,
    pub agent: Option<String>,
    /// The country the log itself gives (Okta, GitHub, Atlassian locate their logins; a
    /// GeoIP database is then not needed for the country).
    pub country: Option<String>,
}

/// A successful interactive login in a known log source: CloudTrail `ConsoleLogin` success,
/// Okta `user.session.start` success, GitHub `user.login`, Atlassian organisation audit
/// login events.
#[must_use]
pub fn login(e: &Value) -> Option<Login> {
    let s = |f: &str| event::field(e, f).and_then(scalar_text);
    let (user, ip, agent, country) = match event::product(e)? {
        "aws" => {
            if s("eventName")? != "ConsoleLogin"
                || s("responseElements.ConsoleLogin").as_deref() != Some("Success")
            {
                return None;
            }
            (
                s("userIdentity.arn").or_else(|| s("userIdentity.userName"))?,
                s("sourceIPAddress"),
                s("userAgent"),
                None,
            )
        }
        "okta" => {
            if s("eventType")? != "user.session.start"
                || s("outcome.result").as_deref() != Some("SUCCESS")
            {
                return None;
            }
            (
                s("actor.alternateId")?,
                s("client.ipAddress"),
                s("client.userAgent.rawUserAgent"),
                s("client.geographicalContext.country"),
            )
        }
        "github" => {
            if s("action")? != "user.login" {
                return None;
            }
            (
                s("actor")?,
                s("actor_ip"),
                s("user_agent"),
                s("actor_location.country_code"),
            )
        }
        "atlassian" => {
            let action = s("attributes.action")?.to_ascii_lowercase();
            if !(action.contains("login")
                || action.contains("logged_in")
                || action.contains("user_logged"))
            {
                return None;
            }
            (
                s("attributes.actor.email").or_else(|| s("attributes.actor.id"))?,
                s("attributes.location.ip"),
                s("attributes.location.userAgent"),
                s("attributes.location.countryName"),
            )
        }
        _ => return None,
    };
    Some(Login {
        user,
        ip,
        agent,
        country: country.filter(|c| !c.trim().is_empty()),
    })
}

/// A coarse user-agent family: browser or tool name, no versions.
#[must_use]
pub fn agent_family(ua: &str) -> String {
    let l = ua.to_ascii_lowercase();
    for (needle, name) in [
        ("edg/", "Edge"),
        ("opr/", "Opera"),
        ("firefox/", "Firefox"),
        ("chrome/", "Chrome"),
        ("safari/", "Safari"),
        ("curl/", "curl"),
        ("wget/", "wget"),
        ("python-requests", "python-requests"),
        ("go-http-client", "Go"),
        ("aws-cli", "aws-cli"),
        ("boto3", "boto3"),
        ("okhttp", "okhttp"),
        ("java/", "Java"),
        ("postman", "Postman"),
    ] {
        if l.contains(needle) {
            return name.to_owned();
        }
    }
    if l.is_empty() {
        "unknown".into()
    } else {
        "other".into()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Seen {
    countries: BTreeSet<String>,
    asns: BTreeSet<String>,
    agents: BTreeSet<String>,
}

/// Something new about a known user's login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Novelty {
    pub user: String,
    /// `country`, `asn` or `user-agent`.
    pub what: &'static str,
    pub value: String,
    pub known: Vec<String>,
}

/// The first-seen state.
#[derive(Debug)]
pub struct FirstSeen {
    path: PathBuf,
    users: BTreeMap<String, Seen>,
    geo: Option<Mmdb>,
    /// Users kept (the least recently added go beyond it).
    max_users: usize,
}

impl FirstSeen {
    /// Load the state (a missing file is empty) and the optional MaxMind DB.
    ///
    /// # Errors
    /// A state file that exists but cannot be read, or a MaxMind DB that cannot be opened.
    pub fn open(path: &Path, geoip: Option<&Path>) -> Result<FirstSeen, String> {
        let mut users = BTreeMap::new();
        match std::fs::read_to_string(path) {
            Ok(t) => {
                let v: Value = serde_json::from_str(&t)
                    .map_err(|e| format!("{}: not a first-seen state: {e}", path.display()))?;
                for (u, s) in v
                    .get("users")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let set = |k: &str| -> BTreeSet<String> {
                        s.get(k)
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    };
                    users.insert(
                        u.clone(),
                        Seen {
                            countries: set("countries"),
                            asns: set("asns"),
                            agents: set("agents"),
                        },
                    );
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
        let geo = geoip.map(Mmdb::open).transpose()?;
        Ok(FirstSeen {
            path: path.to_owned(),
            users,
            geo,
            max_users: 1_000_000,
        })
    }

    /// Observe an event: what is new about a known user's successful login.
    pub fn observe(&mut self, e: &Value) -> Vec<Novelty> {
        let Some(l) = login(e) else { return Vec::new() };
        let mut now = Seen::default();
        // The log's own country first: the same source always gives it the same way,
        // GeoIP database or not.
        if let Some(c) = &l.country {
            now.countries.insert(c.clone());
        }
        if let (Some(ip), Some(geo)) = (&l.ip, &self.geo)
            && let Ok(addr) = ip.trim().parse()
            && let Some(rec) = geo.lookup(addr)
        {
            if l.country.is_none()
                && let Some(c) = rec
                    .get("country")
                    .and_then(|c| c.get("iso_code"))
                    .and_then(Value::as_str)
            {
                now.countries.insert(c.to_owned());
            }
            if let Some(a) = rec.get("autonomous_system_number").and_then(scalar_text) {
                now.asns.insert(format!("AS{a}"));
            }
        }
        if let Some(ua) = &l.agent {
            now.agents.insert(agent_family(ua));
        }
        let known = !self.users.contains_key(&l.user);
        if known && self.users.len() >= self.max_users {
            return Vec::new();
        }
        let entry = self.users.entry(l.user.clone()).or_default();
        let mut out = Vec::new();
        for (what, new, old) in [
            ("country", &now.countries, &mut entry.countries),
            ("asn", &now.asns, &mut entry.asns),
            ("user-agent", &now.agents, &mut entry.agents),
        ] {
            for v in new {
                if !old.contains(v) {
                    // A user's first login (nothing of this kind known yet) only teaches.
                    if !old.is_empty() {
                        out.push(Novelty {
                            user: l.user.clone(),
                            what,
                            value: v.clone(),
                            known: old.iter().cloned().collect(),
                        });
                    }
                    old.insert(v.clone());
                }
            }
        }
        out
    }

    /// Write the state atomically.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self) -> std::io::Result<()> {
        let users: serde_json::Map<String, Value> = self
            .users
            .iter()
            .map(|(u, s)| {
                (
                    u.clone(),
                    json!({"countries": s.countries, "asns": s.asns, "agents": s.agents}),
                )
            })
            .collect();
        let tmp = self.path.with_extension("tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec(&json!({"version": 1, "users": users}))?,
        )?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// The finding for a novelty, at the login's place in the log.
#[must_use]
pub fn finding(n: &Novelty, log: &str, line: u64) -> vendorsec_core::Finding {
    let origin = vendorsec_core::Origin {
        chain: vec![log.to_owned()],
        commit: None,
    };
    let what = match n.what {
        "country" => "a country",
        "asn" => "a network (ASN)",
        _ => "a user-agent family",
    };
    vendorsec_core::Finding {
        rule: "logs/first-seen-login".into(),
        guideline: "infra.logging-security-events".into(),
        severity: vendorsec_core::Severity::Medium,
        confidence: vendorsec_core::Confidence::Medium,
        message: format!("{} logged in from {what} never seen for them: {} (known: {}).", n.user, n.value, n.known.join(", ")),
        remediation: "Confirm with the user that the login was theirs (travel, a new device or tool); if not, reset their credentials and sessions.".into(),
        evidence: format!("{} {} (known: {})", n.what, n.value, n.known.join(", ")),
        fingerprint: vendorsec_core::redact::fingerprint("logs/first-seen-login", format!("{}|{}|{}", n.user, n.what, n.value).as_bytes()),
        locations: vec![vendorsec_core::Location::new(&origin, line, 0, line, 0)],
        data: serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct(user: &str, ip: &str, ua: &str) -> Value {
        json!({"eventVersion": "1.08", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::1:user/{user}")}, "responseElements": {"ConsoleLogin": "Success"}, "sourceIPAddress": ip, "userAgent": ua})
    }

    #[test]
    fn new_country_network_and_agent_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("geo.mmdb");
        std::fs::write(
            &db,
            crate::mmdb::write_test_db(&[
                (
                    "203.0.113.0/24",
                    json!({"country": {"iso_code": "DE"}, "autonomous_system_number": 64500}),
                ),
                (
                    "198.51.100.0/24",
                    json!({"country": {"iso_code": "BR"}, "autonomous_system_number": 64511}),
                ),
            ]),
        )
        .unwrap();
        let state = dir.path().join("seen.json");
        let chrome = "Mozilla/5.0 (X11) AppleWebKit/537.36 Chrome/120.0 Safari/537.36";
        let mut fs = FirstSeen::open(&state, Some(&db)).unwrap();
        assert!(fs.observe(&ct("ana", "203.0.113.5", chrome)).is_empty());
        assert!(fs.observe(&ct("ana", "203.0.113.9", chrome)).is_empty());
        fs.save().unwrap();
        // Restarted: the baseline is remembered.
        let mut fs = FirstSeen::open(&state, Some(&db)).unwrap();
        let n = fs.observe(&ct("ana", "198.51.100.4", "curl/8.5.0"));
        let kinds: Vec<(&str, &str)> = n.iter().map(|x| (x.what, x.value.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                ("country", "BR"),
                ("asn", "AS64511"),
                ("user-agent", "curl")
            ]
        );
        assert_eq!(n[0].known, vec!["DE".to_owned()]);
        // Failed logins and other events teach nothing.
        let mut failed = ct("ana", "192.0.2.1", chrome);
        failed["responseElements"]["ConsoleLogin"] = json!("Failure");
        assert!(fs.observe(&failed).is_empty());
    }

    /// Okta, GitHub and the Atlassian organisation audit log locate their logins: a new
    /// country is found without a GeoIP database.
    #[test]
    fn the_logs_own_country_without_a_geoip_database() {
        let dir = tempfile::tempdir().unwrap();
        let mut fs = FirstSeen::open(&dir.path().join("seen.json"), None).unwrap();
        let okta = |country: &str| {
            json!({"eventType": "user.session.start", "published": "2026-11-30T10:00:00Z",
                   "actor": {"alternateId": "ana@acme.test"}, "outcome": {"result": "SUCCESS"},
                   "client": {"ipAddress": "192.0.2.1", "geographicalContext": {"country": country}}})
        };
        assert!(fs.observe(&okta("Iceland")).is_empty());
        let n = fs.observe(&okta("Brazil"));
        assert_eq!(
            n.iter()
                .map(|x| (x.what, x.value.as_str()))
                .collect::<Vec<_>>(),
            [("country", "Brazil")]
        );
        let gh = |cc: &str| json!({"action": "user.login", "actor": "ana", "@timestamp": 1, "actor_location": {"country_code": cc}});
        assert!(fs.observe(&gh("US")).is_empty());
        assert_eq!(fs.observe(&gh("KP"))[0].value, "KP");
        let atl = |country: &str| {
            json!({"type": "events", "attributes": {"action": "user_login", "time": "2026-11-30T10:00:00Z",
                   "actor": {"email": "dev@acme.test"}, "location": {"ip": "192.0.2.7", "countryName": country}}})
        };
        assert!(fs.observe(&atl("Ukraine")).is_empty());
        assert!(fs.observe(&atl("Ukraine")).is_empty());
        assert_eq!(fs.observe(&atl("Iran"))[0].known, ["Ukraine"]);
    }

    #[test]
    fn agent_families() {
        assert_eq!(
            agent_family("Mozilla/5.0 ... Chrome/120.0 Safari/537.36 Edg/120.0"),
            "Edge"
        );
        assert_eq!(agent_family("python-requests/2.31"), "python-requests");
        assert_eq!(agent_family(""), "unknown");
    }
}
