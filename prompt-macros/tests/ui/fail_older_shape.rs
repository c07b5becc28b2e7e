const P: prompt_sync::Prompt = prompt_sync::prompt!("older");

fn main() {
    let _ = P;
}
