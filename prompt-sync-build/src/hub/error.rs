//! Hub errors: typed, each message says what to do, none contains the API key.

use std::fmt;
use std::time::Duration;

/// What went wrong talking to the hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HubError {
    /// 401, or 403 for a reason other than an org-scoped key.
    Auth {
        /// The HTTP status.
        status: u16,
        /// The server's message, if any (never the key).
        detail: String,
    },
    /// 403 `org_scoped_key_requires_workspace`: set `LANGSMITH_WORKSPACE_ID`.
    OrgScopedKey,
    /// 404: the prompt, ref or repo does not exist (or is not visible to this key).
    NotFound {
        /// What was looked up, e.g. "prompt `-/router` at `production`".
        what: String,
    },
    /// 409 other than "Nothing to commit".
    Conflict {
        /// The server's message.
        detail: String,
    },
    /// 429 after the retries ran out.
    RateLimited {
        /// The last `Retry-After`, if the server sent one.
        retry_after: Option<Duration>,
    },
    /// 5xx (or 408/425) after the retries ran out.
    Server {
        /// The HTTP status.
        status: u16,
    },
    /// Other 4xx the server refused (e.g. 400 "No prompt owner specified").
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        detail: String,
    },
    /// Could not connect, or the connection broke.
    Network {
        /// What failed.
        detail: String,
    },
    /// The request took longer than its time limit.
    Timeout {
        /// The limit that ran out.
        limit: Duration,
        /// It ran out while connecting (TCP and TLS handshake), not while waiting for
        /// or reading the answer.
        connecting: bool,
    },
    /// A response that is not what the API returns (HTML, truncated or wrong-shaped JSON).
    BadResponse {
        /// What was wrong.
        detail: String,
    },
    /// A response body over the size cap.
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// The endpoint or settings cannot be used (e.g. plain http to a non-loopback host).
    Config {
        /// What is wrong and how to fix it.
        detail: String,
    },
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubError::Auth { status, detail } => write!(
                f,
                "the hub refused the API key ({status}{}); check LANGSMITH_API_KEY",
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            ),
            HubError::OrgScopedKey => f.write_str(
                "the API key is org-scoped and needs a workspace: set LANGSMITH_WORKSPACE_ID",
            ),
            HubError::NotFound { what } => write!(f, "{what} was not found on the hub"),
            HubError::Conflict { detail } => write!(f, "the hub reported a conflict: {detail}"),
            HubError::RateLimited { retry_after } => match retry_after {
                Some(d) => write!(
                    f,
                    "the hub is rate limiting requests (retry after {} s)",
                    d.as_secs()
                ),
                None => f.write_str("the hub is rate limiting requests; try again later"),
            },
            HubError::Server { status } => {
                write!(f, "the hub had a server error ({status}); try again later")
            }
            HubError::Rejected { status, detail } => {
                write!(f, "the hub rejected the request ({status}): {detail}")
            }
            HubError::Network { detail } => write!(f, "cannot reach the hub: {detail}"),
            HubError::Timeout {
                limit,
                connecting: true,
            } => write!(
                f,
                "could not connect to the hub within {} (the connect limit: 5 s, or PROMPT_SYNC_TIMEOUT when lower); check the network and LANGSMITH_ENDPOINT",
                seconds(*limit)
            ),
            HubError::Timeout {
                limit,
                connecting: false,
            } => write!(
                f,
                "the hub did not answer within {} (PROMPT_SYNC_TIMEOUT, default 30 s); to wait longer set PROMPT_SYNC_TIMEOUT=SECONDS",
                seconds(*limit)
            ),
            HubError::BadResponse { detail } => {
                write!(f, "the hub sent an unexpected response: {detail}")
            }
            HubError::TooLarge { limit } => write!(
                f,
                "the hub's response is larger than the {limit} byte limit"
            ),
            HubError::Config { detail } => f.write_str(detail),
        }
    }
}

impl std::error::Error for HubError {}

/// `30 s`, or `0.3 s` for a limit that is not whole seconds.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
