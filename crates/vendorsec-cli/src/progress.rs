//! The progress line on stderr for long scans (only when stderr is a terminal).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Counters shared by the scan workers.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) blobs: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) binary: AtomicU64,
    pub(crate) archives: AtomicU64,
    pub(crate) matches: AtomicU64,
    pub(crate) suppressed_inline: AtomicU64,
}

pub(crate) struct Progress {
    done: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

/// The scan's progress message.
fn scan_message(c: &Counters, secs: f64) -> String {
    let bytes = c.bytes.load(Ordering::Relaxed);
    format!(
        "{} files · {:.1} MB · {} archives · {} matches · {:.1} MB/s",
        c.blobs.load(Ordering::Relaxed),
        bytes as f64 / 1e6,
        c.archives.load(Ordering::Relaxed),
        c.matches.load(Ordering::Relaxed),
        bytes as f64 / 1e6 / secs
    )
}

/// A log hunt's progress message (`blobs`: logs finished; `bytes`: bytes read, compressed
/// for gzip).
pub(crate) fn logs_message(c: &Counters, secs: f64) -> String {
    let bytes = c.bytes.load(Ordering::Relaxed);
    format!(
        "{} logs done · {:.1} MB read · {} matches · {:.1} MB/s",
        c.blobs.load(Ordering::Relaxed),
        bytes as f64 / 1e6,
        c.matches.load(Ordering::Relaxed),
        bytes as f64 / 1e6 / secs
    )
}

/// A reader that counts what is read into [`Counters::bytes`].
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) counters: Arc<Counters>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Progress {
    pub(crate) fn start(counters: Arc<Counters>, enabled: bool) -> Progress {
        Progress::start_with(counters, enabled, scan_message)
    }

    /// A progress line with its own message.
    pub(crate) fn start_with(
        counters: Arc<Counters>,
        enabled: bool,
        message: fn(&Counters, f64) -> String,
    ) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Progress { done, handle: None };
        }
        let flag = Arc::clone(&done);
        let handle = std::thread::spawn(move || {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            let start = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let secs = start.elapsed().as_secs_f64().max(0.001);
                bar.set_message(message(&counters, secs));
                bar.tick();
                std::thread::sleep(Duration::from_millis(120));
            }
            bar.finish_and_clear();
        });
        Progress {
            done,
            handle: Some(handle),
        }
    }

    pub(crate) fn stop(self) {
        drop(self);
    }
}

impl Drop for Progress {
    /// The line is cleared however the run ends (an early error return included).
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
