//! The package the benchmark syncs: a generated crate whose `src/main.rs` uses every
//! benchmark prompt with `prompt!`, so the build step finds them all by scanning its
//! sources, exactly as it would in a real app.

use std::io;
use std::path::{Path, PathBuf};

use prompt_sync_core::layout::DEFAULT_CACHE_DIR;

/// A generated package in a temporary directory (removed on drop).
pub struct Package {
    dir: tempfile::TempDir,
}

impl Package {
    /// Creates the package with a `prompt!` call for each of `names` and an empty
    /// cache.
    pub fn create(names: &[String]) -> io::Result<Package> {
        let dir = tempfile::Builder::new()
            .prefix("prompt-sync-bench-")
            .tempdir()?;
        write_files(dir.path(), names)?;
        Ok(Package { dir })
    }

    /// The package directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Its cache directory (the default one).
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join(DEFAULT_CACHE_DIR)
    }

    /// A directory that plays cargo's `OUT_DIR` for the build step.
    pub fn out_dir(&self) -> PathBuf {
        self.dir.path().join("out")
    }
}

/// Writes the package's `Cargo.toml`, `src/main.rs` and `out/` into `dir`.
pub fn write_files(dir: &Path, names: &[String]) -> io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"bench-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [package.metadata.prompt-sync]\nprompts = []\n\n[workspace]\n",
    )?;
    std::fs::write(dir.join("src/main.rs"), main_rs(names))?;
    std::fs::create_dir_all(dir.join("out"))
}

/// A `main.rs` that embeds every prompt of `names`.
pub fn main_rs(names: &[String]) -> String {
    let mut s = String::from("static PROMPTS: &[prompt_sync::Prompt] = &[\n");
    for n in names {
        s.push_str(&format!("    prompt_sync::prompt!({n:?}),\n"));
    }
    s.push_str(
        "];\n\nfn main() {\n    let bytes: usize = PROMPTS.iter().map(|p| p.content().len()).sum();\n    println!(\"{} prompts, {bytes} bytes\", PROMPTS.len());\n}\n",
    );
    s
}
