//! Atlassian organisation audit log activities, by name.
//!
//! The organisation audit log records each event's activity as a key
//! (`attributes.action`, e.g. `user_logged_in_as_user`). Atlassian documents the activities
//! by their display names (Atlassian Administration's audit log, "Audit log activities
//! database"), and gives the keys behind the names only through each organisation's
//! event-actions API (`GET https://api.atlassian.com/admin/v1/orgs/{orgId}/event-actions`,
//! `{"data": [{"id": KEY, "attributes": {"displayName": NAME}}]}`).
//!
//! So a rule for the Atlassian audit log (`logsource: product: atlassian`) may name an
//! activity by its display name, in the Sigma field [`ACTIVITY`], with any value modifier
//! (`activity|contains: two-step verification`). Given the organisation's catalogue
//! ([`EventActions`], `--atlassian-event-actions FILE`), each such condition is resolved when
//! the rules load: the names it matches give the keys, and the rule also matches an event
//! whose [`ACTION`] is one of them. Nothing is done per event. Without a catalogue such a
//! condition holds only for events that carry the name themselves.

use serde_json::Value;

/// The Sigma field an activity's display name is matched in.
pub const ACTIVITY: &str = "activity";

/// The field the organisation audit log records the activity's key in.
pub const ACTION: &str = "attributes.action";

/// Most activities a catalogue may hold (Atlassian lists several hundred).
const MAX_ACTIONS: usize = 100_000;

/// An organisation's catalogue of activities: key → display name, in the file's order.
#[derive(Debug, Default, Clone)]
pub struct EventActions {
    actions: Vec<(String, String)>,
}

impl EventActions {
    /// Parse a catalogue: the event-actions API's response as saved (one page, pages one
    /// after the other or as a JSON array, or a JSON array of its `data` items), or a YAML
    /// or JSON map of key → display name.
    ///
    /// # Errors
    /// A reason naming the item that is not an activity, or when there is none.
    pub fn parse(text: &str) -> Result<EventActions, String> {
        let mut out = EventActions::default();
        let mut seen = std::collections::HashSet::new();
        let mut add = |key: &str, name: &str| -> Result<(), String> {
            if seen.insert(key.to_owned()) {
                if out.actions.len() == MAX_ACTIONS {
                    return Err(format!("more than {MAX_ACTIONS} activities"));
                }
                out.actions.push((key.to_owned(), name.to_owned()));
            }
            Ok(())
        };
        let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .collect();
        match values {
            Ok(values) if !values.is_empty() => {
                let mut item_no = 0usize;
                let mut items = Vec::new();
                for v in &values {
                    pages(v, &mut items)?;
                }
                for item in items {
                    item_no += 1;
                    let (key, name) = activity(item)
                        .ok_or_else(|| format!("item {item_no}: not an event action (`id` and `attributes.displayName`, both text)"))?;
                    add(key, name)?;
                }
            }
            _ => {
                // A map of key → display name (YAML, or JSON that the stream refused).
                const NEITHER: &str =
                    "neither the event-actions API's response nor a map of key → display name";
                let v = crate::rule::yaml(text).map_err(|e| format!("{NEITHER} ({e})"))?;
                let map = v.as_object().ok_or(NEITHER)?;
                for (key, name) in map {
                    let name = name
                        .as_str()
                        .ok_or_else(|| format!("`{key}`: the display name must be text"))?;
                    add(key, name)?;
                }
            }
        }
        if out.actions.is_empty() {
            return Err("no event actions in it".to_owned());
        }
        Ok(out)
    }

    /// The display name of the activity with this key.
    #[must_use]
    pub fn name(&self, key: &str) -> Option<&str> {
        self.actions
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| n.as_str())
    }

    /// A finding on an Atlassian organisation audit event shows its activity by name: in
    /// `data.activity`, and before its summary (`Added user to group: group_member_added by
    /// …`).
    pub fn name_in(&self, f: &mut vendorsec_core::Finding, event: &Value) {
        let Some(name) = crate::event::field(event, ACTION)
            .and_then(Value::as_str)
            .and_then(|k| self.name(k))
        else {
            return;
        };
        if crate::event::product(event) != Some("atlassian") {
            return;
        }
        f.data.insert("activity".into(), Value::from(name));
        f.evidence = format!("{name}: {}", f.evidence);
    }

    /// Key and display name of each activity.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.actions.iter().map(|(k, n)| (k.as_str(), n.as_str()))
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// The activities of one saved value: a page (`{"data": [...]}`), an array of pages or of
/// items, or an item.
fn pages<'v>(v: &'v Value, out: &mut Vec<&'v Value>) -> Result<(), String> {
    match v {
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(items)) => out.extend(items),
            Some(_) => return Err("`data` is not a list".to_owned()),
            None if o.contains_key("id") => out.push(v),
            None => return Err("a JSON object without `data`".to_owned()),
        },
        Value::Array(a) => {
            for x in a {
                match x {
                    Value::Object(o) if o.contains_key("data") => pages(x, out)?,
                    _ => out.push(x),
                }
            }
        }
        _ => return Err("not the event-actions API's response".to_owned()),
    }
    Ok(())
}

/// An item's key and display name.
fn activity(item: &Value) -> Option<(&str, &str)> {
    let key = item.get("id")?.as_str()?;
    let name = item.get("attributes")?.get("displayName")?.as_str()?;
    (!key.is_empty()).then_some((key, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_in_every_saved_form() {
        let page = r#"{"data": [{"id": "user_added_to_group", "type": "event-actions", "attributes": {"displayName": "Added user to group", "groupDisplayNames": ["Groups"]}}], "links": {}, "meta": {"total": 1}}"#;
        let p = EventActions::parse(page).unwrap();
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            [("user_added_to_group", "Added user to group")]
        );
        // Pages one after the other (a loop appending each), or as an array; duplicates once.
        let two = format!(
            "{page}\n{}",
            page.replace("user_added_to_group", "group_created")
        );
        assert_eq!(EventActions::parse(&two).unwrap().len(), 2);
        assert_eq!(
            EventActions::parse(&format!("[{page},{page}]"))
                .unwrap()
                .len(),
            1
        );
        // The `data` items alone, and a map written by hand (YAML).
        let items = r#"[{"id": "a", "attributes": {"displayName": "A"}}]"#;
        assert_eq!(EventActions::parse(items).unwrap().len(), 1);
        let map = EventActions::parse("user_login: Logged in\nuser_logout: Logged out\n").unwrap();
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [("user_login", "Logged in"), ("user_logout", "Logged out")]
        );
        // Not a catalogue: a reason each.
        for (bad, why) in [
            ("", "neither"),
            ("{}", "without `data`"),
            (r#"{"data": {}}"#, "not a list"),
            (r#"{"data": []}"#, "no event actions"),
            (r#"{"data": [{"id": 1}]}"#, "item 1"),
            ("42", "not the event-actions"),
            ("a: [1]", "must be text"),
            ("[not json", "neither"),
        ] {
            let e = EventActions::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    proptest::proptest! {
        /// Any text is a catalogue or a reason; a saved page gives back its activities, each
        /// key once, in order.
        #[test]
        fn catalogues_parse_or_are_refused(
            text in "\\PC{0,200}",
            items in proptest::collection::vec(("[a-z_]{1,12}", "\\PC{0,20}"), 1..20),
        ) {
            let _ = EventActions::parse(&text);
            let data: Vec<Value> = items
                .iter()
                .map(|(k, n)| serde_json::json!({"id": k, "attributes": {"displayName": n}}))
                .collect();
            let page = serde_json::json!({"data": data}).to_string();
            let got = EventActions::parse(&page).unwrap();
            let mut want: Vec<(&str, &str)> = Vec::new();
            for (k, n) in &items {
                if !want.iter().any(|(w, _)| w == k) {
                    want.push((k, n));
                }
            }
            proptest::prop_assert_eq!(got.iter().collect::<Vec<_>>(), want);
        }
    }
}
