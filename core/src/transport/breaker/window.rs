//! Sliding windows of call results: the last N calls, or the calls of the last T ms.
//!
//! Both keep running totals, so recording a call and reading the rates are
//! O(1); a time window clears the buckets it skips over, which is amortized
//! O(1) per elapsed bucket (resilience4j `SlidingTimeWindowMetrics` does the
//! same with epoch-second buckets). Storage is allocated once, at creation.

use super::config::WindowConfig;

/// Calls, failures and slow calls in some span; changes only by adding or removing calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub calls: u64,
    pub failures: u64,
    pub slow: u64,
}

impl Totals {
    pub fn add(&mut self, failure: bool, slow: bool) {
        self.calls = self.calls.saturating_add(1);
        self.failures = self.failures.saturating_add(u64::from(failure));
        self.slow = self.slow.saturating_add(u64::from(slow));
    }

    fn remove(&mut self, other: Totals) {
        self.calls = self.calls.saturating_sub(other.calls);
        self.failures = self.failures.saturating_sub(other.failures);
        self.slow = self.slow.saturating_sub(other.slow);
    }

    /// `failures / calls`, `None` without calls.
    pub fn failure_rate(&self) -> Option<f64> {
        ratio(self.failures, self.calls)
    }

    /// `slow / calls`, `None` without calls.
    pub fn slow_rate(&self) -> Option<f64> {
        ratio(self.slow, self.calls)
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    // Exact division of two integers: the same bits in every runtime. A window of successes
    // (the usual case on every record) skips the division: 0 / n is +0.0 exactly.
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| if part == 0 { 0.0 } else { (part.min(whole) as f64) / (whole as f64) })
}

const FAILURE: u8 = 1;
const SLOW: u8 = 2;

/// The last `capacity` calls, as a ring of flag bytes.
#[derive(Clone, Debug)]
pub(crate) struct CountWindow {
    ring: Vec<u8>,
    next: usize,
    len: usize,
    totals: Totals,
}

impl CountWindow {
    fn new(size: u32) -> Self {
        let capacity = usize::try_from(size.max(1)).unwrap_or(1);
        Self { ring: vec![0; capacity], next: 0, len: 0, totals: Totals::default() }
    }

    fn record(&mut self, failure: bool, slow: bool) {
        let capacity = self.ring.len();
        let Some(slot) = self.ring.get_mut(self.next) else { return };
        if self.len == capacity {
            let old = *slot;
            self.totals.remove(Totals {
                calls: 1,
                failures: u64::from(old & FAILURE != 0),
                slow: u64::from(old & SLOW != 0),
            });
        } else {
            self.len += 1;
        }
        *slot = if failure { FAILURE } else { 0 } | if slow { SLOW } else { 0 };
        self.totals.add(failure, slow);
        self.next = (self.next + 1) % capacity;
    }

    fn clear(&mut self) {
        self.next = 0;
        self.len = 0;
        self.totals = Totals::default();
    }
}

/// The calls of the last `buckets · bucket_ms` ms, bucketed on `now_ms / bucket_ms`.
#[derive(Clone, Debug)]
pub(crate) struct TimeWindow {
    buckets: Vec<Totals>,
    bucket_ms: u64,
    /// Epoch (`now_ms / bucket_ms`) of the newest bucket; every older bucket in the ring is
    /// within the window.
    head: u64,
    totals: Totals,
}

impl TimeWindow {
    fn new(buckets: u64, bucket_ms: u64) -> Self {
        let n = usize::try_from(buckets.max(1)).unwrap_or(1);
        Self {
            buckets: vec![Totals::default(); n],
            bucket_ms: bucket_ms.max(1),
            head: 0,
            totals: Totals::default(),
        }
    }

    fn len(&self) -> u64 {
        u64::try_from(self.buckets.len()).unwrap_or(u64::MAX)
    }

    fn slot(&self, epoch: u64) -> usize {
        // `epoch % len` is below `buckets.len()`, which is a usize.
        usize::try_from(epoch % self.len()).unwrap_or(0)
    }

    /// Moves the head to `now_ms`, emptying the buckets that fell out of the window.
    fn advance(&mut self, now_ms: u64) {
        let epoch = now_ms / self.bucket_ms;
        if epoch <= self.head {
            return;
        }
        let skipped = epoch - self.head;
        if skipped >= self.len() {
            self.clear();
        } else {
            for e in self.head + 1..=epoch {
                let i = self.slot(e);
                if let Some(bucket) = self.buckets.get_mut(i) {
                    self.totals.remove(*bucket);
                    *bucket = Totals::default();
                }
            }
        }
        self.head = epoch;
    }

    fn record(&mut self, now_ms: u64, failure: bool, slow: bool) {
        self.advance(now_ms);
        let i = self.slot(self.head);
        if let Some(bucket) = self.buckets.get_mut(i) {
            bucket.add(failure, slow);
            self.totals.add(failure, slow);
        }
    }

    /// The totals as they will be at `now_ms`, without moving the head.
    fn totals_at(&self, now_ms: u64) -> Totals {
        let epoch = now_ms / self.bucket_ms;
        if epoch <= self.head {
            return self.totals;
        }
        let skipped = epoch - self.head;
        if skipped >= self.len() {
            return Totals::default();
        }
        let mut totals = self.totals;
        for e in self.head + 1..=epoch {
            if let Some(bucket) = self.buckets.get(self.slot(e)) {
                totals.remove(*bucket);
            }
        }
        totals
    }

    fn clear(&mut self) {
        self.buckets.iter_mut().for_each(|b| *b = Totals::default());
        self.totals = Totals::default();
    }
}

/// The closed-state window of a breaker.
#[derive(Clone, Debug)]
pub(crate) enum Window {
    Count(CountWindow),
    Time(TimeWindow),
}

impl Window {
    /// Allocates the storage for a validated config.
    pub fn new(config: &WindowConfig) -> Self {
        match *config {
            WindowConfig::Count { size } => Self::Count(CountWindow::new(size)),
            WindowConfig::Time { bucket_ms, .. } => Self::Time(TimeWindow::new(config.buckets(), bucket_ms)),
        }
    }

    /// Adds one call at `now()` (callers never give a time earlier than a previous one); only
    /// a time window asks for the time.
    #[inline]
    pub fn record(&mut self, now: impl FnOnce() -> u64, failure: bool, slow: bool) {
        match self {
            Self::Count(w) => w.record(failure, slow),
            Self::Time(w) => w.record(now(), failure, slow),
        }
    }

    /// The calls in the window as seen at `now()`; only a time window asks for the time.
    #[inline]
    pub fn totals(&self, now: impl FnOnce() -> u64) -> Totals {
        match self {
            Self::Count(w) => w.totals,
            Self::Time(w) => w.totals_at(now()),
        }
    }

    /// Forgets every call.
    pub fn clear(&mut self) {
        match self {
            Self::Count(w) => w.clear(),
            Self::Time(w) => w.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(size: u32) -> Window {
        Window::new(&WindowConfig::Count { size })
    }

    fn time(duration_ms: u64, bucket_ms: u64) -> Window {
        Window::new(&WindowConfig::Time { duration_ms, bucket_ms })
    }

    #[test]
    fn count_window_keeps_only_the_last_10_calls() {
        let mut w = count(10);
        let never = || -> u64 { panic!("a count window reads no time") };
        for _ in 0..5 {
            w.record(never, true, false);
        }
        for _ in 0..10 {
            w.record(never, false, true);
        }
        assert_eq!(w.totals(never), Totals { calls: 10, failures: 0, slow: 10 });
    }

    #[test]
    fn time_window_forgets_calls_older_than_60_s() {
        let mut w = time(60_000, 1000);
        w.record(|| 0, true, false);
        w.record(|| 30_000, true, true);
        assert_eq!(w.totals(|| 59_999), Totals { calls: 2, failures: 2, slow: 1 });
        assert_eq!(w.totals(|| 60_000), Totals { calls: 1, failures: 1, slow: 1 });
        w.record(|| 60_000, false, false);
        assert_eq!(w.totals(|| 60_000), Totals { calls: 2, failures: 1, slow: 1 });
        assert_eq!(w.totals(|| 90_000), Totals { calls: 1, failures: 0, slow: 0 });
        assert_eq!(w.totals(|| 10_000_000), Totals::default());
    }

    #[test]
    fn time_window_starting_late_does_not_see_stale_buckets() {
        let mut w = time(3000, 1000);
        w.record(|| 1_000_000_000, true, false);
        w.record(|| 1_000_002_500, true, false);
        assert_eq!(w.totals(|| 1_000_002_999).calls, 2);
        assert_eq!(w.totals(|| 1_000_003_000).calls, 1);
    }

    #[test]
    fn rates_are_none_without_calls() {
        assert_eq!(Totals::default().failure_rate(), None);
        let t = Totals { calls: 4, failures: 1, slow: 4 };
        assert_eq!((t.failure_rate(), t.slow_rate()), (Some(0.25), Some(1.0)));
    }
}
