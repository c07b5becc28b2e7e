//! The `prompt-sync` command; everything lives in the `prompt_sync_cli` library.

fn main() -> std::process::ExitCode {
    prompt_sync_cli::main()
}
