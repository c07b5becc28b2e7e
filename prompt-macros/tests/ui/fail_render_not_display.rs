struct NotDisplay;

fn main() {
    let _ = prompt_sync::prompt!("greeting", name = NotDisplay);
}
