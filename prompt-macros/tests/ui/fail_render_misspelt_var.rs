fn main() {
    let _ = prompt_sync::prompt!("greeting", nmae = "Ada");
}
