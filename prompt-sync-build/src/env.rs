//! Every environment variable the build script reads goes through [`Env`], which
//! knows which ones are secret: those are never tracked with `rerun-if-env-changed`
//! (cargo writes tracked values in plain text under `target/`), never printed.

use std::collections::BTreeMap;
use std::ffi::OsString;

/// API key variables: read, never tracked, never shown.
pub const SECRET_VARS: &[&str] = &["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"];

/// `PROMPT_SYNC_OFFLINE=1` (or `true`): never touch the network.
pub const OFFLINE_VAR: &str = "PROMPT_SYNC_OFFLINE";

/// Looks up one variable.
type Lookup = Box<dyn Fn(&str) -> Option<OsString>>;

/// The environment as the build script sees it, recording what was read.
pub struct Env {
    lookup: Lookup,
    read: std::cell::RefCell<std::collections::BTreeSet<String>>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Env::from_fn(|k| std::env::var_os(k))
    }

    /// A fixed environment (for tests).
    pub fn from_map(vars: BTreeMap<String, String>) -> Self {
        Env::from_fn(move |k| vars.get(k).map(OsString::from))
    }

    fn from_fn(f: impl Fn(&str) -> Option<OsString> + 'static) -> Self {
        Env {
            lookup: Box::new(f),
            read: Default::default(),
        }
    }

    /// The raw value of `name`, recorded for `rerun-if-env-changed` unless secret.
    pub fn var_os(&self, name: &str) -> Option<OsString> {
        self.read.borrow_mut().insert(name.to_owned());
        (self.lookup)(name)
    }

    /// The value of `name` as UTF-8 text, `None` when unset or empty.
    pub fn var(&self, name: &str) -> Option<String> {
        self.var_os(name)
            .and_then(|v| v.into_string().ok())
            .filter(|v| !v.trim().is_empty())
    }

    /// True when `name` is `1` or `true` (any case).
    pub fn flag(&self, name: &str) -> bool {
        self.var(name)
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
    }

    /// Whether an API key is set (`LANGSMITH_API_KEY`, then `LANGCHAIN_API_KEY`),
    /// without ever exposing its value.
    pub fn has_api_key(&self) -> bool {
        SECRET_VARS.iter().any(|k| self.var(k).is_some())
    }

    /// The non-secret variables read so far, for `rerun-if-env-changed`.
    pub fn tracked(&self) -> Vec<String> {
        self.read
            .borrow()
            .iter()
            .filter(|k| !SECRET_VARS.contains(&k.as_str()))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn secrets_are_read_but_never_tracked() {
        let e = env(&[
            ("LANGSMITH_API_KEY", "lsv2_secret"),
            ("PROMPT_SYNC_OFFLINE", "TRUE"),
        ]);
        assert!(e.has_api_key());
        assert!(e.flag(OFFLINE_VAR));
        let tracked = e.tracked();
        assert_eq!(tracked, vec!["PROMPT_SYNC_OFFLINE".to_owned()]);
    }

    #[test]
    fn flags_and_empty_values() {
        let e = env(&[
            ("A", "0"),
            ("B", " "),
            ("C", "yes"),
            ("LANGCHAIN_API_KEY", ""),
        ]);
        assert!(!e.flag("A"));
        assert!(!e.flag("B"));
        assert!(!e.flag("C"));
        assert_eq!(e.var("B"), None);
        assert!(!e.has_api_key());
        assert_eq!(e.tracked(), vec!["A", "B", "C"]);
    }
}
