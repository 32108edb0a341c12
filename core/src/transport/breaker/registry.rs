//! One breaker per key (model, endpoint, deployment), created on first use, bounded in number.
//!
//! gobreaker answers "per-endpoint breakers?" with "use a map yourself"
//! (gobreaker#43, #19); this is that map, with the two things a bare map gets
//! wrong: it is bounded, and a permit never crosses breakers. When full, the
//! least recently used breaker that holds no verdict (closed, disabled or
//! metrics only) is evicted; an open, half-open or forced-open one goes only
//! when no calm one is left, since forgetting it would let traffic through to
//! an upstream known to be down. "Recently used" is a counter of calls, not
//! time, so the order is deterministic and has no ties. Keys live in a
//! `BTreeMap`: deterministic, and no hasher seeded from the OS.

use schemars::JsonSchema;
use std::collections::BTreeMap;

use serde::Serialize;

use super::{Acquire, BreakerConfig, CircuitBreaker, Counted, Permit, Recorded, State};
use crate::transport::classify::Class;

/// Size and churn of a registry; changes on every new key and eviction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RegistryStats {
    /// Breakers held.
    pub keys: usize,
    /// Breakers evicted to make room since the registry was created.
    pub evictions: u64,
}

#[derive(Clone, Debug)]
struct Slot {
    breaker: CircuitBreaker,
    last_used: u64,
}

/// Per-key circuit breakers sharing one config, at most `max_keys` of them.
#[derive(Clone, Debug)]
pub struct BreakerRegistry {
    template: CircuitBreaker,
    max_keys: usize,
    breakers: BTreeMap<String, Slot>,
    clock: u64,
    instances: u64,
    evictions: u64,
}

impl BreakerRegistry {
    /// An empty registry; every key's breaker will follow `config`.
    ///
    /// # Errors
    /// The config's validation error, or `invalid_argument` at `max_keys` when it is 0.
    pub fn new(config: BreakerConfig, max_keys: usize) -> crate::Result<Self> {
        if max_keys == 0 {
            return Err(crate::Error::argument("max_keys", "a registry must hold at least one breaker"));
        }
        Ok(Self {
            template: CircuitBreaker::new(config)?,
            max_keys,
            breakers: BTreeMap::new(),
            clock: 0,
            instances: 0,
            evictions: 0,
        })
    }

    /// [`CircuitBreaker::try_acquire`] on `key`'s breaker, created (and another evicted) if needed.
    pub fn try_acquire(&mut self, key: &str, now_ms: u64) -> Acquire {
        self.clock = self.clock.wrapping_add(1);
        if let Some(slot) = self.breakers.get_mut(key) {
            slot.last_used = self.clock;
            return slot.breaker.try_acquire(now_ms);
        }
        if self.breakers.len() >= self.max_keys {
            self.evict();
        }
        self.instances = self.instances.wrapping_add(1);
        let mut breaker = self.template.with_instance(self.instances);
        let acquire = breaker.try_acquire(now_ms);
        self.breakers.insert(key.to_owned(), Slot { breaker, last_used: self.clock });
        acquire
    }

    /// [`CircuitBreaker::record`] on `key`'s breaker; `stale` when the key was evicted since the
    /// permit was issued (a recreated breaker has a new instance number).
    pub fn record(
        &mut self,
        key: &str,
        now_ms: u64,
        permit: Permit,
        class: Class,
        latency_ms: u64,
        server_delay_ms: Option<u64>,
    ) -> Recorded {
        self.clock = self.clock.wrapping_add(1);
        match self.breakers.get_mut(key) {
            Some(slot) => {
                slot.last_used = self.clock;
                slot.breaker.record(now_ms, permit, class, latency_ms, server_delay_ms)
            }
            None => Recorded { counted: Counted::Stale, state: self.template.state(), transition: None },
        }
    }

    /// [`CircuitBreaker::release`] on `key`'s breaker; `false` for an unknown key.
    pub fn release(&mut self, key: &str, permit: Permit) -> bool {
        self.breakers.get_mut(key).is_some_and(|slot| slot.breaker.release(permit))
    }

    /// The state of `key`'s breaker; the initial state for a key without one.
    #[must_use]
    pub fn state(&self, key: &str) -> State {
        self.breakers.get(key).map_or(self.template.state(), |slot| slot.breaker.state())
    }

    /// `key`'s breaker, if it has one.
    #[must_use]
    pub fn breaker(&self, key: &str) -> Option<&CircuitBreaker> {
        self.breakers.get(key).map(|slot| &slot.breaker)
    }

    /// `key`'s breaker, if it has one, for manual transitions; does not count as a use.
    pub fn breaker_mut(&mut self, key: &str) -> Option<&mut CircuitBreaker> {
        self.breakers.get_mut(key).map(|slot| &mut slot.breaker)
    }

    /// Number of breakers held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.breakers.len()
    }

    /// Whether no breaker has been created yet (or all were evicted, which cannot happen).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.breakers.is_empty()
    }

    /// Keys held and evictions so far.
    #[must_use]
    pub fn stats(&self) -> RegistryStats {
        RegistryStats { keys: self.breakers.len(), evictions: self.evictions }
    }

    /// Removes the least recently used calm breaker, or the least recently used one overall.
    fn evict(&mut self) {
        let calm =
            |s: &Slot| matches!(s.breaker.state(), State::Closed | State::Disabled | State::MetricsOnly);
        let lru = |calm_only: bool| {
            self.breakers
                .iter()
                .filter(|(_, s)| !calm_only || calm(s))
                .min_by_key(|(_, s)| s.last_used)
                .map(|(k, _)| k.clone())
        };
        if let Some(key) = lru(true).or_else(|| lru(false)) {
            self.breakers.remove(&key);
            self.evictions = self.evictions.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::breaker::WindowConfig;

    fn trips_after_one_failure() -> BreakerConfig {
        BreakerConfig {
            window: WindowConfig::Count { size: 1 },
            minimum_calls: 1,
            ..BreakerConfig::default()
        }
    }

    fn fail(r: &mut BreakerRegistry, key: &str, now: u64) {
        let p = r.try_acquire(key, now).permit.unwrap();
        r.record(key, now, p, Class::Retryable, 10, None);
    }

    #[test]
    fn each_key_has_its_own_breaker() {
        let mut r = BreakerRegistry::new(trips_after_one_failure(), 8).unwrap();
        fail(&mut r, "gpt-4o", 0);
        assert_eq!(r.state("gpt-4o"), State::Open);
        assert_eq!(r.state("gpt-4o-mini"), State::Closed);
        assert!(r.try_acquire("gpt-4o-mini", 1).permitted);
        assert!(!r.try_acquire("gpt-4o", 1).permitted);
    }

    #[test]
    fn a_full_registry_evicts_the_least_recently_used_closed_breaker_not_an_open_one() {
        let mut r = BreakerRegistry::new(trips_after_one_failure(), 2).unwrap();
        fail(&mut r, "a", 0); // a: open, least recently used
        r.try_acquire("b", 1); // b: closed
        r.try_acquire("c", 2); // full: b goes, a stays open
        assert_eq!(r.stats(), RegistryStats { keys: 2, evictions: 1 });
        assert!(r.breaker("b").is_none());
        assert_eq!(r.state("a"), State::Open);
    }

    #[test]
    fn with_only_open_breakers_the_least_recently_used_goes() {
        let mut r = BreakerRegistry::new(trips_after_one_failure(), 2).unwrap();
        fail(&mut r, "a", 0);
        fail(&mut r, "b", 1);
        r.try_acquire("c", 2);
        assert!(r.breaker("a").is_none());
        assert_eq!(r.state("b"), State::Open);
    }

    #[test]
    fn a_permit_from_an_evicted_breaker_is_stale_for_its_successor() {
        let mut r = BreakerRegistry::new(BreakerConfig::default(), 1).unwrap();
        let old = r.try_acquire("a", 0).permit.unwrap();
        r.try_acquire("b", 1); // evicts a
        r.try_acquire("a", 2); // a new breaker for a, generation 0 like the old one
        assert_eq!(r.record("a", 3, old, Class::Retryable, 5, None).counted, Counted::Stale);
        assert_eq!(r.breaker("a").unwrap().metrics(3).calls, 0);
    }

    #[test]
    fn zero_max_keys_is_refused() {
        let e = BreakerRegistry::new(BreakerConfig::default(), 0).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (crate::ErrorCode::InvalidArgument, "max_keys"));
    }
}
