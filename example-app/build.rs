//! Keeps the prompt cache in step with the hub (or verifies it offline).

fn main() {
    prompt_sync_build::sync();
}
