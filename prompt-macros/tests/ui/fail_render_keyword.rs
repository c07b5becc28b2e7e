fn main() {
    // `{type}` is a keyword: the message names the raw form.
    let _ = prompt_sync::prompt!("keyword", x = 1);
    let _ = prompt_sync::prompt!("keyword", type = 2, x = 1);
}
