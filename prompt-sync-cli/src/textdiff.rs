//! A line diff (Myers' O((N+M)·D) algorithm) rendered as a unified diff with three
//! lines of context, like `diff -u`. A last line without a newline is followed by
//! `\ No newline at end of file`.

/// One step of an edit script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// Line `a[i]` equals `b[j]`.
    Equal(usize, usize),
    /// Line `a[i]` is removed.
    Delete(usize),
    /// Line `b[j]` is added.
    Insert(usize),
}

/// Context lines around each change.
const CONTEXT: usize = 3;

/// Above this many stored trace entries the diff gives up on finding a minimal
/// script and replaces every line (still a correct diff, only a longer one).
const MAX_TRACE: usize = 20_000_000;

/// The lines of `text`, each with its `\n` (the last may lack it).
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The unified diff from `old` to `new` with the two header names, or `None` when the
/// texts are equal.
pub(crate) fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let a = lines(old);
    let b = lines(new);
    let ops = myers(&a, &b).unwrap_or_else(|| replace_all(a.len(), b.len()));
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for hunk in hunks(&ops) {
        render_hunk(&mut out, &ops[hunk.0..hunk.1], &a, &b);
    }
    Some(out)
}

fn replace_all(n: usize, m: usize) -> Vec<Op> {
    (0..n)
        .map(Op::Delete)
        .chain((0..m).map(Op::Insert))
        .collect()
}

/// The shortest edit script, or `None` when it would take too much memory.
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let n = a.len() as isize;
    let m = b.len() as isize;
    let max = n + m;
    let offset = max + 1;
    let idx = |k: isize| (k + offset) as usize;
    let mut v = vec![0isize; (2 * max + 3) as usize];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut stored = 0usize;
    for d in 0..=max {
        stored += v.len();
        if stored > MAX_TRACE {
            return None;
        }
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && v[idx(k - 1)] < v[idx(k + 1)]) {
                v[idx(k + 1)]
            } else {
                v[idx(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx(k)] = x;
            if x >= n && y >= m {
                return Some(backtrack(&trace, n, m, idx));
            }
            k += 2;
        }
    }
    None
}

fn backtrack(trace: &[Vec<isize>], n: isize, m: isize, idx: impl Fn(isize) -> usize) -> Vec<Op> {
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let k = x - y;
        let prev_k = if k == -d || (k != d && v[idx(k - 1)] < v[idx(k + 1)]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = v[idx(prev_k)];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            ops.push(Op::Equal((x - 1) as usize, (y - 1) as usize));
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == prev_x {
                ops.push(Op::Insert((y - 1) as usize));
            } else {
                ops.push(Op::Delete((x - 1) as usize));
            }
        }
        x = prev_x;
        y = prev_y;
    }
    ops.reverse();
    ops
}

/// The ranges of `ops` that make up hunks: each change with up to [`CONTEXT`] equal
/// lines around it, nearby changes merged.
fn hunks(ops: &[Op]) -> Vec<(usize, usize)> {
    let changes: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Equal(..)))
        .map(|(i, _)| i)
        .collect();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for i in changes {
        let start = i.saturating_sub(CONTEXT);
        let end = (i + 1 + CONTEXT).min(ops.len());
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

fn render_hunk(out: &mut String, ops: &[Op], a: &[&str], b: &[&str]) {
    let first_old = ops.iter().find_map(|op| match op {
        Op::Equal(i, _) | Op::Delete(i) => Some(*i),
        Op::Insert(_) => None,
    });
    let first_new = ops.iter().find_map(|op| match op {
        Op::Equal(_, j) | Op::Insert(j) => Some(*j),
        Op::Delete(_) => None,
    });
    let old_count = ops.iter().filter(|op| !matches!(op, Op::Insert(_))).count();
    let new_count = ops.iter().filter(|op| !matches!(op, Op::Delete(_))).count();
    // Lines before the hunk: the first line's index, or where an empty side sits.
    let old_before = first_old.unwrap_or_else(|| lines_before(ops, true));
    let new_before = first_new.unwrap_or_else(|| lines_before(ops, false));
    out.push_str(&format!(
        "@@ -{} +{} @@\n",
        range(old_before, old_count),
        range(new_before, new_count)
    ));
    for op in ops {
        let (mark, line) = match *op {
            Op::Equal(i, _) => (' ', a[i]),
            Op::Delete(i) => ('-', a[i]),
            Op::Insert(j) => ('+', b[j]),
        };
        out.push(mark);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// For a hunk with no line on one side: how many lines of that side precede it.
fn lines_before(ops: &[Op], old: bool) -> usize {
    // Only inserts (old side empty) or only deletes (new side empty) remain; their
    // position on the other side is given by the neighbouring equal lines, which the
    // hunk would include. Without any, the side is empty: 0.
    ops.iter()
        .find_map(|op| match (op, old) {
            (Op::Equal(i, _), true) => Some(*i),
            (Op::Equal(_, j), false) => Some(*j),
            _ => None,
        })
        .unwrap_or(0)
}

/// `start,count` of a unified diff range (1-based; `n,0` after line n when empty).
fn range(before: usize, count: usize) -> String {
    match count {
        0 => format!("{before},0"),
        1 => format!("{}", before + 1),
        _ => format!("{},{count}", before + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "x", "y"), None);
    }

    #[test]
    fn a_changed_line_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified(old, new, "hub", "local").unwrap(),
            "--- hub\n+++ local\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn far_apart_changes_make_two_hunks() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new = old.replace("2\n", "two\n").replace("19\n", "nineteen\n");
        let d = unified(&old, &new, "a", "b").unwrap();
        assert_eq!(d.matches("@@ ").count(), 2, "{d}");
        assert!(d.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n"), "{d}");
        assert!(d.contains("-19\n+nineteen\n 20\n"), "{d}");
    }

    #[test]
    fn empty_sides_and_missing_newlines() {
        assert_eq!(
            unified("", "hello", "a", "b").unwrap(),
            "--- a\n+++ b\n@@ -0,0 +1 @@\n+hello\n\\ No newline at end of file\n"
        );
        assert_eq!(
            unified("x\n", "", "a", "b").unwrap(),
            "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n"
        );
        assert_eq!(
            unified("a\nb", "a\nb\n", "o", "n").unwrap(),
            "--- o\n+++ n\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }

    #[test]
    fn the_script_is_minimal_and_replays() {
        let a = lines("a\nb\nc\na\nb\nb\na\n");
        let b = lines("c\nb\na\nb\na\nc\n");
        let ops = myers(&a, &b).unwrap();
        let changes = ops.iter().filter(|o| !matches!(o, Op::Equal(..))).count();
        assert_eq!(changes, 5, "the classic example has D = 5");
        let rebuilt: Vec<&str> = ops
            .iter()
            .filter_map(|op| match *op {
                Op::Equal(i, _) => Some(a[i]),
                Op::Insert(j) => Some(b[j]),
                Op::Delete(_) => None,
            })
            .collect();
        assert_eq!(rebuilt, b);
    }
}
