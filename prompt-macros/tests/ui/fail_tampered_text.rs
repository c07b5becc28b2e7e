const P: prompt_sync::Prompt = prompt_sync::prompt!("tampered");

fn main() {
    let _ = P;
}
