//! The sync's human output, in the original tool's style:
//!
//! ```text
//! 🔄 Syncing all prompts...
//!
//! ⬇️ test_generator_v1: Updated local with newer hub version (5432 chars)
//! ⬇️ code_generator_v1: Pulled fresh version from hub (8901 chars)
//! ✅ requirements_analyst_v1: Hub and local are identical - no sync needed
//!
//! 📊 Sync Summary
//! ================
//! Total prompts:     3
//! Pulled from hub:   1
//! Updated from hub:  1
//! Pushed to hub:     0
//! Conflicts:         0
//! Errors:            0
//! ```

use prompt_sync_build::engine::{Outcome, Target};

use crate::cli::SyncArgs;
use crate::package::Package;
use crate::sync::{PackageSync, is_new_local};
use crate::ui::{Tone, Ui, short, show_path};

/// The lines before the per-prompt lines.
pub(crate) fn header(ui: &Ui, targets: &[Target], args: &SyncArgs) {
    match targets {
        [one] if !args.all => ui.info(format!("🔄 Syncing {}...", one.name)),
        _ if args.all || args.names.is_empty() => ui.info("🔄 Syncing all prompts..."),
        many => ui.info(format!("🔄 Syncing {} prompts...", many.len())),
    }
    if args.auto_push {
        ui.info("⚠️  Auto-push enabled - local changes will be pushed if different");
    }
    if args.force_pull {
        ui.info("⚠️  Force pull enabled - the hub's version replaces local changes (they are backed up)");
    }
    if args.dry_run {
        ui.info("🔍 Dry run - nothing will be changed");
    }
    ui.info("");
}

/// One line per prompt, then the summary block.
pub(crate) fn lines(ui: &Ui, pkg: &Package, result: &PackageSync, dry_run: bool) {
    for r in &result.report.repaired {
        ui.note(format!("🔧 repaired: {r}"));
    }
    for (i, p) in result.report.prompts.iter().enumerate() {
        let chars = result.chars.get(i).copied().flatten();
        let new_local =
            prompt_sync_core::PromptName::new(&p.name).is_ok_and(|n| is_new_local(pkg, &n));
        let (tone, line) = line(&p.name, &p.outcome, chars, new_local);
        ui.out_tone(tone, line);
        if let Outcome::Updated {
            backup: Some(backup),
        } = &p.outcome
        {
            ui.debug(format!(
                "{}: the old text is in {}",
                p.name,
                show_path(backup, &pkg.dir)
            ));
        }
    }
    let t = result.report.totals();
    ui.info("");
    ui.out("📊 Sync Summary");
    ui.out("================");
    ui.out(format!("Total prompts:     {}", t.total));
    ui.out(format!("Pulled from hub:   {}", t.pulled));
    ui.out(format!("Updated from hub:  {}", t.updated));
    ui.out(format!("Pushed to hub:     {}", t.pushed));
    ui.out(format!("Conflicts:         {}", t.conflicts));
    ui.out(format!("Errors:            {}", t.errors));
    if dry_run {
        ui.info("");
        ui.info("🔍 Dry run - nothing was changed");
    }
}

/// The line of one prompt.
pub(crate) fn line(
    name: &str,
    outcome: &Outcome,
    chars: Option<usize>,
    new_local: bool,
) -> (Tone, String) {
    let size = |c: Option<usize>| c.map(|c| format!(" ({c} chars)")).unwrap_or_default();
    match outcome {
        Outcome::Pulled => (
            Tone::Good,
            format!("⬇️ {name}: Pulled fresh version from hub{}", size(chars)),
        ),
        Outcome::Updated { .. } => (
            Tone::Good,
            format!(
                "⬇️ {name}: Updated local with newer hub version{}",
                size(chars)
            ),
        ),
        Outcome::Pushed { commit } => (
            Tone::Good,
            format!(
                "⬆️ {name}: Pushed local changes to hub{}{}",
                size(chars),
                commit
                    .as_deref()
                    .map(|c| format!(" - commit {}", short(c)))
                    .unwrap_or_default()
            ),
        ),
        Outcome::Recorded => (
            Tone::Good,
            format!(
                "✅ {name}: Hub and local are identical - no sync needed (recorded the hub's commit)"
            ),
        ),
        Outcome::Unchanged => (
            Tone::Good,
            format!("✅ {name}: Hub and local are identical - no sync needed"),
        ),
        Outcome::LocalEdit if new_local => (
            Tone::Warn,
            format!(
                "✏️ {name}: New prompt, not on the hub yet - `prompt-sync push {name}` creates it"
            ),
        ),
        Outcome::LocalEdit => (
            Tone::Warn,
            format!(
                "✏️ {name}: Local edit not pushed yet - `prompt-sync push {name}` (or sync with --auto-push) publishes it"
            ),
        ),
        Outcome::UnmarkedEdit => (
            Tone::Warn,
            format!(
                "⚠️ {name}: Local file edited without mark-edited - kept; `prompt-sync mark-edited {name}` keeps it, `prompt-sync restore {name}` discards it, `prompt-sync sync --force-pull {name}` takes the hub's"
            ),
        ),
        Outcome::Conflict(why) => (
            Tone::Warn,
            format!(
                "⚠️ {name}: Local modified and differs from hub - manual resolution needed\n   {why}"
            ),
        ),
        Outcome::Error(e) => (Tone::Bad, format!("❌ {name}: Error: {e}")),
        Outcome::WouldPull => (
            Tone::Plain,
            format!("🔍 {name}: Would pull fresh version from hub"),
        ),
        Outcome::WouldUpdate => (
            Tone::Plain,
            format!("🔍 {name}: Would update local with newer hub version"),
        ),
        Outcome::WouldRecord => (
            Tone::Plain,
            format!("🔍 {name}: Hub and local are identical - would record the hub's commit"),
        ),
        Outcome::WouldPush => (
            Tone::Plain,
            format!("🔍 {name}: Would push local changes to hub"),
        ),
        Outcome::Interrupted => (
            Tone::Warn,
            format!(
                "🔧 {name}: Interrupted write - `prompt-sync sync` or `prompt-sync repair` will finish it"
            ),
        ),
        Outcome::PushRefused(why) => (
            Tone::Warn,
            format!("⚠️ {name}: Local edit kept, not pushed - {why}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_original_tool() {
        assert_eq!(
            line("a", &Outcome::Updated { backup: None }, Some(5432), false).1,
            "⬇️ a: Updated local with newer hub version (5432 chars)"
        );
        assert_eq!(
            line("a", &Outcome::Pulled, Some(8901), false).1,
            "⬇️ a: Pulled fresh version from hub (8901 chars)"
        );
        assert_eq!(
            line("a", &Outcome::Unchanged, Some(1), false).1,
            "✅ a: Hub and local are identical - no sync needed"
        );
        assert_eq!(
            line("a", &Outcome::Pushed { commit: None }, Some(5678), false).1,
            "⬆️ a: Pushed local changes to hub (5678 chars)"
        );
        assert!(
            line("a", &Outcome::Conflict("x".into()), None, false)
                .1
                .starts_with(
                    "⚠️ a: Local modified and differs from hub - manual resolution needed"
                )
        );
        assert_eq!(
            line("a", &Outcome::Error("e".into()), None, false).0,
            Tone::Bad
        );
    }
}
