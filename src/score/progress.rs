//! A one-line progress bar on stderr: records, megabytes, MB/s and, when the input size is
//! known, percent and ETA. Redrawn at most ten times a second. The CLI shows it only when
//! stderr is a terminal and `-q` is not given.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::input::InputStats;

pub struct Progress {
    stats: Arc<InputStats>,
    total: Option<u64>,
    start: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    pub fn new(stats: Arc<InputStats>, total: Option<u64>) -> Self {
        Progress { stats, total, start: Instant::now(), last: None, drawn: false }
    }

    /// Redraws the bar if the last draw is old enough.
    pub fn update(&mut self, records: u64) {
        let now = Instant::now();
        if self.last.is_some_and(|l| now.duration_since(l) < Duration::from_millis(100)) {
            return;
        }
        self.last = Some(now);
        let line = self.line(records, now.duration_since(self.start));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{line}");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Removes the bar (before another message, or at the end).
    pub fn clear(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.drawn = false;
            self.last = None;
        }
    }

    /// The text of the bar after `elapsed`.
    pub fn line(&self, records: u64, elapsed: Duration) -> String {
        let bytes = self.stats.bytes.load(Ordering::Relaxed);
        let mb = bytes as f64 / 1e6;
        let secs = elapsed.as_secs_f64().max(1e-3);
        let rate = mb / secs;
        let mut s = format!("{records} records  {mb:.1} MB  {rate:.1} MB/s");
        if let Some(total) = self.total.filter(|&t| t > 0) {
            let frac = (bytes as f64 / total as f64).clamp(0.0, 1.0);
            let width = 24;
            let filled = (frac * width as f64).round() as usize;
            let eta = if bytes > 0 { (total.saturating_sub(bytes)) as f64 / (bytes as f64 / secs) } else { f64::NAN };
            s = format!("[{}{}] {:>3.0}%  {s}  ETA {}", "#".repeat(filled), ".".repeat(width - filled), frac * 100.0, fmt_eta(eta));
        }
        s
    }
}

fn fmt_eta(secs: f64) -> String {
    if !secs.is_finite() {
        return "--:--".into();
    }
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_rate_percent_and_eta() {
        let stats = Arc::new(InputStats::default());
        stats.bytes.store(5_000_000, Ordering::Relaxed);
        let p = Progress::new(stats, Some(10_000_000));
        let line = p.line(1234, Duration::from_secs(2));
        assert!(line.contains("1234 records"), "{line}");
        assert!(line.contains("2.5 MB/s"), "{line}");
        assert!(line.contains(" 50%"), "{line}");
        assert!(line.contains("ETA 00:02"), "{line}");
        let p = Progress::new(Arc::new(InputStats::default()), None);
        assert_eq!(p.line(0, Duration::from_secs(1)), "0 records  0.0 MB  0.0 MB/s");
    }
}
