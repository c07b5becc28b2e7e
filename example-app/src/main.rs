//! A small program using prompt-sync: prompts from the LangSmith hub, embedded at
//! compile time from the committed cache and verified against their SHA-256.
//!
//! `example-app` lists the embedded prompts; `example-app NAME` prints one: its
//! text, hash, hub commit and messages; `example-app --render` renders every prompt
//! with sample values, with `prompt!("name", var = …)` and with the runtime API.

use std::process::ExitCode;

use prompt_sync::{MessageTemplate, Prompt, PromptKind};

mod render;

/// A text prompt (f-string).
const SUMMARIZER: Prompt = prompt_sync::prompt!("summarizer");
/// A chat prompt: system, a placeholder for the history, human.
const SUPPORT: Prompt = prompt_sync::prompt!("support_assistant");
/// A chat prompt in mustache format.
const GREETER: Prompt = prompt_sync::prompt!("greeter");
/// A structured-output prompt pulled with its model (a RunnableSequence on the hub).
static TWEETS: Prompt = prompt_sync::prompt!("tweet-generator-example");

fn prompts() -> [&'static Prompt; 4] {
    [&SUMMARIZER, &SUPPORT, &GREETER, &TWEETS]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {
            list();
            ExitCode::SUCCESS
        }
        [flag] if flag == "-h" || flag == "--help" => {
            println!(
                "usage: example-app [NAME | --render]\n\nWithout NAME, lists the embedded prompts; with NAME, prints that prompt;\nwith --render, renders every prompt with sample values."
            );
            ExitCode::SUCCESS
        }
        [flag] if flag == "--render" => match render::render_all() {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        [name] => match prompts().into_iter().find(|p| p.name() == name) {
            Some(p) => {
                show(p);
                ExitCode::SUCCESS
            }
            None => {
                let names: Vec<&str> = prompts().iter().map(|p| p.name()).collect();
                eprintln!(
                    "error: no prompt named `{name}`; embedded prompts: {}",
                    names.join(", ")
                );
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("error: expected at most one argument, the prompt's name (see --help)");
            ExitCode::from(2)
        }
    }
}

fn list() {
    println!(
        "{:<26} {:<5} {:<9} {:<10} {:<13} VARIABLES",
        "NAME", "KIND", "FORMAT", "SHA256", "HUB COMMIT"
    );
    for p in prompts() {
        println!(
            "{:<26} {:<5} {:<9} {:<10} {:<13} {}",
            p.name(),
            kind(p),
            p.template_format().as_str(),
            p.sha256().get(..8).unwrap_or(p.sha256()),
            p.hub_commit().map_or("-", |c| c.get(..12).unwrap_or(c)),
            p.variables().join(", ")
        );
    }
}

fn show(p: &Prompt) {
    println!("name:        {}", p.name());
    println!(
        "kind:        {} ({})",
        kind(p),
        p.template_format().as_str()
    );
    println!("sha256:      {}", p.sha256());
    println!("hub commit:  {}", p.hub_commit().unwrap_or("-"));
    println!(
        "local edit:  {}",
        if p.locally_modified() {
            "yes (not on the hub yet)"
        } else {
            "no"
        }
    );
    println!("variables:   {}", p.variables().join(", "));
    println!("messages:");
    for m in p.messages() {
        match m {
            MessageTemplate::Message { role, template } => {
                println!("  [{}] {}", role.as_str(), template.replace('\n', "\n    "));
            }
            MessageTemplate::Placeholder { variable } => println!("  [placeholder] {{{variable}}}"),
        }
    }
    println!("--- content ---");
    print!("{}", p.content());
    if !p.content().ends_with('\n') {
        println!();
    }
}

fn kind(p: &Prompt) -> &'static str {
    match p.kind() {
        PromptKind::Text => "text",
        PromptKind::Chat => "chat",
    }
}
