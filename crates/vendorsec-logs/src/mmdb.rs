//! A reader of MaxMind DB files (`.mmdb`: GeoLite2/GeoIP2 Country, City, ASN and compatible
//! databases the user supplies): the binary search tree (24, 28 and 32-bit records, IPv4 and
//! IPv6 trees) and the data section (maps, strings, integers, pointers …). Bounded: every
//! offset is checked, decoding depth is limited, malformed data gives `None`.

use std::net::IpAddr;

use serde_json::{Map, Value};

const MARKER: &[u8] = b"\xAB\xCD\xEFMaxMind.com";

/// An opened database.
#[derive(Debug)]
pub struct Mmdb {
    bytes: Vec<u8>,
    node_count: usize,
    record_size: usize,
    ip_version: u64,
    data_start: usize,
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |a, x| (a << 8) | u64::from(*x))
}

/// Decode one value at `at` (relative to `base`); returns it and the offset after it.
fn decode(b: &[u8], base: usize, at: usize, depth: usize) -> Option<(Value, usize)> {
    if depth > 32 {
        return None;
    }
    let ctrl = *b.get(base + at)?;
    let mut pos = at + 1;
    let mut ty = u16::from(ctrl >> 5);
    if ty == 0 {
        ty = 7 + u16::from(*b.get(base + pos)?);
        pos += 1;
    }
    let size_bits = usize::from(ctrl & 0x1f);
    if ty == 1 {
        // Pointer.
        let ss = (size_bits >> 3) & 3;
        let v = size_bits & 7;
        let p = match ss {
            0 => (v << 8) | usize::from(*b.get(base + pos)?),
            1 => ((v << 16) | usize::try_from(be(b.get(base + pos..base + pos + 2)?)).ok()?) + 2048,
            2 => {
                ((v << 24) | usize::try_from(be(b.get(base + pos..base + pos + 3)?)).ok()?)
                    + 526_336
            }
            _ => usize::try_from(be(b.get(base + pos..base + pos + 4)?)).ok()?,
        };
        let (val, _) = decode(b, base, p, depth + 1)?;
        return Some((val, pos + ss + 1));
    }
    let size = match size_bits {
        29 => 29 + usize::from(*b.get(base + pos)?),
        30 => 285 + usize::try_from(be(b.get(base + pos..base + pos + 2)?)).ok()?,
        31 => 65_821 + usize::try_from(be(b.get(base + pos..base + pos + 3)?)).ok()?,
        s => s,
    };
    pos += match size_bits {
        29 => 1,
        30 => 2,
        31 => 3,
        _ => 0,
    };
    let slice = |n: usize| b.get(base + pos..base + pos + n);
    Some(match ty {
        2 => (
            Value::from(String::from_utf8_lossy(slice(size)?).into_owned()),
            pos + size,
        ),
        3 => (Value::from(f64::from_bits(be(slice(8)?))), pos + 8),
        4 => (
            Value::from(
                slice(size)?
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect::<String>(),
            ),
            pos + size,
        ),
        5 | 6 | 9 | 10 => {
            let raw = slice(size.min(16))?;
            let n = raw.iter().fold(0u128, |a, x| (a << 8) | u128::from(*x));
            (
                u64::try_from(n).map_or_else(|_| Value::from(n.to_string()), Value::from),
                pos + size,
            )
        }
        8 => {
            let raw = slice(size.min(4))?;
            #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
            let n = be(raw) as u32 as i32;
            (Value::from(n), pos + size)
        }
        7 => {
            let mut m = Map::new();
            let mut p = pos;
            for _ in 0..size.min(10_000) {
                let (k, after_k) = decode(b, base, p, depth + 1)?;
                let (v, after_v) = decode(b, base, after_k, depth + 1)?;
                m.insert(k.as_str()?.to_owned(), v);
                p = after_v;
            }
            (Value::Object(m), p)
        }
        11 => {
            let mut a = Vec::new();
            let mut p = pos;
            for _ in 0..size.min(10_000) {
                let (v, after) = decode(b, base, p, depth + 1)?;
                a.push(v);
                p = after;
            }
            (Value::Array(a), p)
        }
        14 => (Value::from(size != 0), pos),
        15 => (
            Value::from(f64::from(f32::from_bits(
                u32::try_from(be(slice(4)?)).ok()?,
            ))),
            pos + 4,
        ),
        _ => return None,
    })
}

impl Mmdb {
    /// Read a database from bytes.
    ///
    /// # Errors
    /// A reason when the bytes are not a MaxMind DB.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Mmdb, String> {
        let at = bytes
            .windows(MARKER.len())
            .rposition(|w| w == MARKER)
            .ok_or("not a MaxMind DB (no metadata marker)")?;
        let meta_start = at + MARKER.len();
        let (meta, _) = decode(&bytes, meta_start, 0, 0).ok_or("unreadable metadata")?;
        let n = |k: &str| meta.get(k).and_then(Value::as_u64);
        let node_count = usize::try_from(n("node_count").ok_or("metadata without node_count")?)
            .map_err(|e| e.to_string())?;
        let record_size = usize::try_from(n("record_size").ok_or("metadata without record_size")?)
            .map_err(|e| e.to_string())?;
        if ![24, 28, 32].contains(&record_size) {
            return Err(format!("unsupported record size {record_size}"));
        }
        let tree = node_count
            .checked_mul(record_size / 4)
            .ok_or("tree too large")?;
        let data_start = tree.checked_add(16).ok_or("tree too large")?;
        if data_start > at {
            return Err("search tree runs past the data".into());
        }
        Ok(Mmdb {
            node_count,
            record_size,
            ip_version: n("ip_version").unwrap_or(6),
            data_start,
            bytes,
        })
    }

    /// Read a database file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a MaxMind DB.
    pub fn open(path: &std::path::Path) -> Result<Mmdb, String> {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > 1 << 30 {
            return Err(format!("{}: over 1 GiB", path.display()));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Mmdb::from_bytes(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn record(&self, node: usize, right: bool) -> Option<usize> {
        let n = self.record_size / 4; // bytes per node
        let b = self.bytes.get(node * n..node * n + n)?;
        let v = match (self.record_size, right) {
            (24, false) => be(&b[0..3]),
            (24, true) => be(&b[3..6]),
            (28, false) => (u64::from(b[3] & 0xF0) << 20) | be(&b[0..3]),
            (28, true) => (u64::from(b[3] & 0x0F) << 24) | be(&b[4..7]),
            (_, false) => be(&b[0..4]),
            (_, true) => be(&b[4..8]),
        };
        usize::try_from(v).ok()
    }

    /// The record for an address, if the database has one.
    #[must_use]
    pub fn lookup(&self, ip: IpAddr) -> Option<Value> {
        let bits: Vec<bool> = match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                let mut v: Vec<bool> = if self.ip_version == 6 {
                    vec![false; 96]
                } else {
                    Vec::new()
                };
                v.extend((0..32).map(|i| o[i / 8] >> (7 - i % 8) & 1 == 1));
                v
            }
            IpAddr::V6(v6) => {
                if self.ip_version == 4 {
                    return None;
                }
                let o = v6.octets();
                (0..128).map(|i| o[i / 8] >> (7 - i % 8) & 1 == 1).collect()
            }
        };
        let mut node = 0usize;
        for bit in bits {
            if node >= self.node_count {
                break;
            }
            node = self.record(node, bit)?;
        }
        if node <= self.node_count {
            return None;
        }
        let offset = node - self.node_count - 16;
        decode(&self.bytes, self.data_start, offset, 0).map(|x| x.0)
    }
}

/// A tiny MaxMind DB writer for tests: IPv4 tree, 24-bit records, each network's record a
/// map. (Not for production use.)
#[doc(hidden)]
#[must_use]
pub fn write_test_db(networks: &[(&str, Value)]) -> Vec<u8> {
    fn enc(v: &Value, out: &mut Vec<u8>) {
        let head = |ty: u8, size: usize, out: &mut Vec<u8>| {
            let (t, ext) = if ty >= 8 {
                (0u8, Some(ty - 7))
            } else {
                (ty, None)
            };
            let (s, extra): (u8, Vec<u8>) = if size < 29 {
                (u8::try_from(size).unwrap_or(0), Vec::new())
            } else {
                (29, vec![u8::try_from(size - 29).unwrap_or(0)])
            };
            out.push((t << 5) | s);
            if let Some(e) = ext {
                out.push(e);
            }
            out.extend(extra);
        };
        match v {
            Value::String(s) => {
                head(2, s.len(), out);
                out.extend(s.as_bytes());
            }
            Value::Number(n) => {
                let x = n.as_u64().unwrap_or(0);
                let bytes: Vec<u8> = x
                    .to_be_bytes()
                    .into_iter()
                    .skip_while(|b| *b == 0)
                    .collect();
                head(6, bytes.len(), out);
                out.extend(bytes);
            }
            Value::Object(m) => {
                head(7, m.len(), out);
                for (k, x) in m {
                    enc(&Value::from(k.clone()), out);
                    enc(x, out);
                }
            }
            Value::Array(a) => {
                head(11, a.len(), out);
                for x in a {
                    enc(x, out);
                }
            }
            Value::Bool(b) => head(14, usize::from(*b), out),
            Value::Null => head(2, 0, out),
        }
    }
    // Trie over the prefixes.
    let mut children: Vec<[Option<usize>; 2]> = vec![[None, None]];
    let mut leaves: Vec<(usize, bool, usize)> = Vec::new(); // (node, side, data index)
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for (_, v) in networks {
        offsets.push(data.len());
        enc(v, &mut data);
    }
    for (i, (net, _)) in networks.iter().enumerate() {
        let (a, len) = net.split_once('/').unwrap_or((net, "32"));
        let o: std::net::Ipv4Addr = a.parse().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
        let o = o.octets();
        let len: usize = len.parse().unwrap_or(32);
        let mut node = 0usize;
        for bit_i in 0..len {
            let bit = usize::from(o[bit_i / 8] >> (7 - bit_i % 8) & 1);
            if bit_i + 1 == len {
                leaves.push((node, bit == 1, i));
            } else {
                node = match children[node][bit] {
                    Some(c) => c,
                    None => {
                        children.push([None, None]);
                        let c = children.len() - 1;
                        children[node][bit] = Some(c);
                        c
                    }
                };
            }
        }
    }
    let node_count = children.len();
    let mut tree = Vec::new();
    for (n, ch) in children.iter().enumerate() {
        for (side, c) in ch.iter().enumerate() {
            let leaf = leaves.iter().find(|l| l.0 == n && usize::from(l.1) == side);
            let v = match (leaf, c) {
                (Some(l), _) => node_count + 16 + offsets[l.2],
                (None, Some(c)) => *c,
                (None, None) => node_count,
            };
            tree.extend(&u32::try_from(v).unwrap_or(0).to_be_bytes()[1..]);
        }
    }
    let mut out = tree;
    out.extend([0u8; 16]);
    out.extend(data);
    out.extend(MARKER);
    let mut meta = Vec::new();
    enc(
        &serde_json::json!({"node_count": node_count, "record_size": 24, "ip_version": 4, "database_type": "vendorsec-test", "binary_format_major_version": 2, "binary_format_minor_version": 0}),
        &mut meta,
    );
    out.extend(meta);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookups_in_a_tiny_database() {
        let db = write_test_db(&[
            (
                "203.0.113.0/24",
                json!({"country": {"iso_code": "DE"}, "autonomous_system_number": 64500}),
            ),
            ("198.51.100.0/25", json!({"country": {"iso_code": "US"}})),
        ]);
        let m = Mmdb::from_bytes(db).unwrap();
        let at = |ip: &str| m.lookup(ip.parse().unwrap());
        assert_eq!(at("203.0.113.7").unwrap()["country"]["iso_code"], "DE");
        assert_eq!(
            at("203.0.113.7").unwrap()["autonomous_system_number"],
            64500
        );
        assert_eq!(at("198.51.100.1").unwrap()["country"]["iso_code"], "US");
        assert!(at("198.51.100.200").is_none());
        assert!(at("10.0.0.1").is_none());
        assert!(at("::1").is_none());
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(Mmdb::from_bytes(b"not a database".to_vec()).is_err());
        let mut db = write_test_db(&[("203.0.113.0/24", json!({"a": "b"}))]);
        db.truncate(10);
        assert!(Mmdb::from_bytes(db).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048), ip in proptest::prelude::any::<u32>()) {
            let mut v = b.clone();
            v.extend(MARKER);
            v.extend(&b[..b.len().min(64)]);
            if let Ok(m) = Mmdb::from_bytes(v) {
                let _ = m.lookup(IpAddr::V4(ip.into()));
            }
        }
    }
}
