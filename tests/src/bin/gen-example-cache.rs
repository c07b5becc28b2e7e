//! Regenerates `example-app/prompts/langsmith_cache` from the shared fixtures:
//! `cargo run -p prompt-sync-tests --bin gen-example-cache`.

use prompt_sync_tests::{example_cache, workspace};

fn main() {
    let cache = workspace::root().join("example-app/prompts/langsmith_cache");
    match example_cache::generate(&workspace::fixtures_dir(), &cache) {
        Ok(()) => println!("wrote {}", cache.display()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
