fn main() {
    let _ = prompt_sync::prompt!("fixed_text", topic = "Rust");
}
