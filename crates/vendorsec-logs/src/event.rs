//! Events: field lookup and which log source an event comes from.

use crate::node::{Doc, Node};

/// A field of an event: the literal key first (`"a.b"` as one key), then the nested path
/// (`a` → `b`), trying every split so that dotted keys deeper down are found too; names are
/// case-sensitive (research decision 5). Arrays along the path are searched element by
/// element (the first element that has the rest of the path). No allocation.
#[must_use]
pub fn field<'a, D: Doc>(event: &'a D, name: &str) -> Option<&'a D> {
    field_at(event, name, 0)
}

/// The top-level keys [`field`] tries for `name` besides `name` itself: the part before each
/// dot (`a.b.c`: `a`, `a.b`).
pub fn prefixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(move |(at, _)| &name[..at])
}

fn field_at<'a, D: Doc>(v: &'a D, name: &str, depth: usize) -> Option<&'a D> {
    if depth > 32 {
        return None;
    }
    if let Some(a) = v.elements() {
        return a.iter().find_map(|x| field_at(x, name, depth + 1));
    }
    if let Some(x) = v.member(name) {
        return Some(x);
    }
    for i in Dots::new(name.as_bytes()) {
        if let Some(x) = v.member(&name[..i])
            && let Some(found) = field_at(x, &name[i + 1..], depth + 1)
        {
            return Some(found);
        }
    }
    None
}

/// The offsets of the dots in a name, in order, found eight bytes at a time: a lookup
/// that misses its literal key looks for dots in the whole name, and doing that a byte at a
/// time was a third of the time spent in lookups.
struct Dots<'n> {
    name: &'n [u8],
    /// Where the current eight bytes start.
    base: usize,
    /// The high bit of each byte of the current eight bytes that is a dot.
    found: u64,
}

impl<'n> Dots<'n> {
    fn new(name: &'n [u8]) -> Dots<'n> {
        Dots {
            name,
            base: 0,
            found: Self::flags(name),
        }
    }

    /// The dots among the first eight bytes of `b` (zeros stand for the bytes past its end).
    #[inline(always)]
    fn flags(b: &[u8]) -> u64 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        // (The copy only for the last few bytes: as a loop it was a call to `memcpy`.)
        let w = match b.first_chunk::<8>() {
            Some(w) => *w,
            None => {
                let mut w = [0u8; 8];
                for (to, from) in w.iter_mut().zip(b) {
                    *to = *from;
                }
                w
            }
        };
        let x = u64::from_le_bytes(w) ^ (LOW7 / 0x7f * u64::from(b'.'));
        // Exactly the zero bytes of `x` (no carry crosses a byte: the sum is within seven
        // bits before the high one is set).
        !(((x & LOW7) + LOW7) | x) & !LOW7
    }
}

impl Iterator for Dots<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.found == 0 {
            self.base += 8;
            if self.base >= self.name.len() {
                return None;
            }
            self.found = Self::flags(&self.name[self.base..]);
        }
        let at = self.base + self.found.trailing_zeros() as usize / 8;
        self.found &= self.found - 1;
        Some(at)
    }
}

/// The top-level keys [`product`] and [`normalise`] read.
pub const SHAPE_KEYS: [&str; 19] = [
    "eventSource",
    "eventName",
    "userIdentity",
    "eventVersion",
    "protoPayload",
    "logName",
    "eventType",
    "eventtype",
    "actor",
    "published",
    "outcome",
    "auditType",
    "type",
    "author",
    "action",
    "@timestamp",
    "org",
    "repo",
    "attributes",
];

/// The product an event comes from, by its shape: `aws` (CloudTrail), `github`, `okta`,
/// `gcp`, `bitbucket`, `atlassian` (organisation audit log), or `None`.
#[must_use]
pub fn product<D: Doc>(e: &D) -> Option<&'static str> {
    let has = |k: &str| e.member(k).is_some();
    if has("eventSource") && has("eventName") && (has("userIdentity") || has("eventVersion")) {
        return Some("aws");
    }
    if has("protoPayload")
        || e.member("logName")
            .and_then(D::text)
            .is_some_and(|l| l.contains("cloudaudit"))
    {
        return Some("gcp");
    }
    // (`eventtype`: collectors that lower-case keys; the built-in mappings read it.)
    if (has("eventType") || has("eventtype"))
        && has("actor")
        && (has("published") || has("outcome"))
    {
        return Some("okta");
    }
    if has("auditType") || bitbucket_api_shape(e) {
        return Some("bitbucket");
    }
    if has("action")
        && (has("actor") || has("@timestamp") || has("org") || has("repo"))
        && !has("attributes")
    {
        return Some("github");
    }
    if e.member("attributes")
        .and_then(|a| a.member("action"))
        .is_some()
        || e.member("type").and_then(D::text) == Some("events")
    {
        return Some("atlassian");
    }
    None
}

/// A Bitbucket Data Center audit event as its REST API returns it: `type` (not the log
/// file's `auditType`) holds the category and action.
fn bitbucket_api_shape<D: Doc>(e: &D) -> bool {
    e.member("type")
        .is_some_and(|t| t.member("action").is_some() && t.member("category").is_some())
        && e.member("author").is_some()
}

/// The adapter's normalisation of an event before rules see it: a Bitbucket audit event
/// from the REST API gets `auditType` (a copy of its `type`), so that rules written for the
/// audit log file (as SigmaHQ's are) read both. Whether it changed the event.
pub fn normalise(e: &mut Node<'_>) -> bool {
    if bitbucket_api_shape(e)
        && e.get("auditType").is_none()
        && let Some(t) = e.get("type").cloned()
        && let Node::Obj(m) = e
    {
        m.push((std::borrow::Cow::Borrowed("auditType"), t));
        return true;
    }
    false
}

/// Products this engine recognises by shape: rules for them run only on their events.
pub const KNOWN_PRODUCTS: [&str; 6] = ["aws", "gcp", "okta", "bitbucket", "github", "atlassian"];

/// The event's time field, by source: CloudTrail `eventTime`, GitHub `@timestamp` /
/// `created_at`, Okta `published`, GCP `timestamp`; else the first of `timestamp`,
/// `@timestamp`, `eventTime`, `time`, or `time_field` when given.
#[must_use]
pub fn time<'a, D: Doc>(e: &'a D, time_field: Option<&str>) -> Option<&'a D> {
    if let Some(f) = time_field {
        return field(e, f);
    }
    TIME_KEYS
        .iter()
        .find_map(|k| e.member(k))
        // The Atlassian organisation audit log keeps it under `attributes`.
        .or_else(|| e.member("attributes").and_then(|a| a.member("time")))
}

/// The top-level keys an event's time is looked for under (then `attributes.time`).
pub const TIME_KEYS: [&str; 7] = [
    "eventTime",
    "@timestamp",
    "created_at",
    "published",
    "timestamp",
    "time",
    "receiveTimestamp",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    proptest::proptest! {
        #[test]
        fn dots_are_found_where_they_are(name in "[a./é\u{ae}\u{0}]{0,40}") {
            let want: Vec<usize> = name.match_indices('.').map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(Dots::new(name.as_bytes()).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn lookup_prefers_the_literal_key_then_the_path() {
        let e = json!({"a.b": 1, "a": {"b": 2, "c.d": 3, "e": [{"f": 4}, {"g": 5}]}});
        assert_eq!(field(&e, "a.b"), Some(&json!(1)));
        assert_eq!(field(&e, "a.c.d"), Some(&json!(3)));
        assert_eq!(field(&e, "a.e.g"), Some(&json!(5)));
        assert_eq!(field(&e, "A.b"), None);
        assert_eq!(field(&e, "a.x"), None);
    }

    /// Every shape [`product`] and [`normalise`] tell apart, each by the fewest keys it
    /// takes: with only [`SHAPE_KEYS`] kept, the same product and the same normalisation.
    #[test]
    fn the_shape_keys_are_all_that_product_and_normalise_read() {
        let keep = crate::node::KeySet::new(SHAPE_KEYS);
        for v in [
            json!({"eventSource": "s", "eventName": "n", "userIdentity": {}, "x": 1}),
            json!({"eventSource": "s", "eventName": "n", "eventVersion": "1.08", "x": 1}),
            json!({"protoPayload": {}, "x": 1}),
            json!({"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity", "x": 1}),
            json!({"eventType": "user.session.start", "actor": {}, "published": "t", "x": 1}),
            json!({"eventtype": "user.session.start", "actor": {}, "outcome": {}, "x": 1}),
            json!({"auditType": {"action": "a"}, "x": 1}),
            json!({"type": {"category": "c", "action": "a"}, "author": {"name": "n"}, "x": 1}),
            json!({"action": "org.add_member", "actor": "a", "x": 1}),
            json!({"action": "repo.create", "@timestamp": 1, "x": 1}),
            json!({"action": "repo.create", "org": "o", "x": 1}),
            json!({"action": "repo.create", "repo": "o/r", "x": 1}),
            json!({"action": "a", "actor": "a", "attributes": {}, "x": 1}),
            json!({"attributes": {"action": "user_login"}, "x": 1}),
            json!({"type": "events", "x": 1}),
            json!({"x": 1}),
        ] {
            let raw = v.to_string();
            let mut full = Node::parse(raw.as_bytes()).unwrap();
            let mut kept = Node::parse_eager(
                raw.as_bytes(),
                &crate::node::Eager::NONE,
                Some(&keep),
                Vec::new(),
            )
            .unwrap();
            assert!(kept.get("x").is_none());
            assert_eq!(product(&full), product(&kept), "{v}");
            assert_eq!(normalise(&mut full), normalise(&mut kept), "{v}");
            assert_eq!(
                full.get("auditType").map(Node::compact),
                kept.get("auditType").map(Node::compact)
            );
        }
    }

    #[test]
    fn products_by_shape() {
        assert_eq!(
            product(&json!({"eventSource": "s", "eventName": "n", "userIdentity": {}})),
            Some("aws")
        );
        assert_eq!(
            product(&json!({"action": "org.add_member", "actor": "x"})),
            Some("github")
        );
        assert_eq!(
            product(&json!({"eventType": "user.session.start", "actor": {}, "outcome": {}})),
            Some("okta")
        );
        assert_eq!(
            product(
                &json!({"eventType": "system.mfa.factor.deactivate", "actor": {}, "published": "2022-03-22 14:21:53.225"})
            ),
            Some("okta")
        );
        assert_eq!(product(&json!({"x": 1})), None);
        let api = json!({"type": {"category": "Users and groups", "action": "User created"}, "author": {"name": "admin"}});
        assert_eq!(product(&api), Some("bitbucket"));
        let mut n = Node::from_value(&api);
        assert!(normalise(&mut n));
        assert_eq!(
            field(&n, "auditType.action").and_then(Node::as_str),
            Some("User created")
        );
        let other = json!({"type": "events", "attributes": {"action": "user_login", "time": "2022-12-15T00:35:15.890Z"}});
        let mut n = Node::from_value(&other);
        assert!(!normalise(&mut n));
        assert!(n.get("auditType").is_none());
        assert_eq!(product(&other), Some("atlassian"));
        assert_eq!(time(&other, None), Some(&json!("2022-12-15T00:35:15.890Z")));
    }
}
