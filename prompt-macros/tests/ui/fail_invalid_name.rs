const P: prompt_sync::Prompt = prompt_sync::prompt!("../secrets");

fn main() {
    let _ = P;
}
