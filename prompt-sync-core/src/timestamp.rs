//! Timestamps in metadata: read the original tool's naive ISO form, write UTC.
//!
//! The Python tool wrote `datetime.now().isoformat()`, a naive local time such as
//! `2025-10-27T10:30:00` or `2025-10-27T10:30:00.123456`. We accept that, a space
//! instead of `T`, and an offset (`Z`, `+02:00`). We write UTC to the second with a
//! `Z` suffix (`2026-11-25T06:04:49Z`), which Python 3.11's `fromisoformat` reads.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_utc(secs)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Compact UTC form for file names: `YYYYMMDDTHHMMSSZ`.
pub fn compact_utc(secs: u64) -> String {
    format_utc(secs).replace(['-', ':'], "")
}

/// Days since 1970-01-01 to a (year, month, day) civil date (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Checks that `s` is an ISO-8601 date-time as the original tool or we write it.
pub fn validate(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| -> u32 {
        s.get(r).and_then(|x| x.parse().ok()).unwrap_or(u32::MAX)
    };
    let shape_ok = b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape_ok {
        return Err(format!("`{s}` is not a date-time like 2025-10-27T10:30:00"));
    }
    let (mo, d, h, mi, se) = (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(format!("`{s}` has a field out of range"));
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err(format!("`{s}` has an empty fraction of a second"));
        }
        rest = &frac[n..];
    }
    let offset_ok = rest.is_empty()
        || rest == "Z"
        || (rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest.as_bytes()[3] == b':'
            && rest[1..3]
                .bytes()
                .chain(rest[4..6].bytes())
                .all(|c| c.is_ascii_digit()));
    if !offset_ok {
        return Err(format!("`{s}` has an unreadable time zone `{rest}`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_761_561_000), "2025-10-27T10:30:00Z");
        assert_eq!(compact_utc(1_761_561_000), "20251027T103000Z");
    }

    #[test]
    fn reads_original_and_own_forms() {
        for ok in [
            "2025-10-27T10:30:00",
            "2025-10-27T10:30:00.123456",
            "2025-10-27 10:30:00",
            "2025-10-27T10:30:00Z",
            "2025-10-27T10:30:00.5+02:00",
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "yesterday",
            "2025-13-01T00:00:00",
            "2025-10-27T10:30",
            "2025-10-27T10:30:00.",
            "2025-10-27T10:30:00 UTC",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
        assert_eq!(validate(&now_utc()), Ok(()));
    }
}
