//! The three-way table of ARCHITECTURE.md section 4, as a pure function.
//!
//! L = hash of the file now, B = `hub_content_hash` at the last sync (the base),
//! H = the hub's hash now, M = `locally_modified`.

/// The state of one prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// No text in the cache.
    Missing,
    /// L = B and H = B.
    UpToDate,
    /// L = B and H != B: the hub moved, the cache did not.
    HubNewer,
    /// M, L != B, H = B: a marked local edit the hub does not have.
    LocalEdit,
    /// !M, L != B, H = B: an edit that was not marked.
    UnmarkedEdit,
    /// L != B, H = L: the hub already has the local text.
    Converged,
    /// L != B, H != B, H != L: both sides moved.
    Conflict,
    /// A text without metadata that differs from the hub's (there is no base).
    Untracked,
}

/// Classifies a prompt. `local` is L (`None`: no text), `base` is B (`None`: no
/// metadata), `hub` is H.
pub fn classify(local: Option<&str>, base: Option<&str>, hub: &str, marked: bool) -> State {
    let Some(l) = local else {
        return State::Missing;
    };
    let Some(b) = base else {
        return if l == hub {
            State::Converged
        } else {
            State::Untracked
        };
    };
    match (l == b, hub == b) {
        (true, true) => State::UpToDate,
        (true, false) => State::HubNewer,
        (false, true) if marked => State::LocalEdit,
        (false, true) => State::UnmarkedEdit,
        (false, false) if hub == l => State::Converged,
        (false, false) => State::Conflict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        use State::*;
        let cases = [
            (None, Some("b"), "h", false, Missing),
            (Some("b"), Some("b"), "b", false, UpToDate),
            (Some("b"), Some("b"), "b", true, UpToDate),
            (Some("b"), Some("b"), "h", false, HubNewer),
            (Some("b"), Some("b"), "h", true, HubNewer),
            (Some("l"), Some("b"), "b", true, LocalEdit),
            (Some("l"), Some("b"), "b", false, UnmarkedEdit),
            (Some("l"), Some("b"), "l", false, Converged),
            (Some("l"), Some("b"), "l", true, Converged),
            (Some("l"), Some("b"), "h", true, Conflict),
            (Some("l"), Some("b"), "h", false, Conflict),
            (Some("l"), None, "l", false, Converged),
            (Some("l"), None, "h", false, Untracked),
        ];
        for (l, b, h, m, want) in cases {
            assert_eq!(classify(l, b, h, m), want, "L={l:?} B={b:?} H={h} M={m}");
        }
    }
}
