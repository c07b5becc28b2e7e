//! The prompt-sync config, read from `Cargo.toml`.
//!
//! A package configures prompt-sync in `[package.metadata.prompt-sync]`:
//!
//! ```toml
//! [package.metadata.prompt-sync]
//! prompts = ["test_generator_v1", { name = "router", ref = "production" }]
//! cache_dir = "prompts/langsmith_cache"   # relative to this Cargo.toml's directory
//! owner = "-"                             # `-` or a LangSmith handle
//! endpoint = "https://api.smith.langchain.com"
//! refresh_interval = 300                  # seconds between hub checks
//! original_hub_names = false              # true: hub repo NAME_v1, as the Python tool
//! ```
//!
//! A `prompts` table may name the hub repo a cache entry follows when it differs:
//! `{ name = "agentic_rag_system", hub = "agentic_rag_system_v1" }`.
//!
//! Every key falls back, **one key at a time**, to `[workspace.metadata.prompt-sync]` of the
//! workspace root: a key the package sets wins, a key it leaves out comes from the
//! workspace, and a key neither sets takes its default. `prompts` is one key too: a package
//! list replaces the workspace list, it is not merged with it.
//!
//! Both levels are validated in full, even keys the package overrides, so every member of a
//! workspace reports the same mistake in the workspace table.
//!
//! # Finding the workspace root
//!
//! [`Config::load`] finds the root the way cargo does:
//! - the package's own `Cargo.toml`, when it has a `[workspace]` table;
//! - else the directory named by `package.workspace`, when set (it must hold a
//!   `Cargo.toml` with a `[workspace]` table);
//! - else the nearest ancestor directory whose `Cargo.toml` has a `[workspace]` table that
//!   does not `exclude` the package. Ancestors without a `Cargo.toml` are passed over, and so
//!   are ancestor `Cargo.toml` files that cannot be read or are not valid TOML: they are not
//!   this package's business, and cargo itself reports a broken workspace root. The walk
//!   stops, like cargo's, before `target/package` (where `cargo package` verifies a
//!   package) and does not climb out of a downloaded dependency (a directory holding
//!   `.cargo-ok` or `.cargo-checksum.json`).
//!
//! Note that `[workspace.metadata]` is not copied into a published package, so a package
//! published to a registry only sees its own `[package.metadata.prompt-sync]`.

use std::fs;
use std::path::{Component, Path, PathBuf};

use toml::{Table, Value};

use crate::error::{Error, Result};
use crate::name::{HubRef, PromptName};

/// Seconds between hub checks when `refresh_interval` is not set (the LangSmith SDK's TTL).
pub const DEFAULT_REFRESH_INTERVAL: u64 = 300;

/// The owner used when `owner` is not set: the API key's own workspace.
pub const DEFAULT_OWNER: &str = "-";

/// The keys a `prompt-sync` metadata table may hold.
pub const KNOWN_KEYS: &[&str] = &[
    "prompts",
    "cache_dir",
    "owner",
    "endpoint",
    "refresh_interval",
    "original_hub_names",
];

/// The keys a table entry of `prompts` may hold.
pub const KNOWN_PROMPT_KEYS: &[&str] = &["name", "ref", "hub"];

/// One prompt the config asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromptSpec {
    /// The prompt's name: its cache file's and `prompt!`'s.
    pub name: PromptName,
    /// The ref to follow: `latest` unless the entry names one.
    pub hub_ref: HubRef,
    /// The hub repo it follows, when the entry names one other than `name`.
    pub hub: Option<PromptName>,
}

/// The effective config of a package: its own keys, then the workspace's, then defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The prompts asked for, in the order first listed, each name once.
    pub prompts: Vec<PromptSpec>,
    /// The cache directory, when configured. A relative value is resolved against the
    /// directory of the `Cargo.toml` that set it (absolute whenever that path is).
    pub cache_dir: Option<PathBuf>,
    /// The LangSmith owner: `-` (the default) or a handle.
    pub owner: String,
    /// The hub's base URL, when configured (an `http://` or `https://` URL, as written).
    pub endpoint: Option<String>,
    /// Seconds between hub checks (default [`DEFAULT_REFRESH_INTERVAL`]).
    pub refresh_interval: u64,
    /// The original Python tool's hub naming: a prompt follows the hub repo
    /// `NAME_v1` unless its name already ends in `_v1` (see [`Config::hub_repo`]).
    pub original_hub_names: bool,
    /// Things worth telling the user that do not stop the build, such as unknown keys.
    pub warnings: Vec<String>,
    /// Every `Cargo.toml` read, for `cargo:rerun-if-changed`.
    pub manifest_files: Vec<PathBuf>,
    /// The package depends on `prompt-sync` under that name (not renamed), so code
    /// generated for it may name the crate `::prompt_sync`.
    pub runtime_by_name: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            prompts: Vec::new(),
            cache_dir: None,
            owner: DEFAULT_OWNER.to_owned(),
            endpoint: None,
            refresh_interval: DEFAULT_REFRESH_INTERVAL,
            original_hub_names: false,
            warnings: Vec::new(),
            manifest_files: Vec::new(),
            runtime_by_name: false,
        }
    }
}

impl Config {
    /// The hub repo the cache entry `name` follows: the `hub` of its `prompts` entry;
    /// else, with `original_hub_names`, `NAME_v1` unless the name ends in `_v1` (the
    /// original tool's rule; a name too long for the suffix keeps its name); else the
    /// name itself.
    pub fn hub_repo(&self, name: &PromptName) -> PromptName {
        if let Some(hub) = self
            .prompts
            .iter()
            .find(|s| &s.name == name)
            .and_then(|s| s.hub.clone())
        {
            return hub;
        }
        if self.original_hub_names
            && !name.as_str().ends_with("_v1")
            && let Ok(v1) = PromptName::new(&format!("{name}_v1"))
        {
            return v1;
        }
        name.clone()
    }

    /// Loads the config of the package whose `Cargo.toml` is in `package_dir`, with the
    /// fallback to its workspace root described in the [module docs](self).
    ///
    /// A relative `package_dir` is made absolute against the current directory first.
    /// A missing or unreadable package `Cargo.toml` is an [`Error::Io`]; one that is not
    /// valid TOML, or holds a bad value, is an [`Error::Config`]; a bad prompt name is an
    /// [`Error::InvalidName`].
    pub fn load(package_dir: &Path) -> Result<Config> {
        let package_dir =
            std::path::absolute(package_dir).map_err(|e| Error::io("resolve", package_dir, e))?;
        let manifest = package_dir.join("Cargo.toml");
        let text = fs::read_to_string(&manifest).map_err(|e| Error::io("read", &manifest, e))?;
        let doc = parse_doc(&text, &manifest)?;
        let mut read = vec![manifest.clone()];
        let workspace = find_workspace(&doc, &package_dir, &mut read)?;
        let ws = workspace.as_ref().map(|(doc, path)| (doc, path.as_path()));
        let mut config = from_docs(&doc, &manifest, ws)?;
        for file in read {
            if !config.manifest_files.contains(&file) {
                config.manifest_files.push(file);
            }
        }
        Ok(config)
    }

    /// Parses the config from `Cargo.toml` text, for tests and tools.
    ///
    /// `package_path` is the path of the package's `Cargo.toml` (it names the file in
    /// messages and anchors a relative `cache_dir`). `workspace` is the text and path of the
    /// workspace root's `Cargo.toml`; when `None`, the package's own
    /// `[workspace.metadata.prompt-sync]` is used if it has a `[workspace]` table.
    pub fn from_toml(
        package_toml: &str,
        package_path: &Path,
        workspace: Option<(&str, &Path)>,
    ) -> Result<Config> {
        let doc = parse_doc(package_toml, package_path)?;
        let ws_doc = match workspace {
            Some((text, path)) => Some((parse_doc(text, path)?, path)),
            None => None,
        };
        from_docs(&doc, package_path, ws_doc.as_ref().map(|(d, p)| (d, *p)))
    }
}

/// Which of the two tables a value came from.
#[derive(Clone, Copy)]
enum Level {
    Package,
    Workspace,
}

impl Level {
    fn top_key(self) -> &'static str {
        match self {
            Level::Package => "package",
            Level::Workspace => "workspace",
        }
    }

    fn section(self) -> &'static str {
        match self {
            Level::Package => "[package.metadata.prompt-sync]",
            Level::Workspace => "[workspace.metadata.prompt-sync]",
        }
    }
}

/// Where a table being parsed lives, for messages.
struct Ctx<'a> {
    level: Level,
    path: &'a Path,
}

impl Ctx<'_> {
    /// "[package.metadata.prompt-sync] of /p/Cargo.toml"
    fn place(&self) -> String {
        format!("{} of {}", self.level.section(), self.path.display())
    }

    fn error(&self, detail: String) -> Error {
        Error::Config {
            path: self.path.to_owned(),
            detail,
        }
    }

    /// An error for `key` holding a value of the wrong type or form.
    fn bad_value(&self, key: &str, expected: &str, found: &Value) -> Error {
        self.error(format!(
            "`{key}` in {} must be {expected}, found {}",
            self.level.section(),
            describe(found)
        ))
    }
}

/// The keys one level sets.
#[derive(Default)]
struct Layer {
    prompts: Option<Vec<PromptSpec>>,
    cache_dir: Option<PathBuf>,
    owner: Option<String>,
    endpoint: Option<String>,
    refresh_interval: Option<u64>,
    original_hub_names: Option<bool>,
}

fn parse_doc(text: &str, path: &Path) -> Result<Table> {
    text.parse::<Table>().map_err(|e| Error::Config {
        path: path.to_owned(),
        detail: format!("not valid TOML: {}", e.to_string().trim_end()),
    })
}

/// Builds the effective config from the parsed package document and, when known, the
/// workspace root's document.
fn from_docs(
    doc: &Table,
    package_path: &Path,
    workspace: Option<(&Table, &Path)>,
) -> Result<Config> {
    let mut warnings = Vec::new();
    let package = parse_layer(
        doc,
        &Ctx {
            level: Level::Package,
            path: package_path,
        },
        &mut warnings,
    )?;
    let mut manifest_files = vec![package_path.to_owned()];
    let workspace = match workspace {
        Some((ws_doc, ws_path)) => {
            if ws_path != package_path {
                manifest_files.push(ws_path.to_owned());
            }
            let ctx = Ctx {
                level: Level::Workspace,
                path: ws_path,
            };
            parse_layer(ws_doc, &ctx, &mut warnings)?
        }
        None if matches!(doc.get("workspace"), Some(Value::Table(_))) => {
            let ctx = Ctx {
                level: Level::Workspace,
                path: package_path,
            };
            parse_layer(doc, &ctx, &mut warnings)?
        }
        None => Layer::default(),
    };
    Ok(Config {
        prompts: package.prompts.or(workspace.prompts).unwrap_or_default(),
        cache_dir: package.cache_dir.or(workspace.cache_dir),
        owner: package
            .owner
            .or(workspace.owner)
            .unwrap_or_else(|| DEFAULT_OWNER.to_owned()),
        endpoint: package.endpoint.or(workspace.endpoint),
        refresh_interval: package
            .refresh_interval
            .or(workspace.refresh_interval)
            .unwrap_or(DEFAULT_REFRESH_INTERVAL),
        original_hub_names: package
            .original_hub_names
            .or(workspace.original_hub_names)
            .unwrap_or(false),
        warnings,
        manifest_files,
        runtime_by_name: depends_by_name(doc, RUNTIME_PACKAGE),
    })
}

/// The runtime crate `prompt!` expands to.
const RUNTIME_PACKAGE: &str = "prompt-sync";

/// True when `doc`'s `[dependencies]` (or a `[target.*.dependencies]`) has `package`
/// under its own name, not renamed with `package = "…"`. Dev-dependencies do not
/// count: the library and binaries are built without them.
fn depends_by_name(doc: &Table, package: &str) -> bool {
    let in_tables = |t: &Table| {
        let Some(Value::Table(deps)) = t.get("dependencies") else {
            return false;
        };
        deps.iter().any(|(name, spec)| {
            name == package
                && match spec {
                    Value::Table(spec) => spec
                        .get("package")
                        .is_none_or(|p| p.as_str() == Some(package)),
                    _ => true,
                }
        })
    };
    in_tables(doc)
        || matches!(doc.get("target"), Some(Value::Table(targets))
            if targets.values().any(|t| matches!(t, Value::Table(t) if in_tables(t))))
}

/// Reads `[<level>.metadata.prompt-sync]` of `doc`, if present.
fn parse_layer(doc: &Table, ctx: &Ctx<'_>, warnings: &mut Vec<String>) -> Result<Layer> {
    let metadata = match doc.get(ctx.level.top_key()) {
        Some(Value::Table(top)) => match top.get("metadata") {
            Some(Value::Table(metadata)) => metadata,
            // cargo itself rejects a non-table `metadata`.
            _ => return Ok(Layer::default()),
        },
        _ => return Ok(Layer::default()),
    };
    if metadata.contains_key("prompt_sync") {
        warnings.push(format!(
            "`{}.metadata.prompt_sync` in {} is ignored: the table is spelled `prompt-sync`",
            ctx.level.top_key(),
            ctx.path.display()
        ));
    }
    let table = match metadata.get("prompt-sync") {
        None => return Ok(Layer::default()),
        Some(Value::Table(t)) => t,
        Some(other) => {
            return Err(ctx.error(format!(
                "{} must be a table, found {}",
                ctx.level.section(),
                describe(other)
            )));
        }
    };

    let mut layer = Layer::default();
    for (key, value) in table {
        match key.as_str() {
            "prompts" => layer.prompts = Some(parse_prompts(value, ctx, warnings)?),
            "cache_dir" => layer.cache_dir = Some(parse_cache_dir(value, ctx)?),
            "owner" => layer.owner = Some(parse_owner(value, ctx)?),
            "endpoint" => layer.endpoint = Some(parse_endpoint(value, ctx)?),
            "refresh_interval" => {
                layer.refresh_interval = Some(parse_refresh_interval(value, ctx)?);
            }
            "original_hub_names" => match value {
                Value::Boolean(b) => layer.original_hub_names = Some(*b),
                other => return Err(ctx.bad_value("original_hub_names", "true or false", other)),
            },
            unknown => warnings.push(unknown_key_warning(unknown, &ctx.place(), KNOWN_KEYS, "")),
        }
    }
    Ok(layer)
}

fn unknown_key_warning(key: &str, place: &str, known: &[&str], what: &str) -> String {
    let mut w = format!(
        "unknown key `{key}` in {what}{place} (known keys: {})",
        known.join(", ")
    );
    if let Some(s) = suggest(key, known) {
        w.push_str(&format!("; did you mean `{s}`?"));
    }
    w
}

fn parse_prompts(
    value: &Value,
    ctx: &Ctx<'_>,
    warnings: &mut Vec<String>,
) -> Result<Vec<PromptSpec>> {
    const EXPECTED: &str =
        "an array of prompt names or tables like { name = \"router\", ref = \"production\" }";
    let Value::Array(entries) = value else {
        return Err(ctx.bad_value("prompts", EXPECTED, value));
    };
    let source_desc = format!("`prompts` in {}", ctx.place());
    let mut specs: Vec<PromptSpec> = Vec::with_capacity(entries.len());
    for entry in entries {
        let (name, hub_ref, hub) = match entry {
            Value::String(name) => (name.as_str(), None, None),
            Value::Table(t) => {
                let name = match t.get("name") {
                    Some(Value::String(name)) => name.as_str(),
                    Some(other) => {
                        return Err(ctx.error(format!(
                            "`name` of a `prompts` entry in {} must be a string, found {}",
                            ctx.level.section(),
                            describe(other)
                        )));
                    }
                    None => {
                        return Err(ctx.error(format!(
                            "a `prompts` entry in {} is a table without a `name` key; write {{ name = \"...\", ref = \"...\" }}",
                            ctx.level.section()
                        )));
                    }
                };
                let hub_ref = match t.get("ref") {
                    None => None,
                    Some(Value::String(r)) => Some(r.as_str()),
                    Some(other) => {
                        return Err(ctx.error(format!(
                            "`ref` of prompt {name:?} in `prompts` in {} must be a string, found {}",
                            ctx.level.section(),
                            describe(other)
                        )));
                    }
                };
                let hub = match t.get("hub") {
                    None => None,
                    Some(Value::String(h)) => Some(PromptName::new(h).map_err(|e| {
                        Error::invalid_name(
                            h,
                            format!("`hub` of prompt {name:?} in {source_desc}"),
                            e,
                        )
                    })?),
                    Some(other) => {
                        return Err(ctx.error(format!(
                            "`hub` of prompt {name:?} in `prompts` in {} must be a string (the hub repo's name), found {}",
                            ctx.level.section(),
                            describe(other)
                        )));
                    }
                };
                for key in t
                    .keys()
                    .filter(|k| !KNOWN_PROMPT_KEYS.contains(&k.as_str()))
                {
                    warnings.push(unknown_key_warning(
                        key,
                        &ctx.place(),
                        KNOWN_PROMPT_KEYS,
                        &format!("the `prompts` entry for {name:?} in "),
                    ));
                }
                (name, hub_ref, hub.filter(|h| h.as_str() != name))
            }
            other => return Err(ctx.bad_value("prompts", EXPECTED, other)),
        };
        let name =
            PromptName::new(name).map_err(|e| Error::invalid_name(name, source_desc.clone(), e))?;
        let hub_ref = match hub_ref {
            None => HubRef::latest(),
            Some(r) => HubRef::new(r).map_err(|e| {
                ctx.error(format!(
                    "`ref` {r:?} of prompt `{name}` in `prompts` in {} is not a valid hub ref (a tag or commit hash): {e}",
                    ctx.level.section()
                ))
            })?,
        };
        match specs.iter().find(|s| s.name == name) {
            Some(prev) if prev.hub_ref == hub_ref && (hub.is_none() || prev.hub == hub) => {}
            Some(prev) if prev.hub_ref == hub_ref => {
                return Err(ctx.error(format!(
                    "prompt `{name}` is listed twice in `prompts` in {} with different `hub` repos; keep one",
                    ctx.level.section(),
                )));
            }
            Some(prev) => {
                return Err(ctx.error(format!(
                    "prompt `{name}` is listed twice in `prompts` in {} with different refs (`{}` and `{hub_ref}`); keep one",
                    ctx.level.section(),
                    prev.hub_ref
                )));
            }
            None => specs.push(PromptSpec { name, hub_ref, hub }),
        }
    }
    Ok(specs)
}

fn parse_cache_dir(value: &Value, ctx: &Ctx<'_>) -> Result<PathBuf> {
    let Value::String(s) = value else {
        return Err(ctx.bad_value("cache_dir", "a path string", value));
    };
    if s.is_empty() {
        return Err(ctx.bad_value("cache_dir", "a non-empty path string", value));
    }
    let base = ctx.path.parent().unwrap_or(Path::new(""));
    Ok(normalize(&base.join(s)))
}

fn parse_owner(value: &Value, ctx: &Ctx<'_>) -> Result<String> {
    const EXPECTED: &str = "\"-\" (the API key's own workspace) or a LangSmith handle of ASCII letters, digits, `-` and `_`";
    match value {
        Value::String(s)
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Ok(s.clone())
        }
        _ => Err(ctx.bad_value("owner", EXPECTED, value)),
    }
}

fn parse_endpoint(value: &Value, ctx: &Ctx<'_>) -> Result<String> {
    const EXPECTED: &str = "an http:// or https:// URL with a host";
    let Value::String(s) = value else {
        return Err(ctx.bad_value("endpoint", EXPECTED, value));
    };
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(s.clone())
        }
        _ => Err(ctx.bad_value("endpoint", EXPECTED, value)),
    }
}

fn parse_refresh_interval(value: &Value, ctx: &Ctx<'_>) -> Result<u64> {
    match value {
        Value::Integer(i) => u64::try_from(*i).map_err(|_| {
            ctx.bad_value(
                "refresh_interval",
                "a non-negative integer number of seconds",
                value,
            )
        }),
        _ => Err(ctx.bad_value(
            "refresh_interval",
            "a non-negative integer number of seconds",
            value,
        )),
    }
}

/// "string \"5m\"", "integer -1", "array", ... for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => {
            if s.chars().count() > 60 {
                let head: String = s.chars().take(60).collect();
                format!("string {head:?}...")
            } else {
                format!("string {s:?}")
            }
        }
        Value::Integer(i) => format!("integer {i}"),
        Value::Float(f) => format!("float {f}"),
        Value::Boolean(b) => format!("boolean {b}"),
        Value::Datetime(d) => format!("datetime {d}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Table(_) => "a table".to_owned(),
    }
}

/// The known key closest to `key`, if it is close enough to be a typo.
fn suggest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (crate::similar::edit_distance(key, k), *k))
        .filter(|&(d, k)| d > 0 && d <= 2.max(k.len() / 4))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Removes `.` components and folds `..` into a preceding normal component, without
/// touching the file system (like cargo does for manifest paths).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_))
                ) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Finds the workspace root of the package (see the module docs). `None` when the package
/// is its own root or has none (its own document then supplies any workspace level).
/// Every `Cargo.toml` read is appended to `read`.
fn find_workspace(
    doc: &Table,
    package_dir: &Path,
    read: &mut Vec<PathBuf>,
) -> Result<Option<(Table, PathBuf)>> {
    if matches!(doc.get("workspace"), Some(Value::Table(_))) {
        return Ok(None);
    }
    let package_path = package_dir.join("Cargo.toml");
    let explicit = match doc.get("package") {
        Some(Value::Table(p)) => p.get("workspace"),
        _ => None,
    };
    if let Some(value) = explicit {
        let Value::String(rel) = value else {
            return Err(Error::Config {
                path: package_path,
                detail: format!(
                    "`package.workspace` must be a path string, found {}",
                    describe(value)
                ),
            });
        };
        let root = normalize(&package_dir.join(rel)).join("Cargo.toml");
        let text = fs::read_to_string(&root).map_err(|e| Error::io("read", &root, e))?;
        read.push(root.clone());
        let ws_doc = parse_doc(&text, &root)?;
        if !matches!(ws_doc.get("workspace"), Some(Value::Table(_))) {
            return Err(Error::Config {
                path: package_path,
                detail: format!(
                    "`package.workspace` points to {}, which has no [workspace] table",
                    root.display()
                ),
            });
        }
        return Ok(Some((ws_doc, root)));
    }

    let mut dir = package_dir;
    while !is_unpacked_dependency(dir) {
        let Some(parent) = dir.parent() else { break };
        if parent.ends_with("target/package") {
            break;
        }
        dir = parent;
        let candidate = dir.join("Cargo.toml");
        // Missing or unreadable ancestors are not ours to report.
        let Ok(text) = fs::read_to_string(&candidate) else {
            continue;
        };
        read.push(candidate.clone());
        // Neither is an ancestor that is not valid TOML: cargo reports it if it matters.
        let Ok(ws_doc) = text.parse::<Table>() else {
            continue;
        };
        let Some(Value::Table(ws)) = ws_doc.get("workspace") else {
            continue;
        };
        if excludes(ws, dir, package_dir) {
            continue;
        }
        return Ok(Some((ws_doc, candidate)));
    }
    Ok(None)
}

/// True when `dir` is the root of a package cargo downloaded (registry, git or vendored):
/// the workspace search does not climb out of one.
fn is_unpacked_dependency(dir: &Path) -> bool {
    dir.join(".cargo-ok").exists() || dir.join(".cargo-checksum.json").exists()
}

/// Cargo's rule: a workspace excludes a package under one of its `exclude` paths unless a
/// `members` entry names a path the package is under.
fn excludes(ws: &Table, root: &Path, package_dir: &Path) -> bool {
    let under_any = |key: &str| match ws.get(key) {
        Some(Value::Array(paths)) => paths.iter().any(|p| match p {
            Value::String(p) => package_dir.starts_with(normalize(&root.join(p))),
            _ => false,
        }),
        _ => false,
    };
    under_any("exclude") && !under_any("members")
}

#[cfg(test)]
mod runtime_name_tests {
    use super::*;

    #[test]
    fn the_runtime_counts_only_under_its_own_name() {
        let by_name =
            |toml: &str| depends_by_name(&toml.parse::<Table>().unwrap(), RUNTIME_PACKAGE);
        assert!(by_name("[dependencies]\nprompt-sync = \"0.1\"\n"));
        assert!(by_name(
            "[dependencies]\nprompt-sync = { path = \"../x\" }\n"
        ));
        assert!(by_name("[dependencies]\nprompt-sync.workspace = true\n"));
        assert!(!by_name("[dev-dependencies]\nprompt-sync = \"0.1\"\n"));
        assert!(by_name(
            "[target.'cfg(unix)'.dependencies]\nprompt-sync = \"0.1\"\n"
        ));
        assert!(!by_name(
            "[dependencies]\nps = { package = \"prompt-sync\", version = \"0.1\" }\n"
        ));
        assert!(!by_name(
            "[dependencies]\nprompt-sync = { package = \"other\", version = \"1\" }\n"
        ));
        assert!(!by_name(
            "[dependencies]\nmy-prompts = { path = \"../p\" }\n"
        ));
        assert!(!by_name("[build-dependencies]\nprompt-sync = \"0.1\"\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::NameError;

    fn pkg(body: &str) -> String {
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.prompt-sync]\n{body}\n"
        )
    }

    fn ws(body: &str) -> String {
        format!(
            "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.metadata.prompt-sync]\n{body}\n"
        )
    }

    fn config_err(toml: &str) -> (PathBuf, String) {
        match Config::from_toml(toml, Path::new("/p/Cargo.toml"), None) {
            Err(Error::Config { path, detail }) => (path, detail),
            other => panic!("expected Error::Config, got {other:?}"),
        }
    }

    fn spec(name: &str, r: &str) -> PromptSpec {
        PromptSpec {
            name: PromptName::new(name).unwrap(),
            hub_ref: HubRef::new(r).unwrap(),
            hub: None,
        }
    }

    #[test]
    fn hub_repos_follow_the_prompts_hub_then_the_original_naming() {
        let n = |s: &str| PromptName::new(s).unwrap();
        let c = Config::from_toml(
            &pkg(r#"prompts = ["router", { name = "agentic_rag_system", hub = "agentic_rag_system_v1" }, { name = "same", hub = "same" }]"#),
            Path::new("/p/Cargo.toml"),
            None,
        )
        .unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(
            c.hub_repo(&n("agentic_rag_system")),
            n("agentic_rag_system_v1")
        );
        assert_eq!(c.hub_repo(&n("router")), n("router"));
        assert_eq!(
            c.prompts[2].hub, None,
            "a hub equal to the name is no mapping"
        );
        // The original tool's rule, package-wide; a prompt's own `hub` still wins.
        let c = Config::from_toml(
            &pkg(r#"original_hub_names = true
prompts = [{ name = "writer", hub = "writer_v2" }]"#),
            Path::new("/p/Cargo.toml"),
            None,
        )
        .unwrap();
        assert_eq!(c.hub_repo(&n("router")), n("router_v1"));
        assert_eq!(c.hub_repo(&n("router_v1")), n("router_v1"));
        assert_eq!(c.hub_repo(&n("writer")), n("writer_v2"));
        let long = "x".repeat(99);
        assert_eq!(c.hub_repo(&n(&long)), n(&long), "no room for the suffix");
        // The workspace's switch applies to a package that does not set it.
        let c = Config::from_toml(
            &pkg("prompts = []"),
            Path::new("/p/crates/a/Cargo.toml"),
            Some((&ws("original_hub_names = true"), Path::new("/p/Cargo.toml"))),
        )
        .unwrap();
        assert!(c.original_hub_names);
        // Bad values are errors naming the key.
        let (_, e) = config_err(&pkg("original_hub_names = \"yes\""));
        assert!(e.contains("`original_hub_names`"), "{e}");
        let (_, e) = config_err(&pkg(r#"prompts = [{ name = "a", hub = 3 }]"#));
        assert!(e.contains("`hub` of prompt \"a\""), "{e}");
        let e = Config::from_toml(
            &pkg(r#"prompts = [{ name = "a", hub = "../x" }]"#),
            Path::new("/p/Cargo.toml"),
            None,
        )
        .unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "{e:?}");
        let (_, e) = config_err(&pkg(
            r#"prompts = [{ name = "a", hub = "b" }, { name = "a", hub = "c" }]"#,
        ));
        assert!(e.contains("different `hub` repos"), "{e}");
    }

    #[test]
    fn defaults() {
        let c = Config::default();
        assert!(c.prompts.is_empty());
        assert_eq!(c.cache_dir, None);
        assert_eq!(c.owner, "-");
        assert_eq!(c.endpoint, None);
        assert_eq!(c.refresh_interval, 300);
        assert!(c.warnings.is_empty() && c.manifest_files.is_empty());

        let c = Config::from_toml(
            "[package]\nname = \"x\"\n",
            Path::new("/p/Cargo.toml"),
            None,
        )
        .unwrap();
        assert_eq!(
            c,
            Config {
                manifest_files: vec![PathBuf::from("/p/Cargo.toml")],
                ..Config::default()
            }
        );
    }

    #[test]
    fn package_only() {
        let toml = pkg(r#"
prompts = ["test_generator_v1", { name = "router", ref = "production" }, { name = "plain" }]
cache_dir = "./prompts/../my_cache"
owner = "my-team_1"
endpoint = "https://eu.api.smith.langchain.com"
refresh_interval = 0
"#);
        let c = Config::from_toml(&toml, Path::new("/ws/app/Cargo.toml"), None).unwrap();
        assert_eq!(
            c.prompts,
            vec![
                spec("test_generator_v1", "latest"),
                spec("router", "production"),
                spec("plain", "latest"),
            ]
        );
        assert_eq!(c.cache_dir, Some(PathBuf::from("/ws/app/my_cache")));
        assert_eq!(c.owner, "my-team_1");
        assert_eq!(
            c.endpoint.as_deref(),
            Some("https://eu.api.smith.langchain.com")
        );
        assert_eq!(c.refresh_interval, 0);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.manifest_files, vec![PathBuf::from("/ws/app/Cargo.toml")]);
    }

    #[test]
    fn absolute_cache_dir_is_kept() {
        let c = Config::from_toml(
            &pkg("cache_dir = \"/abs/cache\""),
            Path::new("/ws/app/Cargo.toml"),
            None,
        )
        .unwrap();
        assert_eq!(c.cache_dir, Some(PathBuf::from("/abs/cache")));
    }

    #[test]
    fn workspace_fallback_per_key() {
        let package = pkg("owner = \"pkg-owner\"\nendpoint = \"http://127.0.0.1:9\"");
        let workspace = ws(r#"
prompts = ["shared"]
owner = "ws-owner"
cache_dir = "shared_cache"
refresh_interval = 60
"#);
        let c = Config::from_toml(
            &package,
            Path::new("/ws/crates/app/Cargo.toml"),
            Some((&workspace, Path::new("/ws/Cargo.toml"))),
        )
        .unwrap();
        assert_eq!(c.owner, "pkg-owner");
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(c.prompts, vec![spec("shared", "latest")]);
        // Resolved against the workspace root, which set it.
        assert_eq!(c.cache_dir, Some(PathBuf::from("/ws/shared_cache")));
        assert_eq!(c.refresh_interval, 60);
        assert_eq!(
            c.manifest_files,
            vec![
                PathBuf::from("/ws/crates/app/Cargo.toml"),
                PathBuf::from("/ws/Cargo.toml")
            ]
        );
    }

    #[test]
    fn package_prompts_replace_workspace_prompts_and_cache_dir_resolves_per_file() {
        let package = pkg("prompts = [\"mine\"]\ncache_dir = \"c\"");
        let workspace = ws("prompts = [\"shared\", \"other\"]\ncache_dir = \"wc\"");
        let c = Config::from_toml(
            &package,
            Path::new("/ws/crates/app/Cargo.toml"),
            Some((&workspace, Path::new("/ws/Cargo.toml"))),
        )
        .unwrap();
        assert_eq!(c.prompts, vec![spec("mine", "latest")]);
        assert_eq!(c.cache_dir, Some(PathBuf::from("/ws/crates/app/c")));

        // An empty package list still replaces the workspace list.
        let c = Config::from_toml(
            &pkg("prompts = []"),
            Path::new("/ws/crates/app/Cargo.toml"),
            Some((&workspace, Path::new("/ws/Cargo.toml"))),
        )
        .unwrap();
        assert!(c.prompts.is_empty());
    }

    #[test]
    fn own_workspace_table_is_the_workspace_level() {
        let toml = format!(
            "{}\n{}",
            pkg("owner = \"me\""),
            ws("refresh_interval = 7\nowner = \"ws\"")
        );
        let c = Config::from_toml(&toml, Path::new("/r/Cargo.toml"), None).unwrap();
        assert_eq!(c.owner, "me");
        assert_eq!(c.refresh_interval, 7);
        assert_eq!(c.manifest_files, vec![PathBuf::from("/r/Cargo.toml")]);
    }

    #[test]
    fn unknown_keys_warn() {
        let toml = pkg(r#"
promtps = ["a"]
colour = "blue"
prompts = [{ name = "router", rev = "v1" }]
"#);
        let c = Config::from_toml(&toml, Path::new("/p/Cargo.toml"), None).unwrap();
        assert_eq!(c.prompts, vec![spec("router", "latest")]);
        assert_eq!(c.warnings.len(), 3, "{:?}", c.warnings);
        let w = |key: &str| {
            c.warnings
                .iter()
                .find(|w| w.contains(&format!("`{key}`")))
                .unwrap_or_else(|| panic!("no warning for {key}: {:?}", c.warnings))
                .clone()
        };
        let promtps = w("promtps");
        assert!(promtps.starts_with(
            "unknown key `promtps` in [package.metadata.prompt-sync] of /p/Cargo.toml (known keys: prompts, cache_dir, owner, endpoint, refresh_interval, original_hub_names)"
        ), "{promtps}");
        assert!(promtps.contains("did you mean `prompts`?"), "{promtps}");
        assert!(!w("colour").contains("did you mean"));
        let rev = w("rev");
        assert!(
            rev.contains("\"router\"") && rev.contains("/p/Cargo.toml"),
            "{rev}"
        );
        assert!(
            rev.contains("known keys: name, ref") && rev.contains("did you mean `ref`?"),
            "{rev}"
        );

        let toml = "[package]\nname = \"x\"\n[package.metadata.prompt_sync]\nprompts = [\"a\"]\n";
        let c = Config::from_toml(toml, Path::new("/p/Cargo.toml"), None).unwrap();
        assert!(c.prompts.is_empty());
        assert!(c.warnings[0].contains("prompt_sync") && c.warnings[0].contains("/p/Cargo.toml"));

        let workspace = ws("ownr = \"x\"");
        let c = Config::from_toml(
            &pkg(""),
            Path::new("/ws/a/Cargo.toml"),
            Some((&workspace, Path::new("/ws/Cargo.toml"))),
        )
        .unwrap();
        assert!(
            c.warnings[0].contains("`ownr` in [workspace.metadata.prompt-sync] of /ws/Cargo.toml"),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn wrong_types_name_the_key() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "refresh_interval = \"5m\"",
                "`refresh_interval`",
                "must be a non-negative integer number of seconds, found string \"5m\"",
            ),
            (
                "refresh_interval = -1",
                "`refresh_interval`",
                "found integer -1",
            ),
            (
                "refresh_interval = 1.5",
                "`refresh_interval`",
                "found float 1.5",
            ),
            ("prompts = \"a\"", "`prompts`", "found string \"a\""),
            ("prompts = [1]", "`prompts`", "found integer 1"),
            (
                "prompts = [{ ref = \"v1\" }]",
                "`prompts`",
                "without a `name` key",
            ),
            ("prompts = [{ name = 5 }]", "`name`", "found integer 5"),
            (
                "prompts = [{ name = \"a\", ref = 5 }]",
                "`ref`",
                "found integer 5",
            ),
            (
                "prompts = [{ name = \"a\", ref = \"a/b\" }]",
                "`ref`",
                "not a valid hub ref",
            ),
            ("cache_dir = 3", "`cache_dir`", "found integer 3"),
            ("cache_dir = \"\"", "`cache_dir`", "non-empty"),
            ("owner = \"\"", "`owner`", "found string \"\""),
            ("owner = \"a b\"", "`owner`", "found string \"a b\""),
            ("owner = \"a/b\"", "`owner`", "LangSmith handle"),
            ("owner = true", "`owner`", "found boolean true"),
            (
                "endpoint = \"ftp://x\"",
                "`endpoint`",
                "http:// or https://",
            ),
            (
                "endpoint = \"https://\"",
                "`endpoint`",
                "found string \"https://\"",
            ),
            (
                "endpoint = \"api.smith.langchain.com\"",
                "`endpoint`",
                "http://",
            ),
            ("endpoint = []", "`endpoint`", "found an array"),
        ];
        for (body, key, needle) in cases {
            let (path, detail) = config_err(&pkg(body));
            assert_eq!(path, Path::new("/p/Cargo.toml"));
            assert!(detail.contains(key), "{body}: {detail}");
            assert!(detail.contains(needle), "{body}: {detail}");
            assert!(
                detail.contains("[package.metadata.prompt-sync]"),
                "{body}: {detail}"
            );
        }

        let (_, detail) = config_err("[package.metadata]\nprompt-sync = 1\n");
        assert!(
            detail.contains("[package.metadata.prompt-sync] must be a table"),
            "{detail}"
        );

        // The workspace level is validated too, and blamed on the workspace file.
        let workspace = ws("refresh_interval = \"soon\"");
        match Config::from_toml(
            &pkg("refresh_interval = 5"),
            Path::new("/ws/a/Cargo.toml"),
            Some((&workspace, Path::new("/ws/Cargo.toml"))),
        ) {
            Err(Error::Config { path, detail }) => {
                assert_eq!(path, Path::new("/ws/Cargo.toml"));
                assert!(
                    detail.contains("`refresh_interval` in [workspace.metadata.prompt-sync]"),
                    "{detail}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn display_names_file_and_key() {
        let e = Config::from_toml(
            &pkg("refresh_interval = \"5m\""),
            Path::new("/p/Cargo.toml"),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("/p/Cargo.toml") && e.contains("`refresh_interval`"),
            "{e}"
        );
    }

    #[test]
    fn invalid_names() {
        let long = "a".repeat(300);
        for (name, reason) in [
            ("../x", NameError::BadChar { ch: '.', at: 0 }),
            ("a/b", NameError::BadChar { ch: '/', at: 1 }),
            ("", NameError::Empty),
            (long.as_str(), NameError::TooLong { len: 300, max: 100 }),
        ] {
            for body in [
                format!("prompts = [{name:?}]"),
                format!("prompts = [{{ name = {name:?}, ref = \"v1\" }}]"),
            ] {
                match Config::from_toml(&pkg(&body), Path::new("/p/Cargo.toml"), None) {
                    Err(Error::InvalidName {
                        name: n,
                        source_desc,
                        reason: r,
                    }) => {
                        assert_eq!(n, name);
                        assert_eq!(r, reason);
                        assert!(source_desc.contains("`prompts`"), "{source_desc}");
                        assert!(source_desc.contains("/p/Cargo.toml"), "{source_desc}");
                    }
                    other => panic!("{body}: expected InvalidName, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn duplicates() {
        let c = Config::from_toml(
            &pkg(r#"prompts = ["a", "b", { name = "a" }, { name = "a", ref = "latest" }, "b"]"#),
            Path::new("/p/Cargo.toml"),
            None,
        )
        .unwrap();
        assert_eq!(c.prompts, vec![spec("a", "latest"), spec("b", "latest")]);

        let (_, detail) = config_err(&pkg(r#"prompts = ["a", { name = "a", ref = "prod" }]"#));
        assert!(
            detail.contains("`a`") && detail.contains("twice"),
            "{detail}"
        );
        assert!(
            detail.contains("`latest`") && detail.contains("`prod`"),
            "{detail}"
        );
    }

    #[test]
    fn invalid_toml() {
        let (path, detail) = config_err("[package\nname = 1");
        assert_eq!(path, Path::new("/p/Cargo.toml"));
        assert!(detail.starts_with("not valid TOML"), "{detail}");
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn load_finds_workspace_and_skips_broken_ancestors() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            &root.join("Cargo.toml"),
            &ws("owner = \"team\"\ncache_dir = \"cache\""),
        );
        // Not a workspace and not valid TOML: read, passed over.
        write(&root.join("crates/Cargo.toml"), "this is [not toml");
        let app = root.join("crates/app");
        write(&app.join("Cargo.toml"), &pkg("prompts = [\"a\"]"));

        let c = Config::load(&app).unwrap();
        assert_eq!(c.owner, "team");
        assert_eq!(c.cache_dir, Some(root.join("cache")));
        assert_eq!(c.prompts, vec![spec("a", "latest")]);
        assert_eq!(
            c.manifest_files,
            vec![
                app.join("Cargo.toml"),
                root.join("Cargo.toml"),
                root.join("crates/Cargo.toml")
            ]
        );
    }

    #[test]
    fn load_package_that_is_its_own_workspace_root() {
        let tmp = tempfile::tempdir().unwrap();
        let toml = format!(
            "{}\n{}",
            pkg("prompts = [\"a\"]"),
            ws("owner = \"team\"\nprompts = [\"b\"]")
        );
        write(&tmp.path().join("Cargo.toml"), &toml);
        // An outer workspace is never reached.
        let inner = tmp.path().join("inner");
        write(
            &inner.join("Cargo.toml"),
            &toml.replace("team", "inner-team"),
        );
        let c = Config::load(&inner).unwrap();
        assert_eq!(c.owner, "inner-team");
        assert_eq!(c.prompts, vec![spec("a", "latest")]);
        assert_eq!(c.manifest_files, vec![inner.join("Cargo.toml")]);
    }

    #[test]
    fn load_respects_exclude_and_explicit_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(&root.join("Cargo.toml"), &ws("owner = \"outer\""));
        write(
            &root.join("sub/Cargo.toml"),
            "[workspace]\nexclude = [\"excluded\"]\n[workspace.metadata.prompt-sync]\nowner = \"inner\"\n",
        );
        let excluded = root.join("sub/excluded/app");
        write(&excluded.join("Cargo.toml"), &pkg(""));
        assert_eq!(Config::load(&excluded).unwrap().owner, "outer");
        let member = root.join("sub/member");
        write(&member.join("Cargo.toml"), &pkg(""));
        assert_eq!(Config::load(&member).unwrap().owner, "inner");

        let explicit = root.join("sub/elsewhere");
        write(
            &explicit.join("Cargo.toml"),
            "[package]\nname = \"x\"\nworkspace = \"../..\"\n",
        );
        let c = Config::load(&explicit).unwrap();
        assert_eq!(c.owner, "outer");
        assert_eq!(
            c.manifest_files,
            vec![explicit.join("Cargo.toml"), root.join("Cargo.toml")]
        );

        let bad = root.join("sub/bad");
        write(
            &bad.join("Cargo.toml"),
            "[package]\nname = \"x\"\nworkspace = \"../member\"\n",
        );
        match Config::load(&bad) {
            Err(Error::Config { detail, .. }) => {
                assert!(detail.contains("package.workspace"), "{detail}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn load_stops_at_dependency_and_package_boundaries() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(&root.join("Cargo.toml"), &ws("owner = \"outer\""));
        let verify = root.join("target/package/app-0.1.0");
        write(&verify.join("Cargo.toml"), &pkg(""));
        assert_eq!(Config::load(&verify).unwrap().owner, "-");

        let dep = root.join("registry/src/index/dep-1.0.0");
        write(&dep.join("Cargo.toml"), &pkg(""));
        write(&dep.join(".cargo-ok"), "");
        let c = Config::load(&dep).unwrap();
        assert_eq!(c.owner, "-");
        assert_eq!(c.manifest_files, vec![dep.join("Cargo.toml")]);
    }

    #[test]
    fn load_errors() {
        let tmp = tempfile::tempdir().unwrap();
        match Config::load(tmp.path()) {
            Err(Error::Io { op, path, source }) => {
                assert_eq!(op, "read");
                assert_eq!(path, tmp.path().join("Cargo.toml"));
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
        write(&tmp.path().join("Cargo.toml"), "not = = toml");
        match Config::load(tmp.path()) {
            Err(Error::Config { path, detail }) => {
                assert_eq!(path, tmp.path().join("Cargo.toml"));
                assert!(detail.contains("TOML"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn typo_suggestions() {
        assert_eq!(suggest("promtps", KNOWN_KEYS), Some("prompts"));
        assert_eq!(suggest("cachedir", KNOWN_KEYS), Some("cache_dir"));
        assert_eq!(suggest("refresh", KNOWN_KEYS), None);
        assert_eq!(suggest("zzz", KNOWN_KEYS), None);
        assert_eq!(crate::similar::edit_distance("ab", "ba"), 1);
        assert_eq!(crate::similar::edit_distance("", "abc"), 3);
    }
}
