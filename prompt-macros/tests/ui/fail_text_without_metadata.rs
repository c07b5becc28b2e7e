const P: prompt_sync::Prompt = prompt_sync::prompt!("orphan");

fn main() {
    let _ = P;
}
