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
        if all || !prompt.is_empty() || status || mark_edited.is_some() || auto_push || dry_run {
            return Err(CliError::usage(format!(
                "the original tool's flags (--all, --prompt, --status, --mark-edited, --auto-push, --dry-run) go without a subcommand; put them after `{}`",
                command.name()
            )));
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
}
