//! Sending one hub request: the shared client, headers, the redirect policy, the
//! retry loop (rules in [`super::retry`]), the body size cap, and the mapping of
//! statuses and transport failures to [`HubError`].

use std::error::Error as StdError;
use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url, redirect};
use serde_json::Value;

use super::ClientOptions;
use super::retry::{self, Failure, Replay};
use crate::hub::HubError;
use crate::hub::settings::{HubSettings, Secret, is_loopback, parse_endpoint, shown_endpoint};

/// `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("prompt-sync/", env!("CARGO_PKG_VERSION"));

/// Same-origin redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// How much of an error response is read (for its message).
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// Longest server message kept in an error.
const DETAIL_CHARS: usize = 300;

/// The shared HTTP client and what every request needs.
#[derive(Clone)]
pub(crate) struct Transport {
    client: Client,
    base: Url,
    options: ClientOptions,
    key: Secret,
}

/// One request of an operation.
pub(crate) struct Call<'a> {
    /// `GET` or `POST`.
    pub method: Method,
    /// Path segments after the endpoint (percent-encoded as needed).
    pub path: &'a [&'a str],
    /// Query pairs, in order.
    pub query: &'a [(&'a str, &'a str)],
    /// A JSON body.
    pub body: Option<&'a Value>,
    /// What a repeat could do (see [`super::retry`]).
    pub replay: Replay,
}

/// The final answer to a request (after any retries).
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body (complete for 2xx, at most 64 KiB otherwise).
    pub body: Vec<u8>,
    /// `Retry-After`, when sent as seconds.
    pub retry_after: Option<Duration>,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, lossily.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A failed attempt: the error, and how it counts for retrying (`None`: never).
struct AttemptError {
    failure: Option<Failure>,
    error: HubError,
}

/// The redirect policy refused another origin.
#[derive(Debug)]
struct CrossOriginRedirect(String);

impl fmt::Display for CrossOriginRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect to another origin ({})", self.0)
    }
}

impl StdError for CrossOriginRedirect {}

/// More than [`MAX_REDIRECTS`] redirects.
#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {MAX_REDIRECTS} redirects")
    }
}

impl StdError for TooManyRedirects {}

impl Transport {
    /// Builds the one client all requests share.
    pub fn new(settings: &HubSettings, options: ClientOptions) -> Result<Transport, HubError> {
        settings.validate()?;
        let base = parse_endpoint(&settings.endpoint)?;

        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut key =
            HeaderValue::from_str(settings.api_key.expose()).map_err(|_| HubError::Config {
                detail: "the LangSmith API key cannot be sent as an HTTP header value".to_owned(),
            })?;
        key.set_sensitive(true);
        headers.insert("x-api-key", key);
        if let Some(ws) = &settings.workspace_id {
            let ws = HeaderValue::from_str(ws).map_err(|_| HubError::Config {
                detail: "LANGSMITH_WORKSPACE_ID cannot be sent as an HTTP header value".to_owned(),
            })?;
            headers.insert("X-Tenant-Id", ws);
        }

        let mut builder = Client::builder()
            .default_headers(headers)
            .user_agent(USER_AGENT)
            .connect_timeout(options.connect_timeout)
            .timeout(options.total_timeout)
            .redirect(redirect_policy())
            .tls_backend_preconfigured(tls_config()?);
        if is_loopback(&base) {
            // A proxy from the environment must not see (or break) loopback traffic.
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| HubError::Config {
            detail: format!("cannot set up the HTTP client: {}", error_chain(&e)),
        })?;
        Ok(Transport {
            client,
            base,
            options,
            key: settings.api_key.clone(),
        })
    }

    /// The options in force.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Sends `call`, retrying as [`super::retry`] allows. Any HTTP status comes back
    /// as a [`Reply`]; transport failures, over-size bodies and refused redirects
    /// are errors.
    pub fn execute(&self, call: &Call<'_>) -> Result<Reply, HubError> {
        let url = self.url(call.path, call.query)?;
        let body = match call.body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|e| HubError::BadResponse {
                detail: format!("cannot encode the request body: {e}"),
            })?),
            None => None,
        };
        let mut retries = 0u32;
        loop {
            let (failure, hint, result) = match self.attempt(&call.method, &url, body.as_deref()) {
                Ok(reply) if retry::is_transient_status(reply.status) => (
                    Some(Failure::Status(reply.status)),
                    reply.retry_after,
                    Ok(reply),
                ),
                Ok(reply) => return Ok(reply),
                Err(e) => (e.failure, None, Err(self.redact_error(e.error))),
            };
            let Some(failure) = failure else {
                return result;
            };
            if retries >= self.options.max_retries || !retry::may_retry(call.replay, failure) {
                return result;
            }
            let wait = match hint {
                Some(asked) if asked > self.options.max_retry_after => return result,
                Some(asked) => asked,
                None => retry::backoff(
                    self.options.base_backoff,
                    retries,
                    self.options.max_retry_after,
                ),
            };
            std::thread::sleep(wait);
            retries += 1;
        }
    }

    /// The mapped error for a reply that is not 2xx; `what` names the thing looked up
    /// (for 404).
    pub fn status_error(&self, reply: &Reply, what: &str) -> HubError {
        // Redacted before it is cut short, so no piece of the key survives the cut.
        let detail = || server_detail(self.redact(&reply.text()).as_bytes());
        let status = reply.status;
        match status {
            401 => HubError::Auth {
                status,
                detail: detail(),
            },
            403 if reply.text().contains("org_scoped_key_requires_workspace") => {
                HubError::OrgScopedKey
            }
            403 => HubError::Auth {
                status,
                detail: detail(),
            },
            404 => HubError::NotFound {
                what: what.to_owned(),
            },
            409 => HubError::Conflict {
                detail: or_no_message(detail()),
            },
            429 => HubError::RateLimited {
                retry_after: reply.retry_after,
            },
            408 | 425 | 500..=599 => HubError::Server { status },
            400..=499 => HubError::Rejected {
                status,
                detail: or_no_message(detail()),
            },
            _ => HubError::BadResponse {
                detail: format!("unexpected HTTP status {status}"),
            },
        }
    }

    /// Parses a 2xx body as JSON.
    pub fn json(&self, reply: &Reply) -> Result<Value, HubError> {
        serde_json::from_slice(&reply.body).map_err(|e| HubError::BadResponse {
            detail: describe_non_json(self.redact(&reply.text()).as_bytes(), &e),
        })
    }

    /// Removes the API key from text that came from outside (server messages, errors).
    pub fn redact(&self, text: &str) -> String {
        let key = self.key.expose();
        if key.len() >= 4 && text.contains(key) {
            text.replace(key, "***")
        } else {
            text.to_owned()
        }
    }

    fn redact_error(&self, error: HubError) -> HubError {
        match error {
            HubError::Network { detail } => HubError::Network {
                detail: self.redact(&detail),
            },
            HubError::BadResponse { detail } => HubError::BadResponse {
                detail: self.redact(&detail),
            },
            HubError::Config { detail } => HubError::Config {
                detail: self.redact(&detail),
            },
            other => other,
        }
    }

    fn url(&self, path: &[&str], query: &[(&str, &str)]) -> Result<Url, HubError> {
        let mut url = self.base.clone();
        {
            let mut segments = url.path_segments_mut().map_err(|()| HubError::Config {
                detail: format!("the hub endpoint `{}` cannot take a path", self.base),
            })?;
            segments.pop_if_empty();
            for seg in path {
                if seg.is_empty() || *seg == "." || *seg == ".." {
                    return Err(HubError::Config {
                        detail: format!(
                            "`{seg}` cannot be used as a prompt owner, name or ref in a hub URL"
                        ),
                    });
                }
                segments.push(seg);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<Reply, AttemptError> {
        let started = Instant::now();
        let mut request = self.client.request(method.clone(), url.clone());
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = request.send().map_err(|e| self.send_error(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry::parse_retry_after);
        let body = if (200..300).contains(&status) {
            self.read_body(response, self.options.max_body_bytes, started)?
        } else {
            // Only for the message: read a little, ignore what breaks.
            read_prefix(response, ERROR_BODY_LIMIT.min(self.options.max_body_bytes))
        };
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }

    /// Reads a success body, refusing more than `limit` bytes (checked against
    /// `Content-Length` first, then while streaming, after decompression), and
    /// stopping at the total timeout between reads.
    fn read_body(
        &self,
        response: Response,
        limit: u64,
        started: Instant,
    ) -> Result<Vec<u8>, AttemptError> {
        let too_large = || AttemptError {
            failure: None,
            error: HubError::TooLarge { limit },
        };
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        let mut reader = response.take(limit.saturating_add(1));
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if started.elapsed() > self.options.total_timeout {
                return Err(AttemptError {
                    failure: Some(Failure::Timeout),
                    error: self.answer_timeout(),
                });
            }
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    body.extend_from_slice(&chunk[..n]);
                    if body.len() as u64 > limit {
                        return Err(too_large());
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.read_error(&e)),
            }
        }
        Ok(body)
    }

    fn send_error(&self, e: &reqwest::Error) -> AttemptError {
        let host = self.host();
        if let Some(to) = find_source::<CrossOriginRedirect>(e) {
            return AttemptError {
                failure: None,
                error: HubError::Config {
                    detail: format!(
                        "the hub at {host} redirected to another origin ({}); refusing to send the API key there (if that is the real API, set LANGSMITH_ENDPOINT to it)",
                        to.0
                    ),
                },
            };
        }
        if find_source::<TooManyRedirects>(e).is_some() {
            return AttemptError {
                failure: None,
                error: HubError::BadResponse {
                    detail: format!("the hub at {host} redirected more than {MAX_REDIRECTS} times"),
                },
            };
        }
        if e.is_timeout() {
            // reqwest's connect timeout covers the TCP connection and the TLS
            // handshake; its total timeout the rest.
            let connecting = e.is_connect();
            return AttemptError {
                failure: Some(Failure::Timeout),
                error: HubError::Timeout {
                    limit: if connecting {
                        self.options.connect_timeout
                    } else {
                        self.options.total_timeout
                    },
                    connecting,
                },
            };
        }
        if e.is_connect() {
            return AttemptError {
                failure: Some(Failure::Connect),
                error: HubError::Network {
                    detail: format!("could not connect to {host}: {}", error_chain(e)),
                },
            };
        }
        if e.is_builder() {
            return AttemptError {
                failure: None,
                error: HubError::Config {
                    detail: format!("cannot build the request: {}", error_chain(e)),
                },
            };
        }
        AttemptError {
            failure: Some(Failure::Broken),
            error: HubError::Network {
                detail: format!("the connection to {host} broke: {}", error_chain(e)),
            },
        }
    }

    fn read_error(&self, e: &std::io::Error) -> AttemptError {
        let inner_timeout = e
            .get_ref()
            .and_then(|inner| find_source::<reqwest::Error>(inner))
            .is_some_and(|r| r.is_timeout());
        let timed_out = e.kind() == std::io::ErrorKind::TimedOut || inner_timeout;
        if timed_out {
            return AttemptError {
                failure: Some(Failure::Timeout),
                error: self.answer_timeout(),
            };
        }
        AttemptError {
            failure: Some(Failure::Broken),
            error: HubError::Network {
                detail: format!(
                    "the connection to {} broke while reading the response: {}",
                    self.host(),
                    error_chain(e)
                ),
            },
        }
    }

    /// The total limit ran out (after connecting).
    fn answer_timeout(&self) -> HubError {
        HubError::Timeout {
            limit: self.options.total_timeout,
            connecting: false,
        }
    }

    /// The endpoint as set (port and path included), for messages.
    fn host(&self) -> String {
        shown_endpoint(&self.base)
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Follows up to [`MAX_REDIRECTS`] redirects within the endpoint's origin (scheme,
/// host, port); a redirect anywhere else is an error, so the key never leaves.
fn redirect_policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let next = attempt.url().origin();
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == next);
        if !same {
            let to = next.ascii_serialization();
            return attempt.error(CrossOriginRedirect(to));
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(TooManyRedirects);
        }
        attempt.follow()
    })
}

/// rustls with the *ring* provider and the platform's certificate verifier (system
/// roots), built here so no process-wide crypto provider is installed.
fn tls_config() -> Result<rustls::ClientConfig, HubError> {
    let tls_error = |e: &dyn fmt::Display| HubError::Config {
        detail: format!("cannot set up TLS: {e}"),
    };
    let provider = Arc::new(ring_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| tls_error(&e))?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(&e))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The *ring* crypto provider.
///
/// rustls 0.23.48 deprecates `ring::default_provider` because *ring* has no
/// post-quantum key exchange, and offers no other way to get the *ring* provider
/// (its signature algorithms and key provider are private), so the deprecation is
/// allowed here, on this one call. *ring* stays: the alternative, aws-lc-rs, builds a
/// C library in every user's build-script dependencies. Without the `allow`, every
/// user crate that resolves rustls 0.23.48 or newer would print a warning from this
/// crate (`tests/tests/e2e_fresh_dependencies.rs` checks that none appears).
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Up to `limit` bytes of a body; whatever cannot be read is left out.
fn read_prefix(response: Response, limit: u64) -> Vec<u8> {
    let mut body = Vec::new();
    let _ = response.take(limit).read_to_end(&mut body);
    body
}

/// The first error of type `T` in `e`'s source chain (including `e`).
fn find_source<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

/// `e` and its causes, `: `-separated, without URLs and repeats.
fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = match err.downcast_ref::<reqwest::Error>() {
            Some(r) => describe_reqwest(r),
            None => err.to_string(),
        };
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        "unknown error".to_owned()
    } else {
        parts.join(": ")
    }
}

/// A reqwest error's own line, without the URL (its causes follow in the chain).
fn describe_reqwest(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_body() || e.is_decode() {
        "reading the body failed".to_owned()
    } else if e.is_request() {
        "sending the request failed".to_owned()
    } else {
        String::new()
    }
}

/// What the server said in an error body: its `error`/`detail`/`message` field, or
/// its text (not an HTML page), one line, at most [`DETAIL_CHARS`] characters.
fn server_detail(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => ["error", "detail", "message"]
            .iter()
            .find_map(|k| map.get(*k))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| Value::Object(map.clone()).to_string()),
        Ok(other) => other.to_string(),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            if looks_like_html(&text) {
                "(an HTML page)".to_owned()
            } else {
                text.into_owned()
            }
        }
    };
    one_line(&text, DETAIL_CHARS)
}

fn or_no_message(detail: String) -> String {
    if detail.is_empty() {
        "(no message)".to_owned()
    } else {
        detail
    }
}

/// Control characters to spaces, whitespace collapsed, cut at `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// Markup (`<!doctype html>`, `<html>`, `<?xml …>`, …): JSON never starts with `<`.
fn looks_like_html(text: &str) -> bool {
    text.trim_start().starts_with('<')
}

fn describe_non_json(body: &[u8], e: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        "an empty body where JSON was expected".to_owned()
    } else if looks_like_html(&text) {
        "an HTML page where JSON was expected (is LANGSMITH_ENDPOINT the API URL, e.g. https://api.smith.langchain.com, and not the web app?)".to_owned()
    } else if e.is_eof() {
        format!("truncated JSON ({e})")
    } else {
        format!("invalid JSON ({e}), starting `{}`", one_line(&text, 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_detail_picks_the_message() {
        assert_eq!(
            server_detail(br#"{"error":"Nothing to commit: prompt has not changed"}"#),
            "Nothing to commit: prompt has not changed"
        );
        assert_eq!(
            server_detail(br#"{"detail":[{"loc":["x"]}]}"#),
            r#"[{"loc":["x"]}]"#
        );
        assert_eq!(
            server_detail(b"<html><body>502</body></html>"),
            "(an HTML page)"
        );
        assert_eq!(server_detail(b"plain\ntext"), "plain text");
        let long = "x".repeat(1000);
        assert_eq!(
            server_detail(long.as_bytes()).chars().count(),
            DETAIL_CHARS + 1
        );
    }
}
