//! `build.rs` integration of prompt-sync.
//!
//! ```text
//! // build.rs
//! fn main() {
//!     prompt_sync_build::sync();
//! }
//! ```
//!
//! The build script works out which prompts the package needs (the config's
//! `prompts`, every `prompt!("…")` literal in `src/`, `examples/`, `tests/` and
//! `benches/`, and what the cache holds), keeps the cache in step with the hub when it
//! may use the network, and otherwise verifies the committed cache. It emits the
//! `rerun-if-changed` / `rerun-if-env-changed` lines so cargo reruns it only when
//! something it depends on changed, and never tracks the API key.
//!
//! Online, it checks the hub at most once per `refresh_interval` (the time of the last
//! check is kept in `OUT_DIR`; `PROMPT_SYNC_REFRESH=1` forces a check, and a prompt the
//! cache lacks is always fetched), pulls what changed through the sync engine, and falls
//! back to the cache with one `cargo:warning` per cause when the hub, the network or the
//! key fails. It never pushes.
//!
//! While `PROMPT_SYNC_REFRESH` is `1`/`true` it asks cargo to rerun it on every build,
//! so each build with the variable set checks the hub.
//!
//! Offline when any of: `PROMPT_SYNC_OFFLINE` is `1`/`true`, `CARGO_NET_OFFLINE` is
//! true, `DOCS_RS` is set, no `LANGSMITH_API_KEY`/`LANGCHAIN_API_KEY`, or the package is
//! built from a registry or by `cargo package`.

mod directives;
pub mod engine;
pub mod env;
pub mod hub;
pub mod mode;
mod needed;
mod offline;
mod online;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use prompt_sync_core::config::Config;
use prompt_sync_core::index::INDEX_FILE;
use prompt_sync_core::layout::{CACHE_DIR_ENV, CacheLayout};
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::{Failure, Problem};
use prompt_sync_core::{PromptName, similar};

pub use directives::{Directives, NEVER_CREATED};
pub use env::Env;
pub use mode::OfflineReason;

/// Runs the build step for the package being built and prints cargo directives.
/// On failure it prints every problem with its fix and exits the build script with
/// status 1, which fails the build.
pub fn sync() {
    Builder::new().run_or_exit();
}

/// Configures the build step (`Builder::new().prompt("x").run_or_exit()`).
#[derive(Debug, Default)]
pub struct Builder {
    package_dir: Option<PathBuf>,
    extra: Vec<String>,
    offline: bool,
}

/// What the build step did.
#[derive(Debug)]
pub struct Report {
    /// The cache directory used.
    pub cache_dir: PathBuf,
    /// Why the build ran offline (`None`: it was online).
    pub offline: Option<OfflineReason>,
    /// The prompts verified, sorted.
    pub prompts: Vec<PromptName>,
    /// The cargo directives (`cargo:rerun-if-changed=…`, `cargo:warning=…`), in order.
    pub directives: Directives,
}

/// Why the build step failed.
#[derive(Debug)]
pub enum BuildError {
    /// The config could not be read, or the cache directory is unusable.
    Setup(prompt_sync_core::Error),
    /// Prompts the package needs are missing or damaged.
    Prompts {
        /// One entry per prompt.
        failures: Vec<Failure>,
        /// The package directory, to show paths relative to it.
        package_dir: PathBuf,
        /// For a prompt that is nowhere (a misspelt name, say): the message that
        /// replaces the failure's, saying where it was looked for and which names
        /// are close.
        explained: BTreeMap<PromptName, String>,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Setup(e) => write!(f, "prompt-sync: {e}"),
            BuildError::Prompts {
                failures,
                package_dir,
                explained,
            } => {
                writeln!(
                    f,
                    "prompt-sync: {} prompt(s) this package needs cannot be used:",
                    failures.len()
                )?;
                for fail in failures {
                    let msg = explained
                        .get(&fail.name)
                        .cloned()
                        .unwrap_or_else(|| fail.message(Some(package_dir)));
                    writeln!(f, "  - {}", msg.replace('\n', "\n    "))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// Explains each needed prompt that is neither in the cache nor (when the hub was
/// asked) on the hub: likely a misspelt name, so the message says where it was looked
/// for and names the closest prompts of the config, the cache and the hub's list.
fn explain_unknown(
    error: BuildError,
    config: &Config,
    store: &Store,
    facts: &online::HubFacts,
) -> BuildError {
    let BuildError::Prompts {
        failures,
        package_dir,
        mut explained,
    } = error
    else {
        return error;
    };
    let cached: Vec<PromptName> = store.layout().list().map(|l| l.names).unwrap_or_default();
    for fail in &failures {
        let nowhere = matches!(
            fail.problem,
            Problem::Missing {
                text_exists: false,
                metadata_exists: false
            }
        );
        if !nowhere {
            continue;
        }
        let n = &fail.name;
        let candidates = config
            .prompts
            .iter()
            .map(|p| p.name.as_str())
            .chain(cached.iter().map(PromptName::as_str))
            .chain(facts.names.iter().flatten().map(String::as_str));
        let close = similar::closest(n.as_str(), candidates);
        let did_you_mean = match close.as_slice() {
            [] => String::new(),
            names => format!(
                "did you mean {}? Then ",
                names
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        let dir = fail
            .cache_dir
            .strip_prefix(&package_dir)
            .unwrap_or(&fail.cache_dir)
            .display()
            .to_string();
        let msg = if facts.not_found.contains(n) {
            format!(
                "no prompt `{n}` exists: the hub answered \"not found\" for it, and it is not in the cache (searched `{dir}`)\n  fix: {did_you_mean}correct the name in `prompt!(\"{n}\")` and in `prompts` of [package.metadata.prompt-sync]; `prompt-sync new {n}` starts a new prompt of that name"
            )
        } else if close.is_empty() {
            continue;
        } else {
            format!(
                "{}\n  {} (the closest names in the config and the cache)",
                fail.message(Some(&package_dir)),
                did_you_mean.trim_end_matches(" Then ")
            )
        };
        explained.insert(n.clone(), msg);
    }
    BuildError::Prompts {
        failures,
        package_dir,
        explained,
    }
}

impl Builder {
    /// A builder for the package cargo is building (`CARGO_MANIFEST_DIR`).
    pub fn new() -> Self {
        Builder::default()
    }

    /// Works on the package in `dir` instead of `CARGO_MANIFEST_DIR`.
    pub fn package_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.package_dir = Some(dir.into());
        self
    }

    /// Also requires `name` (as if listed in the config's `prompts`).
    pub fn prompt(mut self, name: impl Into<String>) -> Self {
        self.extra.push(name.into());
        self
    }

    /// Forces an offline build, whatever the environment says.
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// Runs against the process environment and prints the directives; on failure
    /// prints the error and exits with status 1.
    pub fn run_or_exit(self) {
        let env = Env::from_process();
        match self.run_with(&env) {
            Ok(report) => print!("{}", report.directives),
            Err((err, directives)) => {
                // Keep the rerun lines so fixing the cache reruns the script.
                print!("{directives}");
                eprintln!("{err}");
                std::process::exit(1);
            }
        }
    }

    /// Runs against `env` without printing. On failure, the directives gathered so
    /// far come with the error.
    pub fn run_with(self, env: &Env) -> Result<Report, (BuildError, Directives)> {
        let mut directives = Directives::default();
        match self.run_inner(env, &mut directives) {
            Ok((cache_dir, offline, prompts)) => Ok(Report {
                cache_dir,
                offline,
                prompts,
                directives,
            }),
            Err(e) => Err((e, directives)),
        }
    }

    fn run_inner(
        self,
        env: &Env,
        out: &mut Directives,
    ) -> Result<(PathBuf, Option<OfflineReason>, Vec<PromptName>), BuildError> {
        let package_dir = match self.package_dir {
            Some(d) => d,
            None => env.var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).ok_or_else(|| {
                BuildError::Setup(prompt_sync_core::Error::Config {
                    path: PathBuf::from("build.rs"),
                    detail: "CARGO_MANIFEST_DIR is not set: call prompt_sync_build::sync() from a build script run by cargo".to_owned(),
                })
            })?,
        };
        let config = Config::load(&package_dir).map_err(BuildError::Setup)?;
        for file in &config.manifest_files {
            out.rerun_if_changed(file);
        }
        for w in &config.warnings {
            out.warning(w);
        }
        let layout = CacheLayout::resolve(
            &package_dir,
            config.cache_dir.as_deref(),
            env.var_os(CACHE_DIR_ENV).as_deref(),
        );
        let store = Store::new(layout);
        let needed =
            needed::needed_prompts(&package_dir, &config, &self.extra, store.layout(), out)
                .map_err(BuildError::Setup)?;

        let offline = if self.offline {
            Some(OfflineReason::Requested)
        } else {
            mode::offline_reason(env, &package_dir)
        };
        let may_write = offline != Some(OfflineReason::Packaged);
        if may_write {
            // Before syncing, so what a killed sync left is never mistaken for an edit.
            offline::repair_leftovers(&store, out)?;
        }
        let facts = match &offline {
            Some(OfflineReason::NoApiKey) => {
                out.warning(
                    "no LANGSMITH_API_KEY set: using the committed prompt cache (set the key to sync with the hub, or PROMPT_SYNC_OFFLINE=1 to silence this)",
                );
                online::HubFacts::default()
            }
            Some(_) => online::HubFacts::default(),
            None => online::sync(env, &config, &store, &needed, out),
        };
        let index = env
            .var_os("OUT_DIR")
            .map(|d| PathBuf::from(d).join(INDEX_FILE));
        offline::verify_cache(
            &store,
            &needed,
            &package_dir,
            may_write,
            index.as_deref(),
            out,
        )
        .map_err(|e| explain_unknown(e, &config, &store, &facts))?;
        if refresh_every_build(env, offline.as_ref()) {
            // Cargo reruns a build script only when something it tracks changed: without
            // this, a second `PROMPT_SYNC_REFRESH=1 cargo build` would not check the hub.
            let dir = env
                .var_os("OUT_DIR")
                .map_or_else(|| package_dir.clone(), PathBuf::from);
            out.rerun_every_build(&dir);
        }
        out.track_env(env);
        let mut names: Vec<PromptName> = needed.all().cloned().collect();
        names.sort();
        Ok((store.layout().root().to_owned(), offline, names))
    }
}

/// While `PROMPT_SYNC_REFRESH` is set, the hub is checked on every build, so the build
/// script asks cargo to rerun it each time: when the build is online, and when it is
/// offline only for want of an API key (cargo does not track the key, so a key set
/// later then counts at the next build). A build offline on purpose
/// (`PROMPT_SYNC_OFFLINE`, cargo offline, docs.rs, a packaged crate) is not rerun.
fn refresh_every_build(env: &Env, offline: Option<&OfflineReason>) -> bool {
    matches!(offline, None | Some(OfflineReason::NoApiKey)) && env.flag(online::REFRESH_VAR)
}
