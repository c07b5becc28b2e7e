const P: prompt_sync::Prompt = prompt_sync::prompt!("greting");

fn main() {
    let _ = P;
}
