const P: prompt_sync::Prompt = prompt_sync::prompt!("greeting", extra);

fn main() {
    let _ = P;
}
