//! `parse_retry_after` (delta-seconds and the three HTTP-date forms) and the retry policy around it.
//!
//! - no panic for any string and clock;
//! - a result is always whole seconds within [0, MAX_RETRY_AFTER_SECONDS] and never NaN;
//! - ASCII digits (surrounding whitespace ignored) give exactly min(n, 1e9), with any clock;
//! - anything else needs a finite clock (None with NaN/inf);
//! - an IMF-fixdate built from fuzz data parses back to date - now, clamped and rounded up;
//! - `backoff_delay_ms` and `next_delay_ms` stay within their documented bounds.
#![no_main]

use altpay_oauth::error::{Error, ErrorCode};
use altpay_oauth::retry::{
    backoff_delay_ms, is_retryable, next_delay_ms, parse_retry_after, MAX_DELAY_MS,
    MAX_RETRY_AFTER_SECONDS, MAX_RETRY_AFTER_WAIT_MS, MIN_SPACING_MS,
};
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    // H. Hinnant's algorithm, independent of the crate's copy.
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn imf_fixdate(epoch_s: i64) -> String {
    let days = epoch_s.div_euclid(86_400);
    let secs = epoch_s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn check_range(v: Option<f64>) {
    if let Some(v) = v {
        assert!((0.0..=MAX_RETRY_AFTER_SECONDS).contains(&v), "{v}");
        assert_eq!(v, v.ceil(), "{v} is not whole seconds");
    }
}

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let now = match u8::arbitrary(&mut u)? % 4 {
        0 => f64::arbitrary(&mut u)?,
        1 => f64::NAN,
        2 => 784_111_777_000.0, // 1994, for two-digit years
        _ => 1_700_000_000_000.0,
    };
    let date_s = i64::arbitrary(&mut u)?.rem_euclid(253_402_300_800); // 1970 ..= 9999
    let attempt = u32::arbitrary(&mut u)?;
    let retries = u32::arbitrary(&mut u)?;
    let random01 = f64::arbitrary(&mut u)?;
    let code_pick = u8::arbitrary(&mut u)?;
    let status = Option::<u16>::arbitrary(&mut u)?;
    let rest = u.take_rest();
    let text = String::from_utf8_lossy(rest);

    let got = parse_retry_after(&text, now);
    check_range(got);
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        let n = trimmed.bytes().fold(0u64, |a, b| {
            a.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        assert_eq!(
            got,
            Some((n as f64).min(MAX_RETRY_AFTER_SECONDS)),
            "{trimmed}"
        );
    } else if !now.is_finite() {
        assert_eq!(got, None, "{text:?} parsed with a non-finite clock");
    }

    // A well-formed date round-trips.
    if now.is_finite() {
        let date = imf_fixdate(date_s);
        // Whole seconds, rounded up.
        let want = ((date_s as f64 * 1000.0 - now) / 1000.0)
            .clamp(0.0, MAX_RETRY_AFTER_SECONDS)
            .ceil();
        assert_eq!(parse_retry_after(&date, now), Some(want), "{date}");
    }

    // Retry policy bounds.
    let d = backoff_delay_ms(attempt, random01);
    assert!(
        d.is_finite() && (MIN_SPACING_MS..=MAX_DELAY_MS).contains(&d),
        "{d}"
    );
    let codes = [
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidCredentials,
        ErrorCode::HttpError,
        ErrorCode::RateLimited,
        ErrorCode::InvalidResponse,
        ErrorCode::NetworkError,
        ErrorCode::Timeout,
        ErrorCode::Aborted,
    ];
    let mut e = Error::new(codes[usize::from(code_pick) % codes.len()], "x").with_retry_after(got);
    e.status = status;
    match next_delay_ms(&e, attempt, retries, random01) {
        Some(d) => {
            assert!(is_retryable(&e) && attempt < retries);
            assert!(
                d >= MIN_SPACING_MS && d <= MAX_RETRY_AFTER_WAIT_MS.max(MAX_DELAY_MS),
                "{d}"
            );
            if let Some(s) = got {
                assert!(s * 1000.0 <= MAX_RETRY_AFTER_WAIT_MS);
            }
        }
        None => {}
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
