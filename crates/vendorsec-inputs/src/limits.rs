//! Resource bounds for untrusted inputs.

use std::cell::Cell;
use std::io::{self, Read};

/// Bounds on what one input may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest archive nesting followed (a jar in an OBR is depth 2).
    pub max_depth: usize,
    /// Total uncompressed bytes read from one top-level archive, all nesting included.
    pub max_archive_bytes: u64,
    /// Largest uncompressed/compressed ratio accepted for one entry (beyond the first MiB).
    pub max_ratio: u64,
    /// Largest nested archive held in memory to be opened.
    pub max_nested_archive_bytes: u64,
    /// Most entries read from one archive.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 5,
            max_archive_bytes: 4 << 30,
            max_ratio: 200,
            max_nested_archive_bytes: 256 << 20,
            max_entries: 1_000_000,
        }
    }
}

/// Why a bounded read stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitHit {
    Budget,
    Ratio,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitHit::Budget => f.write_str("total uncompressed size limit of the archive reached"),
            LimitHit::Ratio => f.write_str("compression ratio limit reached (possible zip bomb)"),
        }
    }
}

impl std::error::Error for LimitHit {}

/// The byte budget of one top-level archive, shared by all its nested entries.
pub(crate) struct Budget {
    remaining: Cell<u64>,
}

impl Budget {
    pub(crate) fn new(bytes: u64) -> Budget {
        Budget {
            remaining: Cell::new(bytes),
        }
    }
}

/// A reader that charges a [`Budget`] and enforces a ratio against a compressed size.
pub(crate) struct Bounded<'a, R> {
    inner: R,
    budget: &'a Budget,
    read: u64,
    /// Most bytes this entry may yield (from its compressed size and the ratio).
    ratio_cap: u64,
}

impl<'a, R: Read> Bounded<'a, R> {
    pub(crate) fn new(
        inner: R,
        budget: &'a Budget,
        compressed: Option<u64>,
        limits: &Limits,
    ) -> Self {
        let ratio_cap = compressed.map_or(u64::MAX, |c| {
            c.saturating_mul(limits.max_ratio).saturating_add(1 << 20)
        });
        Bounded {
            inner,
            budget,
            read: 0,
            ratio_cap,
        }
    }
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let remaining = self.budget.remaining.get();
        let cap = remaining.min(self.ratio_cap.saturating_sub(self.read));
        if cap == 0 {
            // Only an error if there is more to read.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(if remaining == 0 {
                    LimitHit::Budget
                } else {
                    LimitHit::Ratio
                })),
            };
        }
        let want = buf.len().min(usize::try_from(cap).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        self.budget.remaining.set(remaining - n as u64);
        Ok(n)
    }
}

/// The limit an I/O error reports, if it is one of ours.
pub(crate) fn limit_hit(e: &io::Error) -> Option<LimitHit> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitHit>())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_and_ratio_stop_reads() {
        let limits = Limits {
            max_ratio: 2,
            ..Limits::default()
        };
        let budget = Budget::new(10);
        let data = [b'a'; 100];
        let mut r = Bounded::new(&data[..], &budget, None, &limits);
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(limit_hit(&e), Some(LimitHit::Budget));
        assert_eq!(out.len(), 10);

        let budget = Budget::new(u64::MAX);
        let big = vec![b'a'; (1 << 20) + 100];
        let mut r = Bounded::new(&big[..], &budget, Some(10), &limits);
        let e = std::io::copy(&mut r, &mut std::io::sink()).unwrap_err();
        assert_eq!(limit_hit(&e), Some(LimitHit::Ratio));
    }
}
