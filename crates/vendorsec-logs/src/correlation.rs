//! Sigma correlation rules (v2.1): `event_count`, `value_count`, `temporal` and
//! `temporal_ordered` over the matches of base rules, grouped by fields (with `aliases`),
//! within a `timespan`, each event timed by its source's time field.
//!
//! Conditions `gt`, `gte` and `eq` alone fire when the matching event arrives (a sliding
//! window; once per group and window: the group's window starts afresh after firing). With
//! `lt`, `lte` or `neq` (too few events: an absence) the windows are tumbling and judged when
//! they close — when a later event of the group falls outside, when [`Engine::flush_before`]
//! passes their end, or at [`Engine::flush`] — and only groups that had at least one event
//! are known.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::event;
use crate::matcher::scalar_text;
use crate::rule::LoadError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    /// The sum, mean or a percentile of a numeric field's values in the window (v2.1).
    ValueSum,
    ValueAvg,
    ValuePercentile,
}

impl Kind {
    /// Whether the condition compares a metric of the window (not temporal proximity).
    #[must_use]
    pub fn metric(self) -> bool {
        !matches!(self, Kind::Temporal | Kind::TemporalOrdered)
    }
}

/// A correlation that loaded.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub title: String,
    pub id: String,
    pub name: String,
    pub level: String,
    pub path: String,
    pub kind: Kind,
    /// Referenced rules, by `name` or `id`, resolved to base-rule indexes by the caller.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    /// Seconds.
    pub timespan: f64,
    /// (operator, value) pairs, ANDed.
    pub condition: Vec<(String, f64)>,
    /// `value_count`, `value_sum`, `value_avg`, `value_percentile`: the field whose values
    /// are counted or aggregated.
    pub field: Option<String>,
    /// `value_percentile`: which percentile (1–100) of the values is compared.
    pub percentile: Option<f64>,
    /// alias -> (rule name -> field).
    pub aliases: HashMap<String, HashMap<String, String>>,
    /// `generate: true`: the referenced rules' own matches are reported too.
    pub generate: bool,
}

fn timespan(s: &str) -> Option<f64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: f64 = n.parse().ok()?;
    Some(
        n * match unit {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 604_800.0,
            _ => return None,
        },
    )
}

impl Correlation {
    /// Parse a correlation document (already known to have a `correlation` key).
    ///
    /// # Errors
    /// A [`LoadError`] naming what is wrong.
    pub fn parse(path: &str, line: u64, v: &Value) -> Result<Correlation, LoadError> {
        let err = |reason: String| LoadError {
            path: path.to_owned(),
            line,
            reason,
        };
        let s = |k: &str| v.get(k).and_then(scalar_text).unwrap_or_default();
        let c = v
            .get("correlation")
            .and_then(Value::as_object)
            .ok_or_else(|| err("`correlation` is not a map".into()))?;
        let kind = match c.get("type").and_then(Value::as_str) {
            Some("event_count") => Kind::EventCount,
            Some("value_count") => Kind::ValueCount,
            Some("temporal") => Kind::Temporal,
            Some("temporal_ordered") => Kind::TemporalOrdered,
            Some("value_sum") => Kind::ValueSum,
            Some("value_avg") => Kind::ValueAvg,
            Some("value_percentile") => Kind::ValuePercentile,
            Some(t) => return Err(err(format!("unknown correlation type `{t}`"))),
            None => return Err(err("correlation without `type`".into())),
        };
        let list = |k: &str| -> Vec<String> {
            match c.get(k) {
                Some(Value::Array(a)) => a.iter().filter_map(scalar_text).collect(),
                Some(x) => scalar_text(x).into_iter().collect(),
                None => Vec::new(),
            }
        };
        let rules = list("rules");
        if rules.is_empty() {
            return Err(err("correlation without `rules`".into()));
        }
        let span = c
            .get("timespan")
            .or_else(|| c.get("timeframe"))
            .and_then(scalar_text)
            .ok_or_else(|| err("correlation without `timespan`".into()))?;
        let timespan = timespan(&span).ok_or_else(|| {
            err(format!(
                "bad timespan `{span}` (a number and s, m, h, d or w)"
            ))
        })?;
        let mut condition = Vec::new();
        let mut field = None;
        let mut percentile = None;
        if let Some(cond) = c.get("condition").and_then(Value::as_object) {
            for (k, x) in cond {
                if k == "field" {
                    field = scalar_text(x);
                    continue;
                }
                if k == "percentile" {
                    percentile = Some(
                        scalar_text(x)
                            .and_then(|t| t.parse::<f64>().ok())
                            .filter(|p| *p > 0.0 && *p <= 100.0)
                            .ok_or_else(|| {
                                err("`percentile` takes a number from 1 to 100".into())
                            })?,
                    );
                    continue;
                }
                if !["gt", "gte", "eq", "lt", "lte", "neq"].contains(&k.as_str()) {
                    return Err(err(format!("unknown condition operator `{k}`")));
                }
                if ["lt", "lte", "neq"].contains(&k.as_str()) && !kind.metric() {
                    return Err(err(format!(
                        "condition `{k}` applies to event_count and the value_* types only"
                    )));
                }
                let n = scalar_text(x)
                    .and_then(|t| t.parse::<f64>().ok())
                    .ok_or_else(|| err(format!("condition `{k}` takes a number")))?;
                condition.push((k.clone(), n));
            }
        } else if kind.metric() {
            return Err(err(
                "event_count and the value_* types need a `condition`".into()
            ));
        }
        if kind.metric() && kind != Kind::EventCount && field.is_none() {
            return Err(err("the value_* types need `condition.field`".into()));
        }
        if kind.metric() && condition.is_empty() {
            return Err(err(
                "the condition has no operator (gt, gte, eq, lt, lte, neq)".into(),
            ));
        }
        if kind == Kind::ValuePercentile && percentile.is_none() {
            return Err(err("value_percentile needs `condition.percentile`".into()));
        }
        let mut aliases = HashMap::new();
        if let Some(a) = c.get("aliases").and_then(Value::as_object) {
            for (alias, per) in a {
                let m: HashMap<String, String> = per
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter_map(|(r, f)| Some((r.clone(), scalar_text(f)?)))
                            .collect()
                    })
                    .unwrap_or_default();
                aliases.insert(alias.clone(), m);
            }
        }
        Ok(Correlation {
            title: s("title"),
            id: s("id"),
            name: s("name"),
            level: s("level").to_ascii_lowercase(),
            path: path.to_owned(),
            kind,
            rules,
            group_by: list("group-by"),
            timespan,
            condition,
            field,
            percentile,
            aliases,
            generate: c.get("generate").and_then(Value::as_bool) == Some(true),
        })
    }

    fn satisfied(&self, n: f64) -> bool {
        self.condition.iter().all(|(op, v)| match op.as_str() {
            "gt" => n > *v,
            "gte" => n >= *v,
            "eq" => (n - *v).abs() < f64::EPSILON,
            "lt" => n < *v,
            "lte" => n <= *v,
            "neq" => (n - *v).abs() >= f64::EPSILON,
            _ => false,
        })
    }

    /// Judged when a window closes (an absence condition is present).
    #[must_use]
    pub fn windowed(&self) -> bool {
        self.condition
            .iter()
            .any(|(op, _)| matches!(op.as_str(), "lt" | "lte" | "neq"))
    }
}

/// Seconds since the epoch of an event time: ISO 8601 / RFC 3339 (`2024-08-02T08:53:24Z`,
/// `2021-05-20 15:53:47Z`, fractions and offsets), epoch seconds or milliseconds, or an
/// `{epochSecond, nano}` object.
#[must_use]
pub fn seconds(v: &Value) -> Option<f64> {
    // Bitbucket's audit log file: `{"epochSecond": 1638034465, "nano": 313000000}`.
    if let Some(s) = v.get("epochSecond").and_then(Value::as_f64) {
        return Some(s + v.get("nano").and_then(Value::as_f64).unwrap_or(0.0) / 1e9);
    }
    if let Some(n) = v.as_f64() {
        return Some(if n > 1e11 { n / 1000.0 } else { n });
    }
    seconds_text(v.as_str()?)
}

/// [`seconds`] of a text: ISO 8601 / RFC 3339 or epoch seconds or milliseconds.
#[must_use]
pub fn seconds_text(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(if n > 1e11 { n / 1000.0 } else { n });
    }
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |a: usize, z: usize| -> Option<i64> { s.get(a..z)?.parse().ok() };
    let (y, mo, d, h, mi, se) = (
        num(0, 4)?,
        num(5, 7)?,
        num(8, 10)?,
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
    );
    let mut rest = &s[19..];
    let mut frac = 0.0;
    if let Some(r) = rest.strip_prefix('.') {
        let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
        frac = format!("0.{digits}").parse().unwrap_or(0.0);
        rest = &r[digits.len()..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        o if o.len() >= 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o.get(1..3)?.parse::<i64>().ok()? * 3600
                + o.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    let days = {
        let y = if mo <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    };
    Some((days * 86_400 + h * 3600 + mi * 60 + se - offset) as f64 + frac)
}

/// A correlation that fired.
#[derive(Debug, Clone)]
pub struct Fired {
    pub correlation: usize,
    /// The group's values, `field=value` joined.
    pub group: String,
    /// Events in the window.
    pub count: usize,
    /// What satisfied the condition: the count of events or distinct values, the sum, the
    /// mean or the percentile (the number of rules for temporal types).
    pub metric: f64,
    /// Event times (seconds) of the window.
    pub first: f64,
    pub last: f64,
    /// For a window judged when it closed: where its last event was (log, line).
    pub place: Option<(String, u64)>,
}

#[derive(Debug, Default)]
struct Group {
    /// Event times (and values for value_count) inside the window.
    times: VecDeque<(f64, String)>,
    /// Latest time per referenced rule (temporal).
    latest: HashMap<usize, f64>,
    /// Tumbling windows: where the last event was.
    place: Option<(String, u64)>,
}

/// Judge a tumbling window that closed, and empty it.
fn close(ci: usize, c: &Correlation, key: &str, g: &mut Group) -> Option<Fired> {
    let m = metric(c, &g.times);
    let n = g.times.len();
    let first = g.times.front().map_or(0.0, |x| x.0);
    let last = g.times.back().map_or(0.0, |x| x.0);
    g.times.clear();
    c.satisfied(m).then(|| Fired {
        correlation: ci,
        group: key.to_owned(),
        count: n,
        metric: m,
        first,
        last,
        place: g.place.take(),
    })
}

/// The window's metric: events, distinct values, or the sum, mean or percentile (nearest
/// rank) of the values, which are numbers (events whose value is not are never kept).
#[allow(clippy::cast_precision_loss)]
fn metric(c: &Correlation, times: &VecDeque<(f64, String)>) -> f64 {
    let nums = || times.iter().filter_map(|x| x.1.parse::<f64>().ok());
    match c.kind {
        Kind::ValueCount => {
            let mut vals: Vec<&str> = times.iter().map(|x| x.1.as_str()).collect();
            vals.sort_unstable();
            vals.dedup();
            vals.len() as f64
        }
        Kind::ValueSum => nums().sum(),
        Kind::ValueAvg => {
            if times.is_empty() {
                0.0
            } else {
                nums().sum::<f64>() / times.len() as f64
            }
        }
        Kind::ValuePercentile => {
            let mut v: Vec<f64> = nums().collect();
            if v.is_empty() {
                return 0.0;
            }
            v.sort_by(f64::total_cmp);
            let p = c.percentile.unwrap_or(100.0);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let rank = ((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len());
            v[rank - 1]
        }
        Kind::EventCount | Kind::Temporal | Kind::TemporalOrdered => times.len() as f64,
    }
}

/// Correlation state over a stream of base-rule matches.
#[derive(Debug)]
pub struct Engine {
    correlations: Vec<Correlation>,
    /// For each correlation, the base-rule indexes it references, in order.
    refs: Vec<Vec<usize>>,
    state: Vec<HashMap<String, Group>>,
    /// Bound on groups per correlation (the oldest are dropped beyond it).
    max_groups: usize,
    /// The latest event time fed (seconds).
    latest: f64,
    /// Matches of the correlations' rules left out for want of a time.
    untimed: u64,
}

impl Engine {
    /// `resolve` maps a rule reference (name or id) to base-rule indexes.
    ///
    /// # Errors
    /// A reference that names no loaded rule.
    pub fn new(
        correlations: Vec<Correlation>,
        resolve: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<Engine, LoadError> {
        let mut refs = Vec::new();
        for c in &correlations {
            let mut r = Vec::new();
            for name in &c.rules {
                r.push(resolve(name).ok_or_else(|| LoadError {
                    path: c.path.clone(),
                    line: 0,
                    reason: format!("correlation `{}` references `{name}`, which no loaded rule has as name or id", c.title),
                })?);
            }
            refs.push(r);
        }
        let n = correlations.len();
        Ok(Engine {
            correlations,
            refs,
            state: (0..n).map(|_| HashMap::new()).collect(),
            max_groups: 100_000,
            latest: f64::NEG_INFINITY,
            untimed: 0,
        })
    }

    /// How many matches of rules that correlations use had no time they could be placed
    /// at (no time field, or not a time), and were left out of every window.
    #[must_use]
    pub fn untimed(&self) -> u64 {
        self.untimed
    }

    #[must_use]
    pub fn correlations(&self) -> &[Correlation] {
        &self.correlations
    }

    fn label(c: &Correlation) -> String {
        if c.name.is_empty() {
            c.title.clone()
        } else {
            c.name.clone()
        }
    }

    /// The state of every group, as JSON (for a checkpoint).
    #[must_use]
    pub fn export(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (c, groups) in self.correlations.iter().zip(&self.state) {
            let mut gm = serde_json::Map::new();
            for (k, g) in groups {
                let times: Vec<Value> = g
                    .times
                    .iter()
                    .map(|(t, v)| serde_json::json!([t, v]))
                    .collect();
                let latest: serde_json::Map<String, Value> = g
                    .latest
                    .iter()
                    .map(|(i, t)| (i.to_string(), Value::from(*t)))
                    .collect();
                gm.insert(
                    k.clone(),
                    serde_json::json!({"times": times, "latest": latest, "place": g.place}),
                );
            }
            out.insert(Self::label(c), Value::Object(gm));
        }
        Value::Object(out)
    }

    /// Restore what [`Engine::export`] wrote (unknown correlations and bad entries are
    /// ignored).
    pub fn import(&mut self, v: &Value) {
        for (ci, c) in self.correlations.iter().enumerate() {
            let Some(groups) = v.get(Self::label(c)).and_then(Value::as_object) else {
                continue;
            };
            for (k, g) in groups.iter().take(self.max_groups) {
                let mut group = Group::default();
                for t in g
                    .get("times")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let (Some(at), Some(val)) = (
                        t.get(0).and_then(Value::as_f64),
                        t.get(1).and_then(Value::as_str),
                    ) {
                        group.times.push_back((at, val.to_owned()));
                    }
                }
                for (i, t) in g
                    .get("latest")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let (Ok(i), Some(t)) = (i.parse::<usize>(), t.as_f64())
                        && i < self.refs[ci].len()
                    {
                        group.latest.insert(i, t);
                    }
                }
                group.place = g
                    .get("place")
                    .and_then(Value::as_array)
                    .and_then(|p| Some((p.first()?.as_str()?.to_owned(), p.get(1)?.as_u64()?)));
                self.state[ci].insert(k.clone(), group);
            }
        }
    }

    /// Close every tumbling window whose end is before `t` (seconds) and judge it.
    pub fn flush_before(&mut self, t: f64) -> Vec<Fired> {
        let mut out = Vec::new();
        for (ci, c) in self.correlations.iter().enumerate() {
            if !c.windowed() {
                continue;
            }
            for (k, g) in &mut self.state[ci] {
                if g.times.front().is_some_and(|x| x.0 + c.timespan < t) {
                    out.extend(close(ci, c, k, g));
                }
            }
        }
        out
    }

    /// The latest event time fed, in seconds (for [`Engine::flush_before`] while following).
    #[must_use]
    pub fn latest(&self) -> f64 {
        self.latest
    }

    /// Close and judge every open tumbling window (the end of the input).
    pub fn flush(&mut self) -> Vec<Fired> {
        self.flush_before(f64::INFINITY)
    }

    /// Whether any correlation references this base rule.
    #[must_use]
    pub fn uses(&self, rule: usize) -> bool {
        self.refs.iter().any(|r| r.contains(&rule))
    }

    /// Whether a base rule's own matches are reported: not when only correlations without
    /// `generate: true` reference it.
    #[must_use]
    pub fn reports(&self, rule: usize) -> bool {
        self.refs
            .iter()
            .zip(&self.correlations)
            .filter(|(r, _)| r.contains(&rule))
            .all(|(_, c)| c.generate)
    }

    fn field_for(&self, ci: usize, rule_name: &str, field: &str) -> String {
        self.correlations[ci]
            .aliases
            .get(field)
            .and_then(|m| m.get(rule_name))
            .cloned()
            .unwrap_or_else(|| field.to_owned())
    }

    /// Feed one base-rule match; returns the correlations it completes.
    pub fn feed(
        &mut self,
        rule: usize,
        rule_name: &str,
        ev: &Value,
        time_field: Option<&str>,
    ) -> Vec<Fired> {
        self.feed_at(rule, rule_name, ev, time_field, ("", 0))
    }

    /// [`Engine::feed`], with the event's place (log, line) kept for windows judged later.
    pub fn feed_at(
        &mut self,
        rule: usize,
        rule_name: &str,
        ev: &Value,
        time_field: Option<&str>,
        place: (&str, u64),
    ) -> Vec<Fired> {
        let mut out = Vec::new();
        let Some(t) = event::time(ev, time_field).and_then(seconds) else {
            if self.uses(rule) {
                self.untimed += 1;
            }
            return out;
        };
        self.latest = self.latest.max(t);
        for ci in 0..self.correlations.len() {
            let Some(pos) = self.refs[ci].iter().position(|r| *r == rule) else {
                continue;
            };
            let c = &self.correlations[ci];
            let mut key = Vec::new();
            let mut complete = true;
            for g in &c.group_by {
                let f = self.field_for(ci, rule_name, g);
                match event::field(ev, &f).and_then(scalar_text) {
                    Some(v) => key.push(format!("{g}={v}")),
                    None => complete = false,
                }
            }
            if !complete {
                continue;
            }
            let key = key.join(", ");
            let value = c.field.as_ref().and_then(|f| {
                event::field(ev, &self.field_for(ci, rule_name, f)).and_then(scalar_text)
            });
            let span = c.timespan;
            let kind = c.kind;
            let groups = &mut self.state[ci];
            if groups.len() >= self.max_groups && !groups.contains_key(&key) {
                // Bound memory: forget the groups whose last event is oldest.
                let oldest = groups
                    .iter()
                    .min_by(|a, b| {
                        let la = a.1.times.back().map_or(0.0, |x| x.0);
                        let lb = b.1.times.back().map_or(0.0, |x| x.0);
                        la.total_cmp(&lb)
                    })
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    groups.remove(&k);
                }
            }
            let g = groups.entry(key.clone()).or_default();
            match kind {
                Kind::EventCount
                | Kind::ValueCount
                | Kind::ValueSum
                | Kind::ValueAvg
                | Kind::ValuePercentile => {
                    let value = match kind {
                        Kind::EventCount => value,
                        Kind::ValueCount => match value {
                            Some(v) => Some(v),
                            None => continue,
                        },
                        // Aggregates take numbers only.
                        _ => match value.filter(|v| v.trim().parse::<f64>().is_ok()) {
                            Some(v) => Some(v.trim().to_owned()),
                            None => continue,
                        },
                    };
                    if self.correlations[ci].windowed() {
                        // Tumbling window: a later event outside it closes it.
                        if g.times.front().is_some_and(|x| t > x.0 + span) {
                            out.extend(close(ci, &self.correlations[ci], &key, g));
                        }
                        g.times.push_back((t, value.unwrap_or_default()));
                        g.place = Some((place.0.to_owned(), place.1));
                        continue;
                    }
                    g.times.push_back((t, value.unwrap_or_default()));
                    while g.times.front().is_some_and(|x| x.0 < t - span) {
                        g.times.pop_front();
                    }
                    let m = metric(&self.correlations[ci], &g.times);
                    if self.correlations[ci].satisfied(m) {
                        let first = g.times.front().map_or(t, |x| x.0);
                        out.push(Fired {
                            correlation: ci,
                            group: key,
                            count: g.times.len(),
                            metric: m,
                            first,
                            last: t,
                            place: None,
                        });
                        g.times.clear();
                    }
                }
                Kind::Temporal | Kind::TemporalOrdered => {
                    g.latest.insert(pos, t);
                    g.latest.retain(|_, x| *x >= t - span);
                    let n = self.refs[ci].len();
                    let all = (0..n).all(|i| g.latest.contains_key(&i));
                    let ordered = || {
                        kind == Kind::Temporal
                            || pos + 1 == n
                                && (1..n).all(|i| {
                                    matches!((g.latest.get(&(i - 1)), g.latest.get(&i)), (Some(a), Some(b)) if a <= b)
                                })
                    };
                    if all && ordered() {
                        let first = g.latest.values().copied().fold(f64::INFINITY, f64::min);
                        #[allow(clippy::cast_precision_loss)]
                        out.push(Fired {
                            correlation: ci,
                            group: key,
                            count: self.refs[ci].len(),
                            metric: self.refs[ci].len() as f64,
                            first,
                            last: t,
                            place: None,
                        });
                        g.latest.clear();
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn corr(yaml: &str) -> Correlation {
        let v: Value = serde_saphyr::from_str(yaml).unwrap();
        Correlation::parse("c.yml", 1, &v).unwrap()
    }

    #[test]
    fn times() {
        assert_eq!(seconds(&json!("1970-01-01T00:01:00Z")), Some(60.0));
        assert_eq!(
            seconds(&json!("2021-05-20 15:53:47Z")),
            Some(1_621_526_027.0)
        );
        assert_eq!(seconds(&json!("1970-01-01T01:00:00.5+01:00")), Some(0.5));
        assert_eq!(
            seconds(&json!(1_621_305_118_553_i64)),
            Some(1_621_305_118.553)
        );
        assert_eq!(seconds(&json!("yesterday")), None);
    }

    #[test]
    fn event_count_by_group_within_the_timespan() {
        let c = corr(
            "title: brute force\ncorrelation:\n  type: event_count\n  rules: [failed]\n  group-by: [user]\n  timespan: 5m\n  condition:\n    gte: 3\n",
        );
        let mut e = Engine::new(vec![c], &|n| (n == "failed").then_some(0)).unwrap();
        let ev = |u: &str, t: &str| json!({"user": u, "eventTime": t});
        let mut fired = Vec::new();
        for (u, t) in [
            ("a", "2024-01-01T00:00:00Z"),
            ("b", "2024-01-01T00:00:10Z"),
            ("a", "2024-01-01T00:01:00Z"),
            ("a", "2024-01-01T00:07:00Z"),
            ("a", "2024-01-01T00:08:00Z"),
            ("a", "2024-01-01T00:09:00Z"),
        ] {
            fired.extend(e.feed(0, "failed", &ev(u, t), None));
        }
        // 00:00, 00:01 and 00:07 are not within 5 minutes; 00:07, 00:08, 00:09 are.
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].group, "user=a");
        assert_eq!(fired[0].count, 3);
    }

    #[test]
    fn value_count_and_temporal_ordered() {
        let c = corr(
            "title: many countries\ncorrelation:\n  type: value_count\n  rules: [login]\n  group-by: [user]\n  timespan: 1h\n  condition:\n    field: country\n    gt: 2\n",
        );
        let mut e = Engine::new(vec![c], &|_| Some(0)).unwrap();
        let mut n = 0;
        for (i, c) in ["DE", "DE", "FR", "US"].iter().enumerate() {
            n += e.feed(0, "login", &json!({"user": "x", "country": c, "eventTime": format!("2024-01-01T00:0{i}:00Z")}), None).len();
        }
        assert_eq!(n, 1);
        let c = corr(
            "title: key then delete\ncorrelation:\n  type: temporal_ordered\n  rules: [create, delete]\n  group-by: [user]\n  timespan: 10m\n",
        );
        let mut e = Engine::new(vec![c], &|r| match r {
            "create" => Some(0),
            "delete" => Some(1),
            _ => None,
        })
        .unwrap();
        let at = |t: &str| json!({"user": "x", "eventTime": t});
        assert!(
            e.feed(1, "delete", &at("2024-01-01T00:00:00Z"), None)
                .is_empty()
        );
        assert!(
            e.feed(0, "create", &at("2024-01-01T00:01:00Z"), None)
                .is_empty()
        );
        assert_eq!(
            e.feed(1, "delete", &at("2024-01-01T00:02:00Z"), None).len(),
            1
        );
    }

    #[test]
    fn state_survives_export_and_import() {
        let c = corr(
            "title: brute force\nname: bf\ncorrelation:\n  type: event_count\n  rules: [failed]\n  group-by: [user]\n  timespan: 5m\n  condition:\n    gte: 3\n",
        );
        let mut e = Engine::new(vec![c.clone()], &|_| Some(0)).unwrap();
        let ev = |t: &str| json!({"user": "a", "eventTime": t});
        assert!(
            e.feed(0, "failed", &ev("2024-01-01T00:00:00Z"), None)
                .is_empty()
        );
        assert!(
            e.feed(0, "failed", &ev("2024-01-01T00:01:00Z"), None)
                .is_empty()
        );
        let saved = e.export();
        let mut restarted = Engine::new(vec![c], &|_| Some(0)).unwrap();
        restarted.import(&saved);
        assert_eq!(
            restarted
                .feed(0, "failed", &ev("2024-01-01T00:02:00Z"), None)
                .len(),
            1
        );
    }

    #[test]
    fn absence_conditions_judge_closed_windows() {
        // Fewer than 2 heartbeats from a host in 10 minutes.
        let c = corr(
            "title: quiet\ncorrelation:\n  type: event_count\n  rules: [beat]\n  group-by: [host]\n  timespan: 10m\n  condition:\n    lt: 2\n",
        );
        let mut e = Engine::new(vec![c], &|_| Some(0)).unwrap();
        let ev = |h: &str, t: &str| json!({"host": h, "eventTime": t});
        let mut fired = Vec::new();
        fired.extend(e.feed_at(0, "beat", &ev("a", "2024-01-01T00:00:00Z"), None, ("l", 1)));
        fired.extend(e.feed_at(0, "beat", &ev("a", "2024-01-01T00:05:00Z"), None, ("l", 2)));
        fired.extend(e.feed_at(0, "beat", &ev("b", "2024-01-01T00:06:00Z"), None, ("l", 3)));
        // a's next beat comes late: its first window (2 beats) is fine, nothing fires yet.
        fired.extend(e.feed_at(0, "beat", &ev("a", "2024-01-01T00:30:00Z"), None, ("l", 4)));
        assert!(fired.is_empty(), "{fired:?}");
        // b's window (1 beat) closes once time passes its end; a's second window at the end.
        let closed = e.flush_before(seconds(&json!("2024-01-01T00:20:00Z")).unwrap());
        assert_eq!(closed.len(), 1);
        assert_eq!(
            (closed[0].group.as_str(), closed[0].place.clone()),
            ("host=b", Some(("l".to_owned(), 3)))
        );
        let end = e.flush();
        assert_eq!(end.len(), 1);
        assert_eq!(end[0].group, "host=a");
    }

    #[test]
    fn value_sum_avg_and_percentile() {
        // Bytes downloaded by one user: the sum over an hour, the mean, the 90th percentile.
        // A correlation of this type over `bytes` per user within an hour, with `condition`.
        let feed = |kind: &str, condition: &str, values: &[&str]| -> Vec<Fired> {
            let yaml = format!(
                "title: t\ncorrelation:\n  type: {kind}\n  rules: [download]\n  group-by: [user]\n  timespan: 1h\n  condition:\n    field: bytes\n    {condition}\n"
            );
            let mut e = Engine::new(vec![corr(&yaml)], &|_| Some(0)).unwrap();
            let mut out = Vec::new();
            for (i, v) in values.iter().enumerate() {
                let ev = json!({"user": "u", "bytes": v, "eventTime": 1_700_000_000 + i * 60});
                out.extend(e.feed(0, "download", &ev, None));
            }
            out.extend(e.flush());
            out
        };
        let sum = |values: &[&str]| feed("value_sum", "gte: 1000", values);
        let f = sum(&["400", "not a number", "300", "350"]);
        assert_eq!(f.len(), 1);
        assert!(
            (f[0].metric - 1050.0).abs() < 1e-9 && f[0].count == 3,
            "{f:?}"
        );
        assert!(sum(&["400", "300"]).is_empty());
        let avg = |values: &[&str]| feed("value_avg", "gt: 100", values);
        let f = avg(&["50", "250"]);
        assert_eq!(f.len(), 1);
        assert!((f[0].metric - 150.0).abs() < 1e-9);
        assert!(avg(&["50", "150"]).is_empty());
        // An average below a floor is an absence: judged when the window closes.
        let low = |values: &[&str]| feed("value_avg", "lt: 10", values);
        let f = low(&["5", "6", "100"]);
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(low(&["5", "6", "7"]).len(), 1);
        // Nearest rank: the 90th percentile of 1..=9 is 9 (fires on the 9th event; the
        // window starts afresh, and 10 alone fires again); of 1..=8 it is 8.
        let p90 = |values: &[&str]| feed("value_percentile", "percentile: 90\n    gte: 9", values);
        let ten: Vec<String> = (1..=10).map(|i| i.to_string()).collect();
        let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
        let f = p90(&ten);
        assert_eq!(f.len(), 2);
        assert!((f[0].metric - 9.0).abs() < 1e-9 && f[0].count == 9, "{f:?}");
        assert!(p90(&ten[..8]).is_empty());
        let v: Value = serde_saphyr::from_str("title: x\ncorrelation:\n  type: value_percentile\n  rules: [a]\n  timespan: 5m\n  condition:\n    field: f\n    gt: 3\n").unwrap();
        assert!(
            Correlation::parse("c.yml", 1, &v)
                .unwrap_err()
                .reason
                .contains("percentile")
        );
        let v: Value = serde_saphyr::from_str("title: x\ncorrelation:\n  type: value_sum\n  rules: [a]\n  timespan: 5m\n  condition:\n    gt: 3\n").unwrap();
        assert!(
            Correlation::parse("c.yml", 1, &v)
                .unwrap_err()
                .reason
                .contains("condition.field")
        );
    }

    #[test]
    fn refusals() {
        let v: Value = serde_saphyr::from_str("title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    lt: 3\n").unwrap();
        assert!(Correlation::parse("c.yml", 1, &v).is_ok());
        let v: Value = serde_saphyr::from_str("title: x\ncorrelation:\n  type: temporal\n  rules: [a]\n  timespan: 5m\n  condition:\n    lt: 3\n").unwrap();
        assert!(
            Correlation::parse("c.yml", 1, &v)
                .unwrap_err()
                .reason
                .contains("event_count and the value_* types only")
        );
        let v: Value = serde_saphyr::from_str("title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5 minutes\n  condition:\n    gt: 3\n").unwrap();
        assert!(
            Correlation::parse("c.yml", 1, &v)
                .unwrap_err()
                .reason
                .contains("bad timespan")
        );
        let c =
            corr("title: x\ncorrelation:\n  type: temporal\n  rules: [missing]\n  timespan: 5m\n");
        assert!(
            Engine::new(vec![c], &|_| None)
                .unwrap_err()
                .reason
                .contains("`missing`")
        );
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use serde_json::json;

    proptest::proptest! {
        #[test]
        fn feeding_any_sequence_never_panics(
            steps in proptest::collection::vec((0usize..3, 0u32..5000, 0u8..4), 0..200),
            kind in proptest::sample::select(vec!["event_count", "value_count", "temporal", "temporal_ordered", "value_sum", "value_avg", "value_percentile"]),
            op in proptest::sample::select(vec!["gte", "lt"]),
        ) {
            let op = if kind.starts_with("temporal") { "gte" } else { op };
            let yaml = format!("title: p\ncorrelation:\n  type: {kind}\n  rules: [a, b, c]\n  group-by: [u]\n  timespan: 10m\n  condition:\n    field: v\n    percentile: 50\n    {op}: 2\n");
            let v: Value = serde_saphyr::from_str(&yaml).unwrap();
            let c = Correlation::parse("p.yml", 1, &v).unwrap();
            let mut e = Engine::new(vec![c], &|r| match r { "a" => Some(0), "b" => Some(1), "c" => Some(2), _ => None }).unwrap();
            for (rule, t, u) in steps {
                let ev = json!({"u": u, "v": t % 7, "eventTime": t});
                let _ = e.feed(rule, ["a", "b", "c"][rule], &ev, None);
            }
            let _ = e.flush();
        }
    }
}
