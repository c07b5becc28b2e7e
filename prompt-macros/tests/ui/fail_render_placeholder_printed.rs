use prompt_sync::Message;

fn main() {
    let history = vec![Message::human("hi")];
    // The system template prints `{history}` and the placeholder inserts it.
    let _ = prompt_sync::prompt!("echo_history", history = history, question = "?");
    // Without values the prompt still embeds, and renders at run time.
    let _ = prompt_sync::prompt!("echo_history");
}
