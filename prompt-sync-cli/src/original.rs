//! The original smart-prompt-sync tool's command lines (`prompt-sync --all`,
//! `--prompt NAME`, `--status`, `--mark-edited NAME`, `--auto-push`, `--dry-run`),
//! mapped onto the subcommands.

use crate::cli::{Command, OriginalArgs, StatusArgs, SyncArgs};
use crate::error::CliError;

/// The command to run, and whether it was written in the original tool's form (then
/// its output follows the original tool's where they differ).
pub(crate) fn resolve(
    command: Option<Command>,
    original: OriginalArgs,
) -> Result<(Command, bool), CliError> {
    let OriginalArgs {
        all,
        prompt,
        status,
        mark_edited,
        auto_push,
        dry_run,
    } = original;
    if let Some(command) = command {
        let given = OriginalArgs {
            all,
            prompt,
            status,
            mark_edited,
            auto_push,
            dry_run,
        };
        if let Some(line) = subcommand_form(&given) {
            return Err(CliError::usage(format!(
                "the original tool's flags (--all, --prompt, --status, --mark-edited, --auto-push, --dry-run) do not go with a subcommand; drop `{}`, or write `{line}`",
                command.name()
            ))
            .hint("e.g. `--prompt NAME` is `prompt-sync sync NAME`, `--all` is `sync --all`, `--status` is `status`, `--mark-edited NAME` is `mark-edited NAME`"));
        }
        return Ok((command, false));
    }
    if status {
        return Ok((
            Command::Status(StatusArgs {
                offline: false,
                json: false,
            }),
            true,
        ));
    }
    if let Some(name) = mark_edited {
        return Ok((Command::MarkEdited { name }, true));
    }
    if all || !prompt.is_empty() {
        return Ok((
            Command::Sync(SyncArgs {
                names: prompt,
                all,
                auto_push,
                dry_run,
                ..SyncArgs::default()
            }),
            true,
        ));
    }
    if auto_push || dry_run {
        return Err(
            CliError::usage("--auto-push and --dry-run go with --all or --prompt NAME").hint(
                "e.g. `prompt-sync --all --dry-run` or `prompt-sync --prompt NAME --auto-push`",
            ),
        );
    }
    Err(CliError::usage("no command given").hint(
        "run `prompt-sync --help` for the commands, e.g. `prompt-sync status` or `prompt-sync sync`",
    ))
}

/// The subcommand form of the original flags, as a command line (`prompt-sync sync a
/// --auto-push`), or `None` when no original flag is set.
fn subcommand_form(o: &OriginalArgs) -> Option<String> {
    let mut words: Vec<String> = vec!["prompt-sync".to_owned()];
    if o.status {
        words.push("status".to_owned());
    } else if let Some(name) = &o.mark_edited {
        words.extend(["mark-edited".to_owned(), name.clone()]);
    } else if o.all || !o.prompt.is_empty() || o.auto_push || o.dry_run {
        words.push("sync".to_owned());
        if o.all {
            words.push("--all".to_owned());
        }
        words.extend(o.prompt.iter().cloned());
        if o.auto_push {
            words.push("--auto-push".to_owned());
        }
        if o.dry_run {
            words.push("--dry-run".to_owned());
        }
    } else {
        return None;
    }
    Some(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orig() -> OriginalArgs {
        OriginalArgs {
            all: false,
            prompt: Vec::new(),
            status: false,
            mark_edited: None,
            auto_push: false,
            dry_run: false,
        }
    }

    #[test]
    fn the_original_flags_map_onto_subcommands() {
        let (c, original) = resolve(
            None,
            OriginalArgs {
                prompt: vec!["a".into(), "b".into()],
                auto_push: true,
                ..orig()
            },
        )
        .unwrap();
        assert!(original);
        match c {
            Command::Sync(s) => {
                assert_eq!(s.names, ["a", "b"]);
                assert!(s.auto_push && !s.all && !s.dry_run);
            }
            other => panic!("{other:?}"),
        }
        let (c, _) = resolve(
            None,
            OriginalArgs {
                status: true,
                ..orig()
            },
        )
        .unwrap();
        assert_eq!(c.name(), "status");
        let (c, _) = resolve(
            None,
            OriginalArgs {
                mark_edited: Some("x".into()),
                ..orig()
            },
        )
        .unwrap();
        assert_eq!(c.name(), "mark-edited");
        assert_eq!(resolve(None, orig()).unwrap_err().code, 2);
        let lone = OriginalArgs {
            dry_run: true,
            ..orig()
        };
        assert_eq!(resolve(None, lone).unwrap_err().code, 2);
    }

    #[test]
    fn original_flags_before_a_subcommand_get_the_exact_translation() {
        let sync = || Some(Command::Sync(SyncArgs::default()));
        let e = resolve(
            sync(),
            OriginalArgs {
                prompt: vec!["a".into()],
                ..orig()
            },
        )
        .unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("drop `sync`"), "{e}");
        assert!(e.message.contains("write `prompt-sync sync a`"), "{e}");
        assert!(!e.message.contains("after"), "{e}");
        let e = resolve(
            sync(),
            OriginalArgs {
                all: true,
                auto_push: true,
                dry_run: true,
                ..orig()
            },
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("`prompt-sync sync --all --auto-push --dry-run`"),
            "{e}"
        );
        let e = resolve(
            sync(),
            OriginalArgs {
                status: true,
                ..orig()
            },
        )
        .unwrap_err();
        assert!(e.message.contains("write `prompt-sync status`"), "{e}");
        let e = resolve(
            sync(),
            OriginalArgs {
                mark_edited: Some("b".into()),
                ..orig()
            },
        )
        .unwrap_err();
        assert!(e.message.contains("`prompt-sync mark-edited b`"), "{e}");
        assert_eq!(resolve(sync(), orig()).unwrap().0.name(), "sync");
    }
}
