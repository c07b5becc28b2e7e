//! Names of the engine's three-way states and sync outcomes, for tables and JSON.

use prompt_sync_build::engine::{Outcome, State};

/// The human label of a state, as the status table shows it.
pub(crate) fn label(state: State) -> &'static str {
    match state {
        State::Missing => "missing",
        State::UpToDate => "up to date",
        State::HubNewer => "hub newer",
        State::LocalEdit => "local edit",
        State::UnmarkedEdit => "unmarked edit",
        State::Converged => "converged",
        State::Conflict => "conflict",
        State::Untracked => "untracked",
    }
}

/// The JSON key of a state: its label in snake case.
pub(crate) fn key(state: State) -> String {
    label(state).replace(' ', "_")
}

/// The JSON key of an outcome.
pub(crate) fn outcome_key(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pulled => "pulled",
        Outcome::Updated { .. } => "updated",
        Outcome::Pushed { .. } => "pushed",
        Outcome::Recorded => "recorded",
        Outcome::Unchanged => "unchanged",
        Outcome::LocalEdit => "local_edit",
        Outcome::UnmarkedEdit => "unmarked_edit",
        Outcome::Conflict(_) => "conflict",
        Outcome::Error(_) => "error",
        Outcome::WouldPull => "would_pull",
        Outcome::WouldUpdate => "would_update",
        Outcome::WouldRecord => "would_record",
        Outcome::WouldPush => "would_push",
        Outcome::Interrupted => "interrupted",
        Outcome::PushRefused(_) => "push_refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_snake_case_labels() {
        assert_eq!(key(State::UpToDate), "up_to_date");
        assert_eq!(key(State::HubNewer), "hub_newer");
        assert_eq!(label(State::Conflict), "conflict");
        assert_eq!(outcome_key(&Outcome::WouldPush), "would_push");
    }
}
