//! The benchmark's prompts: N deterministic LangChain manifests, half text
//! (`PromptTemplate`) and half chat (`ChatPromptTemplate` with a system message, a
//! human message and sometimes a history placeholder and an AI example), with
//! template sizes spread log-uniformly from 200 B to 20 KiB.

use prompt_sync_core::manifest::to_manifest;
use prompt_sync_core::model::{ChatMessage, PromptBody, PromptModel, Role, TemplateFormat};
use serde_json::Value;

/// Smallest template size, in bytes.
pub const MIN_SIZE: usize = 200;
/// Largest template size, in bytes.
pub const MAX_SIZE: usize = 20 * 1024;

/// The name of prompt `i`: `bench_prompt_0042`.
pub fn name(i: usize) -> String {
    format!("bench_prompt_{i:04}")
}

/// The names of prompts `0..n`.
pub fn names(n: usize) -> Vec<String> {
    (0..n).map(name).collect()
}

/// True for the prompts that are chat prompts (every odd one).
pub fn is_chat(i: usize) -> bool {
    i % 2 == 1
}

/// The template size of prompt `i` (the same for every version): log-uniform in
/// [`MIN_SIZE`, `MAX_SIZE`].
pub fn size(i: usize) -> usize {
    let mut rng = Rng::new(0x5eed_0000 ^ i as u64);
    let u = rng.unit();
    let (lo, hi) = ((MIN_SIZE as f64).ln(), (MAX_SIZE as f64).ln());
    ((lo + u * (hi - lo)).exp() as usize).clamp(MIN_SIZE, MAX_SIZE)
}

/// Version `version` of prompt `i`, as the hub's manifest. Different versions have
/// different texts of the same size.
pub fn manifest(i: usize, version: u32) -> Value {
    let model = model(i, version);
    match to_manifest(&model, None) {
        Ok(m) => m,
        // Unreachable for the models built here (plain f-string templates), but a
        // benchmark must not panic: fall back to a tiny valid text prompt.
        Err(_) => serde_json::json!({
            "lc": 1, "type": "constructor",
            "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
            "kwargs": {"input_variables": [], "template": "fallback", "template_format": "f-string"},
            "name": "PromptTemplate"
        }),
    }
}

/// The prompt model of version `version` of prompt `i`.
pub fn model(i: usize, version: u32) -> PromptModel {
    let mut rng = Rng::new(((i as u64) << 20) ^ u64::from(version) ^ 0xbe9c_4000_0000);
    let total = size(i);
    let mut variables: Vec<String> = Vec::new();
    let body = if is_chat(i) {
        let system_len = total * 3 / 5;
        let mut messages = vec![ChatMessage::Message {
            role: Role::System,
            content: text(&mut rng, system_len, &mut variables),
        }];
        if rng.below(2) == 0 {
            messages.push(ChatMessage::Placeholder {
                variable: "history".to_owned(),
            });
            variables.push("history".to_owned());
        }
        if rng.below(3) == 0 {
            let ai_len = (total / 10).max(40);
            messages.push(ChatMessage::Message {
                role: Role::Human,
                content: text(&mut rng, ai_len, &mut variables),
            });
            messages.push(ChatMessage::Message {
                role: Role::Ai,
                content: text(&mut rng, ai_len, &mut variables),
            });
        }
        let used: usize = messages
            .iter()
            .map(|m| match m {
                ChatMessage::Message { content, .. } => content.len(),
                ChatMessage::Placeholder { .. } => 0,
            })
            .sum();
        messages.push(ChatMessage::Message {
            role: Role::Human,
            content: text(&mut rng, total.saturating_sub(used).max(40), &mut variables),
        });
        PromptBody::Chat(messages)
    } else {
        PromptBody::Text(text(&mut rng, total, &mut variables))
    };
    variables.sort();
    variables.dedup();
    PromptModel {
        body,
        template_format: TemplateFormat::FString,
        input_variables: variables,
    }
}

const WORDS: &[&str] = &[
    "the",
    "assistant",
    "answers",
    "questions",
    "about",
    "customer",
    "orders",
    "using",
    "only",
    "facts",
    "from",
    "context",
    "below",
    "never",
    "invent",
    "details",
    "when",
    "unsure",
    "say",
    "so",
    "politely",
    "and",
    "ask",
    "for",
    "clarification",
    "keep",
    "replies",
    "short",
    "cite",
    "sources",
    "format",
    "output",
    "as",
    "markdown",
    "list",
    "each",
    "item",
    "must",
    "include",
    "a",
    "reason",
    "tone",
    "friendly",
    "precise",
    "avoid",
    "jargon",
    "unless",
    "user",
    "uses",
    "it",
    "first",
    "summarize",
    "request",
    "then",
    "plan",
    "steps",
    "check",
    "constraints",
    "return",
    "json",
    "with",
    "fields",
    "status",
    "message",
    "data",
    "error",
    "if",
    "any",
    "step",
    "fails",
    "explain",
    "why",
    "language",
    "match",
    "input",
    "translate",
    "terms",
    "consistently",
    "prefer",
    "examples",
    "over",
    "abstract",
    "rules",
];

const VARIABLES: &[&str] = &[
    "question",
    "context",
    "user_name",
    "language",
    "date",
    "product",
    "order_id",
    "tone",
];

/// About `len` bytes of prose with `{variable}` slots and line breaks, no braces
/// otherwise, no line that looks like a chat section header.
fn text(rng: &mut Rng, len: usize, variables: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut words_in_line = 0;
    while out.len() < len {
        if !out.is_empty() {
            if words_in_line >= 10 + rng.below(8) {
                out.push_str(if rng.below(4) == 0 { ".\n\n" } else { ".\n" });
                words_in_line = 0;
            } else {
                out.push(' ');
            }
        }
        if rng.below(25) == 0 {
            let v = VARIABLES[rng.below(VARIABLES.len())];
            out.push('{');
            out.push_str(v);
            out.push('}');
            variables.push(v.to_owned());
        } else {
            out.push_str(WORDS[rng.below(WORDS.len())]);
        }
        words_in_line += 1;
    }
    out.push_str(".\n");
    out
}

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prompt_sync_core::manifest::from_manifest;

    #[test]
    fn manifests_are_valid_deterministic_and_sized() {
        for i in 0..40 {
            let m = manifest(i, 0);
            assert_eq!(m, manifest(i, 0));
            assert_ne!(m, manifest(i, 1));
            let model = from_manifest(&m).unwrap();
            assert_eq!(
                model.kind() == prompt_sync_core::PromptKind::Chat,
                is_chat(i),
                "{i}"
            );
            let text = model.to_cache_text().unwrap();
            assert!(text.len() >= MIN_SIZE, "{i}: {}", text.len());
            assert!(text.len() <= MAX_SIZE + 1024, "{i}: {}", text.len());
        }
    }
}
