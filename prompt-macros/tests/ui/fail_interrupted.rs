const P: prompt_sync::Prompt = prompt_sync::prompt!("interrupted");

fn main() {
    let _ = P;
}
