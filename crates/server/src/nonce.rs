//! Replay protection: each (AccessKey, nonce) pair is accepted once while its request could
//! still pass the clock check (ram.md 3.5). Sharded so concurrent requests rarely meet on a lock,
//! and the lock is never held across an await.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;

const SHARDS: usize = 16;
/// Expired entries of a shard are swept when it grows past this size.
const SWEEP_AT: usize = 4096;

/// Each (AccessKey, nonce) pair is kept as a 128-bit fingerprint from two independently,
/// randomly keyed SipHashes rather than as its two strings: every nonce must be remembered for
/// the whole clock window (30 minutes of traffic at full speed is millions of entries), and a
/// fingerprint is a fifth of the memory. A false "already used" needs a 128-bit collision
/// under keys a client never learns.
pub struct NonceCache {
    shards: Vec<Mutex<Shard>>,
    keys: [std::collections::hash_map::RandomState; 2],
}

#[derive(Default)]
struct Shard {
    seen: HashMap<u128, i64>,
    sweep_at: usize,
}

impl Default for NonceCache {
    fn default() -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(), keys: Default::default() }
    }
}

impl NonceCache {
    /// Records the nonce and returns `true` when it was not seen (or its entry has expired).
    /// `expires_ms` is when the request carrying it stops passing the clock check anyway.
    pub fn first_use(&self, access_key_id: &str, nonce: &str, now_ms: i64, expires_ms: i64) -> bool {
        let [a, b] = &self.keys;
        let (high, low) = (a.hash_one((access_key_id, nonce)), b.hash_one((access_key_id, nonce)));
        let key = (u128::from(high) << 64) | u128::from(low);
        let shard = &self.shards[(low as usize) % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&until) = shard.seen.get(&key) {
            if until > now_ms {
                return false;
            }
        }
        shard.seen.insert(key, expires_ms);
        if shard.seen.len() >= shard.sweep_at.max(SWEEP_AT) {
            shard.seen.retain(|_, until| *until > now_ms);
            // Sweep again only after the live set doubles, so a large live set costs O(1) amortized.
            shard.sweep_at = shard.seen.len() * 2;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_until_it_expires() {
        let c = NonceCache::default();
        assert!(c.first_use("ak", "n1", 0, 100));
        assert!(!c.first_use("ak", "n1", 50, 150));
        assert!(c.first_use("other", "n1", 50, 150), "nonces are per AccessKey");
        assert!(c.first_use("ak", "n1", 100, 200), "expired entries no longer block");
    }

    #[test]
    fn sweeping_keeps_live_entries() {
        let c = NonceCache::default();
        for i in 0..20_000 {
            assert!(c.first_use("ak", &i.to_string(), i, i + 1_000_000));
        }
        for i in 0..20_000 {
            assert!(!c.first_use("ak", &i.to_string(), 20_000, 2_000_000));
        }
    }
}
