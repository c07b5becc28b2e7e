const P: prompt_sync::Prompt = prompt_sync::prompt!("hash_mismatch");

fn main() {
    let _ = P;
}
