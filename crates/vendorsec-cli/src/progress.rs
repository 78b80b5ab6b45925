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

impl Progress {
    pub(crate) fn start(counters: Arc<Counters>, enabled: bool) -> Progress {
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
                let bytes = counters.bytes.load(Ordering::Relaxed);
                let secs = start.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{} files · {:.1} MB · {} archives · {} matches · {:.1} MB/s",
                    counters.blobs.load(Ordering::Relaxed),
                    bytes as f64 / 1e6,
                    counters.archives.load(Ordering::Relaxed),
                    counters.matches.load(Ordering::Relaxed),
                    bytes as f64 / 1e6 / secs
                ));
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

    pub(crate) fn stop(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
