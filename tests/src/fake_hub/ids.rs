//! Identifiers and timestamps the fake hub hands out: UUID-shaped ids, 64-hex commit
//! hashes and naive ISO timestamps with microseconds (the form LangSmith returns).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::timestamp::format_utc;

/// Distinguishes hubs started in the same process, so their ids differ.
static HUBS: AtomicU64 = AtomicU64::new(0);

/// Deterministic-per-hub generator of ids and hashes.
pub(crate) struct IdGen {
    seed: String,
    counter: u64,
}

impl IdGen {
    /// A generator seeded from the clock, the process id and a per-process counter.
    pub(crate) fn new() -> IdGen {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = HUBS.fetch_add(1, Ordering::Relaxed);
        IdGen {
            seed: format!("{nanos}:{}:{n}", std::process::id()),
            counter: 0,
        }
    }

    fn next_digest(&mut self, salt: &str) -> String {
        self.counter += 1;
        sha256_hex(format!("{}:{}:{salt}", self.seed, self.counter).as_bytes())
    }

    /// A random-looking version-4 UUID string.
    pub(crate) fn uuid(&mut self) -> String {
        let hex = self.next_digest("uuid");
        let mut chars: Vec<char> = hex.chars().take(32).collect();
        chars[12] = '4';
        let variant = chars[16].to_digit(16).unwrap_or(0) % 4;
        chars[16] = ['8', '9', 'a', 'b'][variant as usize];
        let s: String = chars.into_iter().collect();
        format!(
            "{}-{}-{}-{}-{}",
            &s[0..8],
            &s[8..12],
            &s[12..16],
            &s[16..20],
            &s[20..32]
        )
    }

    /// A 64-lowercase-hex commit hash over `content`, unique per call.
    pub(crate) fn commit_hash(&mut self, content: &str) -> String {
        self.next_digest(content)
    }
}

/// Now as a naive UTC ISO timestamp with microseconds: `2026-11-24T18:50:51.783134`.
pub(crate) fn now_naive() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let base = format_utc(d.as_secs());
    let base = base.strip_suffix('Z').unwrap_or(&base);
    format!("{base}.{:06}", d.subsec_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let mut g = IdGen::new();
        let u = g.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let h = g.commit_hash("x");
        assert!(prompt_sync_core::hash::is_sha256_hex(&h));
        assert_ne!(h, g.commit_hash("x"));
        assert_eq!(now_naive().len(), 26);
    }
}
