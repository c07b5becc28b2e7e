const P: prompt_sync::Prompt = prompt_sync::prompt!("unmarked");

fn main() {
    let _ = P;
}
