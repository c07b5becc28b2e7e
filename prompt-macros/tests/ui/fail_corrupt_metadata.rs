const P: prompt_sync::Prompt = prompt_sync::prompt!("corrupt");

fn main() {
    let _ = P;
}
