//! Finds the prompt names a package's code uses, so the build script can pull a prompt as
//! soon as a `prompt!("…")` call for it appears.
//!
//! The sources are lexed, not parsed: a small Rust lexer skips comments (line, doc and
//! nested block comments), string, byte-string, C-string and raw-string literals, and char
//! literals (told apart from lifetimes), and cuts identifiers whole. In the token stream a
//! call is the identifier `prompt` (after any path, e.g. `prompt_sync::prompt`,
//! `::prompt_sync::prompt`, `$crate::prompt`), then `!`, then `(`, `[` or `{`, then a string
//! literal (`"…"` or raw `r#"…"#`): its value is the name. Whitespace and comments may sit
//! between any of these tokens, and further arguments (`prompt!("x", var = 1)`) are
//! ignored. `my_prompt!("x")`, `prompt!(b"x")` and `prompt!(NAME)` do not count.
//!
//! Names are returned as written, not validated: the macro reports a bad one with a span.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The directories of a package that [`scan_package`] looks in, when they exist.
pub const SCANNED_DIRS: &[&str] = &["src", "examples", "tests", "benches"];

/// A `prompt!` call found in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The name as written in the literal (escapes decoded).
    pub name: String,
    /// The source file.
    pub file: PathBuf,
    /// The 1-based line of the name's string literal.
    pub line: usize,
}

/// What scanning a package found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageScan {
    /// Every `prompt!` call, by file (sorted) and then by position in the file.
    pub found: Vec<Found>,
    /// The directories scanned (those of [`SCANNED_DIRS`] that exist), sorted.
    pub dirs: Vec<PathBuf>,
    /// Every `*.rs` file found under them, sorted (including any that could not be read).
    pub files: Vec<PathBuf>,
}

/// The names of the `prompt!` calls in one source text, each with the 1-based line of its
/// string literal, in source order.
pub fn scan_source(src: &str) -> Vec<(String, usize)> {
    let tokens = Lexer::new(src).tokens();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&start| start <= offset);

    let mut out = Vec::new();
    for window in tokens.windows(4) {
        let [prompt, bang, open, lit] = window else {
            continue;
        };
        if matches!(prompt, Token::Ident("prompt"))
            && matches!(bang, Token::Punct('!'))
            && matches!(open, Token::Punct('(' | '[' | '{'))
            && let Token::Str {
                value: Some(value),
                start,
            } = lit
        {
            out.push((value.clone(), line_of(*start)));
        }
    }
    out
}

/// Scans the `src`, `examples`, `tests` and `benches` directories of the package in
/// `package_dir` (those that exist) for `prompt!` calls.
///
/// Walks them recursively, reading `*.rs` files only. Symlinked directories inside them
/// are not followed (so a symlink loop cannot trap the walk; the four top directories
/// themselves may be symlinks), and directories named `target` are skipped. Unreadable
/// directories and files are passed over; a file that is not UTF-8 is read lossily. The
/// result is sorted, so it does not depend on the file system's order.
///
/// Fails only when `package_dir` itself cannot be read.
pub fn scan_package(package_dir: &Path) -> Result<PackageScan> {
    fs::metadata(package_dir).map_err(|e| Error::io("read", package_dir, e))?;
    let mut scan = PackageScan::default();
    for name in SCANNED_DIRS {
        let dir = package_dir.join(name);
        if dir.is_dir() {
            walk(&dir, &mut scan.files);
            scan.dirs.push(dir);
        }
    }
    scan.dirs.sort();
    scan.files.sort();
    scan.files.dedup();
    for file in &scan.files {
        let Ok(bytes) = fs::read(file) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        scan.found
            .extend(scan_source(&text).into_iter().map(|(name, line)| Found {
                name,
                file: file.clone(),
                line,
            }));
    }
    Ok(scan)
}

/// Collects the `*.rs` files under `dir`, not following symlinked directories.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if entry.file_name() != "target" {
                walk(&path, files);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs")
            && (file_type.is_file() || (file_type.is_symlink() && path.is_file()))
        {
            files.push(path);
        }
    }
}

/// The tokens the call pattern looks at; everything else is dropped or collapsed.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    /// An identifier or keyword (a raw identifier without its `r#`), or a number.
    Ident(&'a str),
    /// One punctuation character.
    Punct(char),
    /// A plain or raw string literal: its decoded value (`None` when an escape is
    /// invalid) and the byte offset where it starts.
    Str { value: Option<String>, start: usize },
    /// Any other literal: byte / C strings, chars, bytes; or a lifetime.
    Other,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    fn tokens(mut self) -> Vec<Token<'a>> {
        let mut tokens = Vec::new();
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.bump();
            } else if self.rest().starts_with("//") {
                self.eat_while(|c| c != '\n');
            } else if self.rest().starts_with("/*") {
                self.block_comment();
            } else if c == '"' {
                self.bump();
                let value = self.quoted(true);
                tokens.push(Token::Str { value, start });
            } else if c == '\'' {
                tokens.push(self.quote());
            } else if is_ident_start(c) || c.is_ascii_digit() {
                tokens.push(self.ident_or_prefixed(start));
            } else {
                self.bump();
                tokens.push(Token::Punct(c));
            }
        }
        tokens
    }

    /// Skips a block comment, nested ones included; an unclosed one runs to the end.
    fn block_comment(&mut self) {
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            let rest = self.rest();
            if rest.starts_with("/*") {
                depth += 1;
                self.pos += 2;
            } else if rest.starts_with("*/") {
                depth -= 1;
                self.pos += 2;
            } else if self.bump().is_none() {
                break;
            }
        }
    }

    /// Reads the body of a `"…"` literal after the opening quote, through the closing
    /// quote. Decodes it when `decode` is set; `None` when an escape is invalid (rustc
    /// rejects the literal anyway) or when not decoding.
    fn quoted(&mut self, decode: bool) -> Option<String> {
        let mut value = String::new();
        let mut valid = decode;
        while let Some(c) = self.bump() {
            match c {
                '"' => return valid.then_some(value),
                '\\' => match self.escape() {
                    Some(Some(decoded)) => value.push(decoded),
                    Some(None) => {}
                    None => valid = false,
                },
                c => value.push(c),
            }
        }
        // Unterminated: rustc reports it.
        None
    }

    /// Decodes the escape after a backslash. `Some(None)` for a line continuation,
    /// `None` when invalid. Never consumes a closing quote it cannot use.
    fn escape(&mut self) -> Option<Option<char>> {
        let c = self.peek()?;
        let simple = match c {
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            '\\' => Some('\\'),
            '0' => Some('\0'),
            '\'' => Some('\''),
            '"' => Some('"'),
            _ => None,
        };
        if let Some(decoded) = simple {
            self.bump();
            return Some(Some(decoded));
        }
        match c {
            '\n' | '\r' => {
                self.eat_while(char::is_whitespace);
                Some(None)
            }
            'x' => {
                self.bump();
                let hi = self.peek().and_then(|c| c.to_digit(16))?;
                self.bump();
                let lo = self.peek().and_then(|c| c.to_digit(16))?;
                self.bump();
                let code = hi * 16 + lo;
                (code <= 0x7f)
                    .then(|| char::from_u32(code))
                    .flatten()
                    .map(Some)
            }
            'u' => {
                self.bump();
                if self.peek() != Some('{') {
                    return None;
                }
                self.bump();
                let mut code: u32 = 0;
                let mut digits = 0;
                while let Some(c) = self.peek() {
                    if let Some(d) = c.to_digit(16) {
                        digits += 1;
                        if digits > 6 {
                            return None;
                        }
                        code = code * 16 + d;
                    } else if c != '_' {
                        break;
                    }
                    self.bump();
                }
                if digits == 0 || self.peek() != Some('}') {
                    return None;
                }
                self.bump();
                char::from_u32(code).map(Some)
            }
            // Unknown escape: consume the character (it is not a closing quote).
            _ => {
                self.bump();
                None
            }
        }
    }

    /// After `r` (and any `#`s still unread): reads a raw string if one starts here.
    /// Returns its value, or `None` (consuming nothing) when no `#…#"` follows.
    fn raw_string(&mut self) -> Option<String> {
        let rest = self.rest();
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        if !rest[hashes..].starts_with('"') {
            return None;
        }
        self.pos += hashes + 1;
        let body = self.rest();
        let mut close = String::with_capacity(hashes + 1);
        close.push('"');
        close.extend(std::iter::repeat_n('#', hashes));
        match body.find(&close) {
            Some(end) => {
                self.pos += end + close.len();
                Some(body[..end].to_owned())
            }
            None => {
                // Unterminated: rustc reports it.
                self.pos = self.src.len();
                Some(String::new())
            }
        }
    }

    /// An identifier, keyword or number, or a literal with a prefix: `r"…"`, `r#"…"#`,
    /// `b"…"`, `br"…"`, `c"…"`, `cr#"…"#`, `b'…'`; or a raw identifier `r#name`.
    fn ident_or_prefixed(&mut self, start: usize) -> Token<'a> {
        self.eat_while(is_ident_continue);
        let word = &self.src[start..self.pos];
        match (word, self.peek()) {
            ("r", Some('"' | '#')) => {
                if let Some(value) = self.raw_string() {
                    return Token::Str {
                        value: Some(value),
                        start,
                    };
                }
                if self.peek() == Some('#') && self.peek_nth(1).is_some_and(is_ident_start) {
                    self.bump();
                    let ident_start = self.pos;
                    self.eat_while(is_ident_continue);
                    return Token::Ident(&self.src[ident_start..self.pos]);
                }
                Token::Ident(word)
            }
            ("br" | "cr", Some('"' | '#')) => match self.raw_string() {
                Some(_) => Token::Other,
                None => Token::Ident(word),
            },
            ("b" | "c", Some('"')) => {
                self.bump();
                self.quoted(false);
                Token::Other
            }
            // `b'…'` is lexed as `b` and a char literal, which is just as good.
            _ => Token::Ident(word),
        }
    }

    /// At a `'`: a char literal (`'x'`, `'"'`, `'\''`, `'\u{1F600}'`), a lifetime or
    /// label (`'a`), or a lone quote.
    fn quote(&mut self) -> Token<'a> {
        self.bump();
        match (self.peek(), self.peek_nth(1)) {
            (Some('\\'), _) => {
                self.bump();
                // Skip the escape's first character (it may be a quote), then to the
                // closing quote, without leaving the line.
                self.bump();
                self.eat_while(|c| c != '\'' && c != '\n');
                if self.peek() == Some('\'') {
                    self.bump();
                }
                Token::Other
            }
            (Some(c), Some('\'')) if c != '\n' => {
                self.bump();
                self.bump();
                Token::Other
            }
            (Some(c), _) if is_ident_start(c) || c.is_ascii_digit() => {
                self.eat_while(is_ident_continue);
                Token::Other
            }
            _ => Token::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(src: &str) -> Vec<String> {
        scan_source(src).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn simple_calls_and_paths() {
        let src = r#"
const A: Prompt = prompt!("a");
const B: Prompt = prompt_sync::prompt!("b");
const C: Prompt = ::prompt_sync::prompt!("c");
const D: Prompt = prompt ! ( "d" );
const E: Prompt = prompt![ "e" ];
const F: Prompt = prompt!{"f"};
const G: Prompt = prompt /* c */ ! /* c */ ( // c
    "g"
);
const H: Prompt = r#prompt!("h");
"#;
        assert_eq!(names(src), ["a", "b", "c", "d", "e", "f", "g", "h"]);
    }

    #[test]
    fn line_numbers() {
        let src = "fn main() {\n    let a = prompt!(\"a\");\n\n    let b = prompt!(\n        \"b\",\n    );\n}\n/* x\n y */ prompt!(\"c\")";
        assert_eq!(
            scan_source(src),
            [
                ("a".to_owned(), 2),
                ("b".to_owned(), 5),
                ("c".to_owned(), 9)
            ]
        );
        assert_eq!(scan_source("prompt!(\"x\")"), [("x".to_owned(), 1)]);
        assert_eq!(scan_source("\r\n\r\nprompt!(\"x\")"), [("x".to_owned(), 3)]);
    }

    #[test]
    fn extra_args() {
        assert_eq!(
            names(r#"prompt!("x", var = 1); prompt!("y", "z"); prompt!(r"w", a = "q")"#),
            ["x", "y", "w"]
        );
    }

    #[test]
    fn comments_are_skipped() {
        let src = r#"
// prompt!("line")
/// prompt!("doc")
//! prompt!("inner doc")
/* prompt!("block") */
/* outer /* nested prompt!("nested") */ still comment prompt!("still") */
/** prompt!("doc block") */
prompt!("real");
/* unterminated prompt!("never")
"#;
        assert_eq!(names(src), ["real"]);
        assert_eq!(names("/*/ prompt!(\"x\") */ prompt!(\"y\")"), ["y"]);
    }

    #[test]
    fn strings_are_skipped() {
        let src = r###"
let s = "prompt!(\"in_string\")";
let t = "\\"; prompt!("after_escaped_backslash");
let r = r#"prompt!("in_raw")"#;
let rr = r##"a "# prompt!("in_raw2") "##;
let b = b"prompt!(\"bytes\")";
let br = br#"prompt!("raw_bytes")"#;
let c = c"prompt!(\"c\")";
#[doc = "prompt!(\"attr\")"]
prompt!("real");
"###;
        assert_eq!(names(src), ["after_escaped_backslash", "real"]);
    }

    #[test]
    fn raw_string_names() {
        assert_eq!(
            names(r###"prompt!(r"a") prompt!(r#"b"#) prompt!(r##"c"#d"##)"###),
            ["a", "b", "c\"#d"]
        );
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(
            names(r#"prompt!("a\x41\u{42}\u{1_F600}\n\t\\\"\'\0b")"#),
            ["aAB\u{1F600}\n\t\\\"'\0b"]
        );
        assert_eq!(names("prompt!(\"a\\\n    b\")"), ["ab"]);
        // Invalid escapes: rustc rejects the literal, so it is not a name.
        assert!(names(r#"prompt!("a\q") prompt!("\x80") prompt!("\u{110000}")"#).is_empty());
        assert_eq!(names(r#"prompt!("\x4") prompt!("ok")"#), ["ok"]);
    }

    #[test]
    fn lifetimes_and_chars() {
        let src = r#"
fn f<'a>(x: &'a str) -> &'a str { x }
let q = '"'; prompt!("after_quote_char");
let e = '\''; prompt!("after_escaped_quote");
let bs = '\\'; let u = '\u{22}'; let bq = b'"';
'outer: loop { break 'outer; }
let s: &'static str = "prompt!(\"no\")";
impl<'a> X<'a> for Y { } prompt!("after_impl");
let c = 'é'; let d = '字'; prompt!("after_unicode");
"#;
        assert_eq!(
            names(src),
            [
                "after_quote_char",
                "after_escaped_quote",
                "after_impl",
                "after_unicode"
            ]
        );
        // A lifetime right before a string does not swallow it.
        assert_eq!(names("fn f<'a>() -> &'a str { prompt!(\"x\") }"), ["x"]);
    }

    #[test]
    fn other_macros_and_arguments_do_not_count() {
        let src = r#"
my_prompt!("a");
prompt_x!("b");
xprompt!("c");
prompt!(NAME);
prompt!(b"bytes");
prompt!(concat!("a", "b"));
macro_rules! prompt { ($n:literal) => {} }
let prompt = 1; let x = prompt != ("d").len();
self.prompt("e");
prompt("f");
"#;
        assert!(names(src).is_empty(), "{:?}", names(src));
    }

    #[test]
    fn names_are_raw() {
        assert_eq!(
            names(r#"prompt!("../x") prompt!("") prompt!("a b")"#),
            ["../x", "", "a b"]
        );
    }

    #[test]
    fn unterminated_input_is_fine() {
        for src in [
            "prompt!(\"",
            "prompt!(",
            "prompt!",
            "prompt!(r#\"x",
            "'",
            "'\\",
            "r#",
            "br#",
            "\"\\",
            "prompt!(\"\\u{",
            "prompt!(\"\\x",
            "/*",
            "b'",
            "c\"",
            "r##\"a\"#",
        ] {
            let _ = scan_source(src);
        }
        assert!(names("prompt!(\"x").is_empty());
    }

    proptest! {
        #[test]
        fn scan_source_never_panics(src in any::<String>()) {
            let _ = scan_source(&src);
        }

        #[test]
        fn scan_source_never_panics_on_rust_like_text(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("prompt"), Just("!"), Just("("), Just(")"), Just("\""), Just("'"),
                    Just("r#"), Just("#"), Just("\\"), Just("/*"), Just("*/"), Just("//"),
                    Just("\n"), Just("a"), Just("b"), Just("u{"), Just("x"), Just("é"), Just(" "),
                ],
                0..40,
            )
        ) {
            let _ = scan_source(&parts.concat());
        }

        #[test]
        fn finds_a_call_among_code(
            name in "[a-zA-Z0-9_-]{1,20}",
            before in "[a-z ;\n(){}]{0,30}",
            after in "[a-z ;\n(){}]{0,30}",
        ) {
            let src = format!("{before}\nprompt!(\"{name}\"){after}");
            let found = scan_source(&src);
            let line = before.matches('\n').count() + 2;
            prop_assert_eq!(found, vec![(name, line)]);
        }
    }

    #[test]
    fn scan_package_walks_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let write = |rel: &str, text: &[u8]| {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write("src/main.rs", b"fn main() { prompt!(\"main\"); }");
        write("src/nested/deep/mod.rs", b"\n\nprompt!(\"deep\");");
        write("src/notes.txt", b"prompt!(\"not_rust\")");
        write("src/target/gen.rs", b"prompt!(\"in_target\")");
        write("examples/ex.rs", b"prompt!(\"example\")");
        write("tests/it.rs", b"prompt!(\"test\")");
        write("benches/b.rs", b"prompt!(\"bench\")");
        write("build.rs", b"prompt!(\"build_script\")");
        write("other/x.rs", b"prompt!(\"other\")");
        write("src/latin1.rs", b"// caf\xe9\nprompt!(\"latin1\")");

        #[cfg(unix)]
        {
            // A loop and a link to a directory outside: neither is followed.
            std::os::unix::fs::symlink(root.join("src"), root.join("src/nested/loop")).unwrap();
            std::os::unix::fs::symlink(root.join("other"), root.join("src/other_link")).unwrap();
            // A symlinked file is read.
            std::os::unix::fs::symlink(root.join("other/x.rs"), root.join("tests/linked.rs"))
                .unwrap();
        }

        let scan = scan_package(root).unwrap();
        assert_eq!(
            scan.dirs,
            ["benches", "examples", "src", "tests"].map(|d| root.join(d))
        );
        let mut expected_files = vec![
            "benches/b.rs",
            "examples/ex.rs",
            "src/latin1.rs",
            "src/main.rs",
            "src/nested/deep/mod.rs",
            "tests/it.rs",
        ];
        let mut expected_names = vec![
            ("bench", 1),
            ("example", 1),
            ("latin1", 2),
            ("main", 1),
            ("deep", 3),
            ("test", 1),
        ];
        if cfg!(unix) {
            expected_files.push("tests/linked.rs");
            expected_names.push(("other", 1));
        }
        assert_eq!(
            scan.files,
            expected_files
                .iter()
                .map(|f| root.join(f))
                .collect::<Vec<_>>()
        );
        let got: Vec<(&str, usize)> = scan
            .found
            .iter()
            .map(|f| (f.name.as_str(), f.line))
            .collect();
        assert_eq!(got, expected_names);
        assert_eq!(scan.found[0].file, root.join("benches/b.rs"));
    }

    #[test]
    fn scan_package_without_source_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(scan_package(tmp.path()).unwrap(), PackageScan::default());
        match scan_package(&tmp.path().join("missing")) {
            Err(Error::Io { op, .. }) => assert_eq!(op, "read"),
            other => panic!("{other:?}"),
        }
    }
}
