//! When a request is sent again, and how long to wait first.
//!
//! # The rule
//!
//! At most [`ClientOptions::max_retries`](super::ClientOptions) retries
//! (so `max_retries + 1` attempts) per operation request. What may be retried depends
//! on what a repeat could do on the server:
//!
//! | outcome of an attempt | `GET` | push / create repo | add tag |
//! |---|---|---|---|
//! | could not connect (request never sent) | retry | retry | retry |
//! | connection broke after sending | retry | no | no |
//! | timeout | no | no | no |
//! | `429`, `425` | retry | retry | retry |
//! | `408`, `5xx` | retry | retry | no |
//! | anything else | no | no | no |
//!
//! Why a push may be repeated after a `5xx`/`408`: a commit that did land the first
//! time makes the repeat answer `409 Nothing to commit`, which the client reports
//! as [`PushOutcome::NothingToCommit`](crate::hub::PushOutcome), the state the caller
//! wanted; creating a repo that already exists answers `409`, which counts as
//! success. Tagging has no such convergence, so it is repeated only when the server
//! said it did not process the request (`429` rate limit, `425` too early) or the
//! request never left. (Two consequences for a push: the `NothingToCommit` of a
//! repeat carries no commit id, so a caller that needs it asks
//! [`Hub::list_commits`](crate::hub::Hub::list_commits); and if someone else pushed
//! between the two attempts, the repeat lands as one more commit with the same
//! content, as the hub does not appear to enforce `parent_commit`.)
//! A connection that broke after the request was written is
//! repeated for `GET`s only. Timeouts are never repeated: the timeout is already
//! long, and a build script must fall back to the cache quickly.
//!
//! Waits: the server's `Retry-After` (delay in seconds) when it sends one; a
//! `Retry-After` longer than [`ClientOptions::max_retry_after`](super::ClientOptions)
//! stops the retries at once (waiting less than asked would only be refused again),
//! reported as [`HubError::RateLimited`](crate::hub::HubError) / `Server`. Without
//! `Retry-After`: `base_backoff × 2^n` (n = 0, 1, 2, …) scaled by a jitter factor
//! in `[0.5, 1.5)`, capped at `max_retry_after`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What sending a request again could do on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Reads: repeat freely.
    Safe,
    /// Writes whose repeat converges (`409` Nothing to commit / repo exists).
    Converges,
    /// Writes repeated only when the server certainly did not act.
    Once,
}

/// How an attempt failed, as far as retrying cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be made; nothing was sent.
    Connect,
    /// The connection broke after the request may have been sent.
    Broken,
    /// The attempt timed out.
    Timeout,
    /// The server answered with this status.
    Status(u16),
}

/// Whether statuses of this kind are worth another attempt for some requests.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 425 | 429) || (500..=599).contains(&status)
}

/// Whether a request of class `replay` may be sent again after `failure`.
pub(crate) fn may_retry(replay: Replay, failure: Failure) -> bool {
    match failure {
        Failure::Connect => true,
        Failure::Broken => replay == Replay::Safe,
        Failure::Timeout => false,
        Failure::Status(425 | 429) => true,
        Failure::Status(s) if is_transient_status(s) => replay != Replay::Once,
        Failure::Status(_) => false,
    }
}

/// Parses `Retry-After` as a delay in seconds (integer or decimal). HTTP dates are
/// not used (`None`: fall back to the backoff).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
}

/// The wait before retry number `n` (0-based) without `Retry-After`.
pub(crate) fn backoff(base: Duration, n: u32, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << n.min(20));
    exp.mul_f64(0.5 + jitter()).min(cap)
}

/// A number in `[0, 1)`, different on every call (no `rand` crate: std's randomly
/// keyed hasher over a counter and the clock).
fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_table() {
        use Failure::*;
        use Replay::*;
        for r in [Safe, Converges, Once] {
            assert!(may_retry(r, Connect));
            assert!(!may_retry(r, Timeout));
            assert!(may_retry(r, Status(429)));
            assert!(may_retry(r, Status(425)));
            assert!(!may_retry(r, Status(404)));
            assert!(!may_retry(r, Status(409)));
        }
        assert!(may_retry(Safe, Broken));
        assert!(!may_retry(Converges, Broken));
        assert!(!may_retry(Once, Broken));
        assert!(may_retry(Converges, Status(500)));
        assert!(may_retry(Converges, Status(408)));
        assert!(!may_retry(Once, Status(500)));
        assert!(!may_retry(Once, Status(503)));
    }

    #[test]
    fn retry_after_and_backoff() {
        assert_eq!(parse_retry_after(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(10);
        for n in 0..4 {
            let d = backoff(base, n, cap);
            let nominal = base * (1 << n);
            assert!(d >= nominal / 2 && d < nominal * 3 / 2, "{n}: {d:?}");
        }
        assert_eq!(backoff(Duration::from_secs(60), 3, cap), cap);
        assert_eq!(backoff(Duration::from_secs(1), 40, cap), cap);
    }
}
