//! Maven's `ComparableVersion` ordering (maven-artifact), written from its documented
//! rules: items split on `.`, `-` and digit/letter transitions; `-` opens a sub-list;
//! trailing null items (0, "", ga, final, release) are dropped; qualifiers order
//! alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp, and
//! unknown qualifiers sort after those, lexically.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Digits with leading zeros stripped ("" is zero).
    Int(String),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn qualifier_key(q: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|x| *x == q) {
        Some(i) => (i, ""),
        None => (QUALIFIERS.len(), q),
    }
}

fn int_cmp(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Item {
    fn string(s: &str, followed_by_digit: bool) -> Item {
        let s = if followed_by_digit && s.len() == 1 {
            match s {
                "a" => "alpha",
                "b" => "beta",
                "m" => "milestone",
                other => other,
            }
        } else {
            s
        };
        let s = match s {
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            other => other,
        };
        Item::Str(s.to_owned())
    }

    fn int(digits: &str) -> Item {
        Item::Int(digits.trim_start_matches('0').to_owned())
    }

    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(s) => s.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }

    /// Compare with an absent item (the shorter side of a comparison).
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(d) => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => qualifier_key(s).cmp(&qualifier_key("")),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_null),
        }
    }

    fn compare(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => int_cmp(a, b),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => qualifier_key(a).cmp(&qualifier_key(b)),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => list_cmp(a, b),
        }
    }
}

fn list_cmp(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let o = match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.compare(r),
            (Some(l), None) => l.cmp_null(),
            (None, Some(r)) => r.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn normalize(list: &mut Vec<Item>) {
    // From the end: null items go; a non-null list is stepped over (nulls before it go
    // too); any other non-null item stops the trimming.
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// Parse into nested lists. Sub-lists are built on a stack of vectors: each `-` (and each
/// digit/letter transition) opens a new list inside the current one.
fn parse(version: &str) -> Vec<Item> {
    let v = version.to_lowercase();
    let bytes: Vec<char> = v.chars().collect();
    // stack[0] is the top list; each later entry is a list nested in the previous.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0usize;
    let text = |from: usize, to: usize| -> String { bytes[from..to].iter().collect() };
    let push_item = |stack: &mut Vec<Vec<Item>>, item: Item| {
        if let Some(top) = stack.last_mut() {
            top.push(item);
        }
    };
    let open_list = |stack: &mut Vec<Vec<Item>>| stack.push(Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == '.' {
            if i == start {
                push_item(&mut stack, Item::Int(String::new()));
            } else {
                let s = text(start, i);
                push_item(&mut stack, parse_item(is_digit, &s));
            }
            start = i + 1;
        } else if c == '-' {
            // `1-ga-1` is `1-1`: a release qualifier between two dashes followed by a
            // number carries nothing (Maven's "X-1 is X1" combination with a null X).
            if !is_digit
                && i > start
                && bytes.get(i + 1).is_some_and(char::is_ascii_digit)
                && Item::string(&text(start, i), false).is_null()
                && start > 0
                && bytes[start - 1] == '-'
            {
                start = i + 1;
                i += 1;
                continue;
            }
            if i == start {
                push_item(&mut stack, Item::Int(String::new()));
            } else {
                let s = text(start, i);
                push_item(&mut stack, parse_item(is_digit, &s));
            }
            start = i + 1;
            open_list(&mut stack);
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                let s = text(start, i);
                push_item(&mut stack, Item::string(&s, true));
                start = i;
                open_list(&mut stack);
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                let s = text(start, i);
                push_item(&mut stack, parse_item(true, &s));
                start = i;
                open_list(&mut stack);
            }
            is_digit = false;
        }
        i += 1;
    }
    if bytes.len() > start {
        let s = text(start, bytes.len());
        push_item(&mut stack, parse_item(is_digit, &s));
    }
    // Close the nested lists innermost first, normalising each.
    while stack.len() > 1 {
        let mut inner = stack.pop().unwrap_or_default();
        normalize(&mut inner);
        if let Some(parent) = stack.last_mut() {
            parent.push(Item::List(inner));
        }
    }
    let mut top = stack.pop().unwrap_or_default();
    normalize(&mut top);
    top
}

fn parse_item(is_digit: bool, s: &str) -> Item {
    if is_digit {
        Item::int(s)
    } else {
        Item::string(s, false)
    }
}

/// Compare two Maven versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    list_cmp(&parse(a.trim()), &parse(b.trim()))
}
