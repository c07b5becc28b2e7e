//! Hub settings: where the hub is, the key, the workspace and the owner.
//!
//! [`HubSettings::from_env`] reads them the way the LangSmith SDKs do: for each
//! `NAME`, `LANGSMITH_<NAME>` then `LANGCHAIN_<NAME>`, a value that is empty or only
//! whitespace counts as unset, and surrounding quotes are stripped. The endpoint is
//! checked by [`parse_endpoint`]: `https`, or plain `http` to a loopback host only.

use std::fmt;
use std::net::IpAddr;

use reqwest::Url;

use super::HubError;

/// The API URL used when neither the environment nor the config names one.
pub const DEFAULT_ENDPOINT: &str = "https://api.smith.langchain.com";

/// The owner meaning "the API key's own workspace".
pub const OWN_WORKSPACE: &str = "-";

/// The API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Secret(key.into())
    }

    /// The key, for the `x-api-key` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where and how to reach the hub.
#[derive(Clone, Debug)]
pub struct HubSettings {
    /// The API key.
    pub api_key: Secret,
    /// The API URL, normalised (no trailing `/`; may end in `/api/v1`).
    pub endpoint: String,
    /// Sent as `X-Tenant-Id` when set.
    pub workspace_id: Option<String>,
    /// The owner prompts are pulled from: `-` or a tenant handle.
    pub owner: String,
}

impl HubSettings {
    /// Settings from the environment (through `lookup`) and the package config.
    ///
    /// Reads `API_KEY`, `ENDPOINT` and `WORKSPACE_ID`, each as `LANGSMITH_<NAME>` then
    /// `LANGCHAIN_<NAME>`. The endpoint is the environment's, else `config_endpoint`,
    /// else [`DEFAULT_ENDPOINT`]; the owner is `config_owner` (`-` when empty).
    /// `Ok(None)` when no API key is set; [`HubError::Config`] when the endpoint or the
    /// owner cannot be used.
    pub fn from_env(
        lookup: &dyn Fn(&str) -> Option<String>,
        config_endpoint: Option<&str>,
        config_owner: &str,
    ) -> Result<Option<HubSettings>, HubError> {
        let Some(api_key) = sdk_var(lookup, "API_KEY") else {
            return Ok(None);
        };
        let (endpoint, source) = match sdk_var_named(lookup, "ENDPOINT") {
            Some((var, e)) => (e, var),
            None => match config_endpoint.map(clean_value).filter(|e| !e.is_empty()) {
                Some(e) => (e, "`endpoint` in [package.metadata.prompt-sync]".to_owned()),
                None => (
                    DEFAULT_ENDPOINT.to_owned(),
                    "the default endpoint".to_owned(),
                ),
            },
        };
        // Checked here first, so the error names where the bad value came from.
        parse_endpoint_from(&endpoint, &source)?;
        let settings = HubSettings {
            api_key: Secret::new(api_key),
            endpoint: normalise_endpoint(&endpoint),
            workspace_id: sdk_var(lookup, "WORKSPACE_ID"),
            owner: normalise_owner(config_owner),
        };
        settings.validate()?;
        Ok(Some(settings))
    }

    /// Checks what [`HttpHub::new`](super::client::HttpHub::new) checks, without
    /// building a client: the endpoint (see [`parse_endpoint`]), the owner, and that
    /// the key and the workspace id can be sent as header values.
    pub fn validate(&self) -> Result<(), HubError> {
        parse_endpoint(&self.endpoint)?;
        check_owner(&self.owner)?;
        if !is_header_safe(self.api_key.expose()) {
            return Err(HubError::Config {
                detail: "the LangSmith API key contains characters that cannot be sent in an HTTP header (check LANGSMITH_API_KEY for stray line breaks)".to_owned(),
            });
        }
        if let Some(ws) = &self.workspace_id
            && !is_header_safe(ws)
        {
            return Err(HubError::Config {
                detail: "LANGSMITH_WORKSPACE_ID contains characters that cannot be sent in an HTTP header".to_owned(),
            });
        }
        Ok(())
    }
}

/// Checks that `owner` is `-` or a tenant handle that fits in a URL segment.
pub fn check_owner(owner: &str) -> Result<(), HubError> {
    let bad = owner.is_empty()
        || owner == "."
        || owner == ".."
        || owner
            .chars()
            .any(|c| c == '/' || c == '?' || c == '#' || c == '%' || c.is_whitespace());
    if bad {
        return Err(HubError::Config {
            detail: format!(
                "the hub owner `{owner}` is not a tenant handle: use `-` (the API key's own workspace) or the workspace's handle"
            ),
        });
    }
    Ok(())
}

/// An endpoint as messages show it: scheme, host, port and path, as set; never the
/// user name, password, query or fragment (where a key could hide).
pub(crate) fn shown_endpoint(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    if url.path() != "/" {
        shown.push_str(url.path());
    }
    shown
}

/// Parses and checks an endpoint: an absolute `https` URL, or `http` to a loopback
/// host (`127.0.0.0/8`, `::1`, `localhost`), without user info, query or fragment.
/// The text is normalised first (see [`normalise_endpoint`]). Errors never repeat the
/// whole value (it may be a misplaced API key, or carry one as user info or in its
/// query); they show its scheme, host, port and path.
pub fn parse_endpoint(endpoint: &str) -> Result<Url, HubError> {
    parse_endpoint_from(endpoint, "the hub endpoint")
}

/// [`parse_endpoint`], with errors naming `source` (e.g. `LANGSMITH_ENDPOINT`) as the
/// place to fix.
fn parse_endpoint_from(endpoint: &str, source: &str) -> Result<Url, HubError> {
    let text = normalise_endpoint(endpoint);
    let fix = format!("set {source} to the hub's URL, e.g. {DEFAULT_ENDPOINT}");
    let url = Url::parse(&text).map_err(|e| {
        let swapped = if looks_like_api_key(&text) {
            " (it looks like an API key: are LANGSMITH_API_KEY and LANGSMITH_ENDPOINT swapped?)"
        } else {
            ""
        };
        HubError::Config {
            detail: format!("{source} is not a valid URL ({e}){swapped}; {fix}"),
        }
    })?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(HubError::Config {
            detail: format!("{source} is not an http(s) URL with a host; {fix}"),
        });
    }
    let shown = shown_endpoint(&url);
    let config = |why: &str| HubError::Config {
        detail: format!("{source} (`{shown}`) {why}"),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config(
            "contains a user name or password; remove them from the URL and put the key in LANGSMITH_API_KEY instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config("must not have a query (`?…`) or fragment (`#…`)"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(config(
            "uses plain http, which would send the API key unencrypted; use https (plain http is allowed only for loopback hosts: 127.0.0.1, ::1, localhost)",
        )),
        other => Err(config(&format!(
            "uses the `{other}` scheme; use https (or http for a loopback host)"
        ))),
    }
}

/// True for text shaped like a LangSmith API key (`lsv2_…`, `ls__…`).
fn looks_like_api_key(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.starts_with("lsv2_") || t.starts_with("ls__") || t.starts_with("ls_")
}

/// Trims whitespace and surrounding quotes, and drops trailing `/`s.
pub fn normalise_endpoint(endpoint: &str) -> String {
    clean_value(endpoint).trim_end_matches('/').to_owned()
}

/// Whether the URL's host is a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// `LANGSMITH_<name>`, then `LANGCHAIN_<name>`, cleaned; empty counts as unset.
fn sdk_var(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    sdk_var_named(lookup, name).map(|(_, v)| v)
}

/// [`sdk_var`], with the name of the variable that was set.
fn sdk_var_named(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<(String, String)> {
    ["LANGSMITH_", "LANGCHAIN_"].iter().find_map(|prefix| {
        let var = format!("{prefix}{name}");
        lookup(&var)
            .map(|v| clean_value(&v))
            .filter(|v| !v.is_empty())
            .map(|v| (var, v))
    })
}

/// Trims whitespace and surrounding `"`/`'` quotes (as the Python SDK does).
fn clean_value(value: &str) -> String {
    value
        .trim()
        .trim_matches('"')
        .trim_matches('\'')
        .trim()
        .to_owned()
}

fn normalise_owner(owner: &str) -> String {
    let owner = clean_value(owner);
    if owner.is_empty() {
        OWN_WORKSPACE.to_owned()
    } else {
        owner
    }
}

/// Visible ASCII and spaces only (what an HTTP header value may carry safely).
fn is_header_safe(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn no_key_means_none() {
        let e = env(&[("LANGSMITH_ENDPOINT", "https://x.example")]);
        assert!(HubSettings::from_env(&e, None, "-").unwrap().is_none());
        let e = env(&[("LANGSMITH_API_KEY", "  "), ("LANGCHAIN_API_KEY", "\"\"")]);
        assert!(HubSettings::from_env(&e, None, "-").unwrap().is_none());
    }

    #[test]
    fn langsmith_first_then_langchain() {
        let e = env(&[
            ("LANGSMITH_API_KEY", ""),
            ("LANGCHAIN_API_KEY", " 'lc-key' "),
            (
                "LANGCHAIN_ENDPOINT",
                "\"https://eu.api.smith.langchain.com/\"",
            ),
            ("LANGSMITH_WORKSPACE_ID", "ws-1"),
            ("LANGCHAIN_WORKSPACE_ID", "ws-2"),
        ]);
        let s = HubSettings::from_env(&e, Some("https://ignored.example"), "")
            .unwrap()
            .unwrap();
        assert_eq!(s.api_key.expose(), "lc-key");
        assert_eq!(s.endpoint, "https://eu.api.smith.langchain.com");
        assert_eq!(s.workspace_id.as_deref(), Some("ws-1"));
        assert_eq!(s.owner, "-");
    }

    #[test]
    fn config_endpoint_then_default() {
        let e = env(&[("LANGSMITH_API_KEY", "k")]);
        let s = HubSettings::from_env(&e, Some(" https://h.example/api/v1/ "), "team")
            .unwrap()
            .unwrap();
        assert_eq!(s.endpoint, "https://h.example/api/v1");
        assert_eq!(s.owner, "team");
        let s = HubSettings::from_env(&e, None, "-").unwrap().unwrap();
        assert_eq!(s.endpoint, DEFAULT_ENDPOINT);
    }

    #[test]
    fn http_only_for_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9/api/v1",
            "http://LOCALHOST:1",
            "https://api.smith.langchain.com/",
        ] {
            parse_endpoint(ok).unwrap();
        }
        for bad in [
            "http://api.smith.langchain.com",
            "http://10.0.0.1",
            "http://localhost.evil.example",
            "ftp://x.example",
            "not a url",
            "https://user:pw@x.example",
            "https://x.example/?a=1",
        ] {
            let err = parse_endpoint(bad).unwrap_err();
            assert!(matches!(err, HubError::Config { .. }), "{bad}: {err:?}");
        }
        let msg = parse_endpoint("http://hub.example.com")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("use https"), "{msg}");
    }

    #[test]
    fn endpoint_errors_name_the_variable_and_never_repeat_a_secret() {
        // The variables swapped: the key in LANGSMITH_ENDPOINT.
        let e = env(&[
            ("LANGSMITH_API_KEY", "https://x.example"),
            ("LANGSMITH_ENDPOINT", "lsv2_pt_0123_SECRET"),
        ]);
        let msg = HubSettings::from_env(&e, None, "-")
            .unwrap_err()
            .to_string();
        assert!(!msg.contains("SECRET"), "{msg}");
        assert!(
            msg.contains("LANGSMITH_ENDPOINT is not a valid URL"),
            "{msg}"
        );
        assert!(msg.contains("swapped"), "{msg}");
        // A key as user info: the URL is shown without it.
        let e = env(&[
            ("LANGSMITH_API_KEY", "k"),
            (
                "LANGCHAIN_ENDPOINT",
                "https://lsv2_pt_SECRET:pw@hub.example/api/v1",
            ),
        ]);
        let msg = HubSettings::from_env(&e, None, "-")
            .unwrap_err()
            .to_string();
        assert!(!msg.contains("SECRET") && !msg.contains("pw"), "{msg}");
        assert!(
            msg.contains("LANGCHAIN_ENDPOINT (`https://hub.example/api/v1`)"),
            "{msg}"
        );
        assert!(msg.contains("user name or password"), "{msg}");
        // The config's endpoint is named as such.
        let e = env(&[("LANGSMITH_API_KEY", "k")]);
        let msg = HubSettings::from_env(&e, Some("http://SECRET.example/p?q=1"), "-")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("`endpoint` in [package.metadata.prompt-sync]"),
            "{msg}"
        );
        assert!(!msg.contains("q=1"), "{msg}");
        assert!(msg.contains("(`http://secret.example/p`)"), "{msg}");
        // The endpoint is shown as set: port and path kept, query dropped.
        let msg = parse_endpoint("ftp://127.0.0.1:18765")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("(`ftp://127.0.0.1:18765`)"), "{msg}");
        let msg = parse_endpoint("ftp://h.example:2121/api/v1")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("(`ftp://h.example:2121/api/v1`)"), "{msg}");
        let msg = parse_endpoint("https://[::1]:9/x?key=SECRET")
            .unwrap_err()
            .to_string();
        assert!(
            !msg.contains("SECRET") && msg.contains("(`https://[::1]:9/x`)"),
            "{msg}"
        );
        let msg = parse_endpoint("SECRET no url").unwrap_err().to_string();
        assert!(!msg.contains("SECRET"), "{msg}");
    }

    #[test]
    fn bad_owner_and_key_are_config_errors() {
        let e = env(&[("LANGSMITH_API_KEY", "k")]);
        assert!(HubSettings::from_env(&e, None, "a/b").is_err());
        let e = env(&[("LANGSMITH_API_KEY", "k\u{7}ey")]);
        let err = HubSettings::from_env(&e, None, "-").unwrap_err();
        assert!(!err.to_string().contains("k\u{7}ey"));
    }
}
