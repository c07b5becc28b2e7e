fn main() {
    let _ = prompt_sync::prompt!("jinja_prompt", name = "Ada");
}
