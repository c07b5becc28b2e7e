//! How close two names are, for "did you mean" hints (config keys, macro variables).

/// Up to three of `candidates` close enough to `name` to be what was meant (a typo:
/// at most one edit per three characters), closest first, without repeats or `name`.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut close: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, c)| d <= (c.chars().count() / 3).max(1))
        .collect();
    close.sort();
    close.dedup_by(|a, b| a.1 == b.1);
    close.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Levenshtein distance with adjacent transpositions counting one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j] = distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names_first() {
        let names = [
            "order_mail",
            "order_mails",
            "invoice",
            "order_mail",
            "order_mial",
        ];
        assert_eq!(closest("order_mial", names), ["order_mail", "order_mails"]);
        assert!(closest("xyz", names).is_empty());
        assert_eq!(closest("invoce", names), ["invoice"]);
    }
}
