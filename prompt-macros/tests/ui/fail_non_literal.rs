const NAME: &str = "greeting";
const P: prompt_sync::Prompt = prompt_sync::prompt!(NAME);

fn main() {
    let _ = P;
}
