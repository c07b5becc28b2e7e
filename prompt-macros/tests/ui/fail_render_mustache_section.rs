fn main() {
    let _ = prompt_sync::prompt!("digest", user = "Ada", items = "a, b");
}
