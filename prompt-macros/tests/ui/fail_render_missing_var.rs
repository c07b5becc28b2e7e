use prompt_sync::Message;

fn main() {
    let history: Vec<Message> = Vec::new();
    let _ = prompt_sync::prompt!("support_chat", persona = "a pirate", history = &history);
}
