fn main() {
    let _ = prompt_sync::prompt!("greeting", name = "Ada", name = "Bob");
}
