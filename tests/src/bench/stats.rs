//! Medians.

/// The median of `samples` (the upper one of the middle two for an even count);
/// the default value for no samples.
pub fn median<T: Copy + Ord + Default>(samples: &[T]) -> T {
    let mut s = samples.to_vec();
    s.sort();
    s.get(s.len() / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3, 1, 2]), 2);
        assert_eq!(median(&[4, 1, 3, 2]), 3);
        assert_eq!(median::<u32>(&[]), 0);
    }
}
