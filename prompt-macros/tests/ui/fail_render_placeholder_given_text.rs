fn main() {
    let _ = prompt_sync::prompt!("support_chat", persona = "a pirate", history = "oops", question = "?");
}
