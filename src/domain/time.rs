//! The one UTC time format slam stores and writes, `YYYY-MM-DDTHH:MM:SS.mmmZ` (what SQLite's
//! `strftime('%Y-%m-%dT%H:%M:%fZ')` writes for `created_at`), both ways, pure: the clock is read by
//! the caller.

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of Unix seconds (Howard Hinnant's civil-from-days).
pub fn utc_time(seconds: f64) -> String {
    let ms = (seconds * 1000.0).round() as i64;
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// Milliseconds since the epoch of a stored `YYYY-MM-DDTHH:MM:SS[.mmm]Z` time.
pub fn utc_ms(s: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let ms = match s.get(19..20) {
        Some(".") => {
            let digits: String = s[20..].chars().take_while(char::is_ascii_digit).collect();
            let padded = format!("{digits:0<3}");
            padded.get(..3)?.parse::<i64>().ok()?
        }
        _ => 0,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_by_hand() {
        assert_eq!(utc_ms("1970-01-01T00:00:00.000Z"), Some(0));
        // date -u -d 2026-11-29T11:23:32.123Z +%s%3N
        assert_eq!(utc_ms("2026-11-29T11:23:32.123Z"), Some(1_795_951_412_123));
        assert_eq!(utc_ms("2024-02-29T23:59:59Z"), Some(1_709_251_199_000));
        assert_eq!(utc_ms("garbage"), None);
        // date -u -d @1795951412.123 +%FT%T.%3NZ
        assert_eq!(utc_time(1_795_951_412.123), "2026-11-29T11:23:32.123Z");
        assert_eq!(utc_time(0.0), "1970-01-01T00:00:00.000Z");
    }
}
