//! `cargo prompt-sync …`: the `prompt-sync` command run as a cargo subcommand.

fn main() -> std::process::ExitCode {
    prompt_sync_cli::cargo_main()
}
