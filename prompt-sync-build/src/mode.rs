//! Whether this build may use the network, and if not, why.

use std::fmt;
use std::path::Path;

use crate::env::{Env, OFFLINE_VAR};

/// Why a build is offline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfflineReason {
    /// `PROMPT_SYNC_OFFLINE` is `1` or `true`.
    Requested,
    /// `CARGO_NET_OFFLINE` is true in the environment.
    CargoOffline,
    /// Building documentation on docs.rs.
    DocsRs,
    /// Neither `LANGSMITH_API_KEY` nor `LANGCHAIN_API_KEY` is set.
    NoApiKey,
    /// The package is built from a registry, a git checkout or by `cargo package`.
    Packaged,
}

impl fmt::Display for OfflineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OfflineReason::Requested => "PROMPT_SYNC_OFFLINE is set",
            OfflineReason::CargoOffline => "cargo is offline (CARGO_NET_OFFLINE)",
            OfflineReason::DocsRs => "building on docs.rs",
            OfflineReason::NoApiKey => "no LANGSMITH_API_KEY (or LANGCHAIN_API_KEY) is set",
            OfflineReason::Packaged => "the package is built from a registry or by `cargo package`",
        })
    }
}

/// Decides online or offline. The order matters only for which reason is reported.
pub fn offline_reason(env: &Env, package_dir: &Path) -> Option<OfflineReason> {
    if env.flag(OFFLINE_VAR) {
        Some(OfflineReason::Requested)
    } else if env.flag("CARGO_NET_OFFLINE") {
        Some(OfflineReason::CargoOffline)
    } else if env.var("DOCS_RS").is_some() {
        Some(OfflineReason::DocsRs)
    } else if is_packaged(package_dir, env) {
        Some(OfflineReason::Packaged)
    } else if !env.has_api_key() {
        Some(OfflineReason::NoApiKey)
    } else {
        None
    }
}

/// A package unpacked by cargo (registry, git dependency, or `cargo package`'s
/// verification build) is never synced: its cache is what was published.
fn is_packaged(package_dir: &Path, env: &Env) -> bool {
    if package_dir.join("Cargo.toml.orig").exists() || package_dir.join(".cargo-ok").exists() {
        return true;
    }
    let cargo_home = env
        .var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| env.var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    cargo_home.is_some_and(|home| {
        ["registry", "git"]
            .iter()
            .any(|sub| package_dir.starts_with(home.join(sub)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn each_reason() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let key = ("LANGSMITH_API_KEY", "k");
        assert_eq!(offline_reason(&env(&[key]), p), None);
        assert_eq!(offline_reason(&env(&[]), p), Some(OfflineReason::NoApiKey));
        assert_eq!(
            offline_reason(&env(&[key, ("PROMPT_SYNC_OFFLINE", "1")]), p),
            Some(OfflineReason::Requested)
        );
        assert_eq!(
            offline_reason(&env(&[key, ("PROMPT_SYNC_OFFLINE", "0")]), p),
            None
        );
        assert_eq!(
            offline_reason(&env(&[key, ("CARGO_NET_OFFLINE", "true")]), p),
            Some(OfflineReason::CargoOffline)
        );
        assert_eq!(
            offline_reason(&env(&[key, ("DOCS_RS", "1")]), p),
            Some(OfflineReason::DocsRs)
        );
        let home = p.join("home");
        let dep = home.join("registry/src/index/app-1.0.0");
        std::fs::create_dir_all(&dep).unwrap();
        assert_eq!(
            offline_reason(&env(&[key, ("CARGO_HOME", home.to_str().unwrap())]), &dep),
            Some(OfflineReason::Packaged)
        );
        std::fs::write(p.join("Cargo.toml.orig"), "").unwrap();
        assert_eq!(
            offline_reason(&env(&[key]), p),
            Some(OfflineReason::Packaged)
        );
    }
}
