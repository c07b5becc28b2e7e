const P: prompt_sync::Prompt = prompt_sync::prompt!("not_in_cache");

fn main() {
    let _ = P;
}
