//! Compile-time behaviour of `prompt!`: what it embeds, and the error for each bad
//! cache state (trybuild UI tests with committed `.stderr` files).

#![allow(clippy::unwrap_used)]

use std::path::Path;

#[test]
fn ui() {
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/cache");
    let before = snapshot(&cache);
    // trybuild's cargo inherits the environment; this is the only test in this binary,
    // so no other thread reads the environment while it is set.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PROMPT_SYNC_DIR", &cache);
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/fail_*.rs");
    drop(t); // runs the cases
    // The macro never writes: not even the lock file.
    assert_eq!(snapshot(&cache), before);
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let m = std::fs::metadata(&p).unwrap().modified().unwrap();
                out.push((p.clone(), std::fs::read(&p).unwrap(), m));
            }
        }
    }
    out.sort();
    out
}
