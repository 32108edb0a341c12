//! Who goes first when requests wait on the client's own rate limiter.
//!
//! Requests the limiter turns away wait until it refills and ask again. Without a line,
//! whoever asks first takes the unit: in a host that wakes its waiters in the order they went
//! to sleep, the oldest. That drains a short overload in order (every request served within
//! its deadline), but under an overload longer than the deadline every unit went to a request
//! at the end of its deadline, whose call then timed out: against answers at a 4 s median, 24 %
//! of a 10-minute overload's requests were served, against the plain SDK's 59 % (and in a host
//! that wakes its waiters in no order, a tool call's parallel calls were served apart).
//!
//! The line serves first come, first served among the requests that still have time for a call
//! (the time a call needs: `Client::call_needs_ms`, from the latencies seen), so a short overload
//! drains in order and a tool call's calls, begun together, are served together; a request
//! short of time goes after every request with time, the one with most time left first. Under
//! a long overload the units go to requests with their deadline ahead of them, and those short
//! of time wait on, served if the overload ends in time, or ending at their deadline without
//! spending a call.
//! The same idea as the queue discipline of "Fail at Scale" (Maurer, ACM Queue 13(8), 2015:
//! first in, first out while the queue drains, the newest first once it does not, because the
//! oldest requests are those whose callers are about to give up).
//!
//! A waiter counts ahead of others from the time it was told to ask again until [`LATE_MS`]
//! after it: a host that drops a request without cancelling it holds nobody up for long.

use std::cmp::Reverse;
use std::collections::BTreeMap;

/// How late after its wake time a waiter still counts ahead of others.
pub const LATE_MS: u64 = 100;
/// The most waiters counted ahead of one request: past them, it waits anyway.
const MAX_AHEAD: u64 = 16;
/// The most waiters looked at for one request.
const MAX_SCAN: usize = 64;
/// The most waiters the line holds; past it, the latest to wait is not held.
const MAX_WAITING: usize = 1 << 16;

/// A request's place in the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// When it began, and its order among those begun in the same millisecond.
    arrival: (u64, u64),
    /// When its deadline ends (`u64::MAX`: never).
    ends_ms: u64,
}

impl Place {
    /// The place of the request that began at `began_ms`, the `serial`-th of its client,
    /// its deadline ending at `ends_ms` (`u64::MAX`: never).
    #[must_use]
    pub fn new(began_ms: u64, serial: u64, ends_ms: u64) -> Self {
        Self { arrival: (began_ms, serial), ends_ms }
    }

    /// Whether a call that needs `need_ms` still fits before its deadline.
    fn has_time(&self, now_ms: u64, need_ms: u64) -> bool {
        now_ms.saturating_add(need_ms) < self.ends_ms
    }

    /// Its key among those short of time: most time left first.
    fn short_key(&self) -> (Reverse<u64>, (u64, u64)) {
        (Reverse(self.ends_ms), self.arrival)
    }
}

#[derive(Clone, Copy, Debug)]
struct Waiter {
    place: Place,
    due_ms: u64,
    tokens: u64,
}

impl Waiter {
    fn late(&self, now_ms: u64) -> bool {
        now_ms > self.due_ms.saturating_add(LATE_MS)
    }
}

/// What the waiters ahead of a request need of the limiter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ahead {
    /// Waiters ahead, each one request.
    pub requests: u64,
    /// Their estimated tokens.
    pub tokens: u64,
}

impl Ahead {
    /// Counts `w` when it is due to ask now; says whether to count on.
    fn count(&mut self, w: &Waiter, now_ms: u64) -> bool {
        if w.due_ms <= now_ms {
            self.requests += 1;
            self.tokens = self.tokens.saturating_add(w.tokens);
        }
        self.requests < MAX_AHEAD
    }
}

/// The requests waiting on the limiter.
#[derive(Clone, Debug, Default)]
pub struct Line {
    /// Those with time, first come first.
    with_time: BTreeMap<(u64, u64), Waiter>,
    /// Those short of time, most time left first.
    short: BTreeMap<(Reverse<u64>, (u64, u64)), Waiter>,
}

impl Line {
    /// The waiters ahead of `place` at `now_ms` that are due to ask (at most [`LATE_MS`]
    /// late): those with time for a call of `need_ms` that came before it, or, when it is short
    /// of time, every one with time and those short of time with more time left. Late waiters
    /// leave the line.
    pub fn ahead(&mut self, place: &Place, now_ms: u64, need_ms: u64) -> Ahead {
        let mut ahead = Ahead::default();
        let (mut late, mut short) = (Vec::new(), Vec::new());
        let has_time = place.has_time(now_ms, need_ms);
        let before = if has_time { ..place.arrival } else { ..(u64::MAX, u64::MAX) };
        for (&key, w) in self.with_time.range(before).take(MAX_SCAN) {
            if w.late(now_ms) {
                late.push(key);
            } else if !w.place.has_time(now_ms, need_ms) {
                short.push(key);
            } else if !ahead.count(w, now_ms) {
                break;
            }
        }
        for key in late {
            self.with_time.remove(&key);
        }
        for key in short {
            if let Some(w) = self.with_time.remove(&key) {
                self.short.insert(w.place.short_key(), w);
            }
        }
        if has_time || ahead.requests >= MAX_AHEAD {
            return ahead;
        }
        let mut late = Vec::new();
        for (&key, w) in self.short.range(..place.short_key()).take(MAX_SCAN) {
            if w.late(now_ms) {
                late.push(key);
            } else if !ahead.count(w, now_ms) {
                break;
            }
        }
        for key in late {
            self.short.remove(&key);
        }
        ahead
    }

    /// `place` waits until `due_ms`, needing `tokens` and a call of `need_ms`.
    pub fn wait(&mut self, place: &Place, due_ms: u64, tokens: u64, need_ms: u64) {
        if self.with_time.len() + self.short.len() >= MAX_WAITING {
            return;
        }
        let waiter = Waiter { place: *place, due_ms, tokens };
        if place.has_time(due_ms, need_ms) {
            self.with_time.insert(place.arrival, waiter);
        } else {
            self.short.insert(place.short_key(), waiter);
        }
    }

    /// `place` no longer waits.
    pub fn leave(&mut self, place: &Place) {
        if self.with_time.remove(&place.arrival).is_none() {
            self.short.remove(&place.short_key());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 60 s deadline; a call needs 30 s.
    const NEED: u64 = 30_000;

    fn place(began_ms: u64, serial: u64) -> Place {
        Place::new(began_ms, serial, began_ms + 60_000)
    }

    #[test]
    fn those_with_time_go_first_come_first_and_those_short_of_time_after_them() {
        let mut line = Line::default();
        let (old, fresh, sibling) = (place(10, 1), place(20, 2), place(20, 3));
        line.wait(&old, 100, 5, NEED);
        line.wait(&fresh, 100, 7, NEED);
        line.wait(&sibling, 100, 9, NEED);
        assert_eq!(line.ahead(&old, 100, NEED), Ahead::default());
        assert_eq!(line.ahead(&fresh, 100, NEED), Ahead { requests: 1, tokens: 5 });
        assert_eq!(line.ahead(&sibling, 100, NEED), Ahead { requests: 2, tokens: 12 });
        // Not yet due: nobody is held up by it.
        assert_eq!(line.ahead(&fresh, 99, NEED), Ahead::default());
        // Short of time, the oldest goes after those with time; among those short of time,
        // the most time left first.
        let late_in_deadline = 30_015;
        for p in [old, fresh, sibling] {
            line.wait(&p, late_in_deadline, 1, NEED);
        }
        assert_eq!(line.ahead(&fresh, late_in_deadline, NEED).requests, 0);
        assert_eq!(line.ahead(&sibling, late_in_deadline, NEED).requests, 1);
        assert_eq!(line.ahead(&old, late_in_deadline, NEED).requests, 2);
        // Calls that need less time: first come, first served again.
        assert_eq!(line.ahead(&old, late_in_deadline, 1_000).requests, 0);
        let later = 30_025;
        assert_eq!(line.ahead(&old, later, NEED).requests, 2, "short of time: the freshest first");
        assert_eq!(line.ahead(&sibling, later, NEED).requests, 1);
        assert_eq!(line.ahead(&fresh, later, NEED).requests, 0);
        // Too late: it leaves the line.
        assert_eq!(line.ahead(&old, later + LATE_MS + 1, NEED), Ahead::default());
        line.wait(&fresh, 300, 7, NEED);
        line.leave(&fresh);
        assert_eq!(line.ahead(&sibling, 300, NEED), Ahead::default());
    }
}
