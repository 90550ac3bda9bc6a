//! Retry policy of the token request: which failures are retried, the backoff between attempts and the
//! `Retry-After` header (RFC 9110 §10.2.3), in plain Rust with an injected clock and random number.
//!
//! The wasm layer calls [`next_delay_ms`] after each failed attempt and either sleeps for the returned
//! number of milliseconds or returns the error. Nothing here reads a clock or a random source itself.

use crate::error::{Error, ErrorCode};

/// Base of the exponential backoff: the delay ceiling after the first failure, in milliseconds.
pub const BASE_DELAY_MS: f64 = 250.0;

/// Largest backoff delay between two attempts, in milliseconds.
pub const MAX_DELAY_MS: f64 = 8_000.0;

/// Token endpoint allows 5 requests/s per key: never two attempts closer than this.
pub const MIN_SPACING_MS: f64 = 200.0;

/// A Retry-After longer than this is not waited out: the error is returned with `retry_after` set.
pub const MAX_RETRY_AFTER_WAIT_MS: f64 = 30_000.0;

/// Largest value [`parse_retry_after`] returns, in seconds (about 31.7 years): larger delays saturate.
pub const MAX_RETRY_AFTER_SECONDS: f64 = 1e9;

const MS_PER_DAY: f64 = 86_400_000.0;

/// Seconds from a Retry-After header value, relative to now (ms since epoch). None when unusable.
///
/// Accepts delta-seconds (ASCII digits only, surrounding whitespace ignored; huge values saturate at
/// [`MAX_RETRY_AFTER_SECONDS`]) and the three HTTP-date forms of RFC 9110 §5.6.7: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`) and
/// asctime (`Sun Nov  6 08:49:37 1994`). A date in the past gives `Some(0.0)`. A date needs a finite
/// `now_ms`; delta-seconds do not. Always whole seconds: the time until a date is rounded up (a date
/// 2.997 s ahead is 3), so `retryAfter` is never a fraction and never shorter than the server asked.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim_ascii();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        let n = value.bytes().fold(0u64, |acc, b| {
            acc.saturating_mul(10)
                .saturating_add(u64::from(b.wrapping_sub(b'0')))
        });
        return Some((n as f64).min(MAX_RETRY_AFTER_SECONDS));
    }
    if !now_ms.is_finite() {
        return None;
    }
    let date_ms = parse_http_date(value, now_ms)?;
    let seconds = ((date_ms - now_ms) / 1000.0).clamp(0.0, MAX_RETRY_AFTER_SECONDS);
    Some(ceil_seconds(seconds))
}

/// `seconds` (finite, in `0..=MAX_RETRY_AFTER_SECONDS`) rounded up to a whole number.
fn ceil_seconds(seconds: f64) -> f64 {
    // In range, the cast is exact for the whole part (no `f64::ceil` without std).
    let whole = seconds as u64 as f64;
    if whole < seconds {
        whole + 1.0
    } else {
        whole
    }
}

/// Exponential backoff with "equal jitter": d = min(MAX, BASE * 2^attempt); d/2 + random01 * d/2, floored at MIN_SPACING_MS.
///
/// `attempt` 0 is the delay after the first failure. `random01` should be uniform in `[0, 1)`; values
/// outside `[0, 1]` are clamped and NaN counts as 0, so the result is always within
/// `[max(MIN_SPACING_MS, d/2), max(MIN_SPACING_MS, d)]`.
pub fn backoff_delay_ms(attempt: u32, random01: f64) -> f64 {
    let ceiling = backoff_ceiling_ms(attempt);
    let r = if random01.is_nan() {
        0.0
    } else {
        random01.clamp(0.0, 1.0)
    };
    let half = ceiling / 2.0;
    (half + r * half).max(MIN_SPACING_MS)
}

/// `min(MAX_DELAY_MS, BASE_DELAY_MS * 2^attempt)` without overflow for any `attempt`.
fn backoff_ceiling_ms(attempt: u32) -> f64 {
    // 250 * 2^6 already exceeds 8000; 31 keeps the shift in range.
    let factor = 1u32 << attempt.min(31);
    (BASE_DELAY_MS * f64::from(factor)).min(MAX_DELAY_MS)
}

/// Whether an error is of a retryable kind: NetworkError, Timeout, RateLimited, or HttpError with a 5xx status. Never 403 or other 4xx, InvalidResponse, InvalidConfig, Aborted.
pub fn is_retryable(error: &Error) -> bool {
    match error.code {
        ErrorCode::NetworkError | ErrorCode::Timeout | ErrorCode::RateLimited => true,
        ErrorCode::HttpError => matches!(error.status, Some(500..=599)),
        ErrorCode::InvalidConfig
        | ErrorCode::InvalidCredentials
        | ErrorCode::InvalidResponse
        | ErrorCode::Aborted => false,
    }
}

/// The delay before the next attempt, or None to give up and return `error`.
///
/// `attempt` = number of attempts already failed minus one (0 after the first failure); `retries` =
/// extra attempts allowed. Gives up when the error is not [retryable](is_retryable) or
/// `attempt >= retries`. When `error.retry_after` is `Some(s)` (a 429 or 503 that sent one), waits
/// `max(s * 1000, MIN_SPACING_MS)`, or gives up at once if `s * 1000 > MAX_RETRY_AFTER_WAIT_MS`.
/// Otherwise waits [`backoff_delay_ms`]`(attempt, random01)`. A returned delay is never below
/// [`MIN_SPACING_MS`].
pub fn next_delay_ms(error: &Error, attempt: u32, retries: u32, random01: f64) -> Option<f64> {
    if !is_retryable(error) || attempt >= retries {
        return None;
    }
    match error.retry_after {
        // A NaN retry-after carries no information: fall back to the backoff.
        Some(seconds) if !seconds.is_nan() => {
            let ms = seconds * 1000.0;
            if ms > MAX_RETRY_AFTER_WAIT_MS {
                None
            } else {
                Some(ms.max(MIN_SPACING_MS))
            }
        }
        _ => Some(backoff_delay_ms(attempt, random01)),
    }
}

// ---------------------------------------------------------------------------------------------------
// HTTP-date

const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A forward-only reader over the bytes of a header value. Every method consumes input only on success.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn byte(&mut self, expected: u8) -> Option<()> {
        let (&first, rest) = self.rest.split_first()?;
        if first == expected {
            self.rest = rest;
            Some(())
        } else {
            None
        }
    }

    /// The longest run of ASCII letters (possibly empty).
    fn word(&mut self) -> &'a [u8] {
        let n = self
            .rest
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let (word, rest) = self.rest.split_at_checked(n).unwrap_or((&[], self.rest));
        self.rest = rest;
        word
    }

    /// Exactly `n` ASCII digits (`n` <= 4) as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let (head, rest) = self.rest.split_at_checked(n)?;
        let mut value = 0u32;
        for &b in head {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.rest = rest;
        Some(value)
    }

    /// A day name: a short one ("Sun"), or a long one ("Sunday": a short one followed by letters
    /// ending in "day"; the weekday is never checked against the date, so spelling is not either).
    fn day_name(&mut self) -> Option<()> {
        let word = self.word();
        let short = word.get(..3)?;
        let known = SHORT_DAYS
            .iter()
            .any(|d| d.as_bytes().eq_ignore_ascii_case(short));
        let long_ok = word.len() == 3
            || (word.len() <= 9
                && word.len() >= 6
                && word.get(word.len() - 3..)?.eq_ignore_ascii_case(b"day"));
        (known && long_ok).then_some(())
    }

    /// A month name, as 1..=12.
    fn month(&mut self) -> Option<u32> {
        let word = self.word();
        let index = MONTHS
            .iter()
            .position(|m| m.as_bytes().eq_ignore_ascii_case(word))?;
        u32::try_from(index).ok().map(|i| i + 1)
    }

    /// `HH:MM:SS` as seconds since midnight, with a leap second allowed.
    fn time_of_day(&mut self) -> Option<i64> {
        let hour = self.digits(2)?;
        self.byte(b':')?;
        let minute = self.digits(2)?;
        self.byte(b':')?;
        let second = self.digits(2)?;
        if hour >= 24 || minute >= 60 || second >= 61 {
            return None;
        }
        Some(i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
    }

    /// A four-digit year, or a two-digit one interpreted relative to `now_ms` (RFC 9110 §5.6.7).
    fn year(&mut self, now_ms: f64) -> Option<i64> {
        if let Some(y) = self.digits(4) {
            return Some(i64::from(y));
        }
        let yy = self.digits(2)?;
        Some(expand_two_digit_year(i64::from(yy), current_year(now_ms)))
    }

    fn gmt(&mut self) -> Option<()> {
        self.word().eq_ignore_ascii_case(b"GMT").then_some(())
    }

    fn at_end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

/// An HTTP-date in any of its three forms, as milliseconds since the epoch.
fn parse_http_date(value: &str, now_ms: f64) -> Option<f64> {
    let mut c = Cursor {
        rest: value.as_bytes(),
    };
    c.day_name()?;
    let (year, month, day, seconds);
    if c.byte(b',').is_some() {
        // IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT` or RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`.
        c.byte(b' ')?;
        day = c.digits(2)?;
        let separator = if c.byte(b' ').is_some() {
            b' '
        } else {
            c.byte(b'-')?;
            b'-'
        };
        month = c.month()?;
        c.byte(separator)?;
        year = c.year(now_ms)?;
        c.byte(b' ')?;
        seconds = c.time_of_day()?;
        c.byte(b' ')?;
        c.gmt()?;
    } else {
        // asctime `Sun Nov  6 08:49:37 1994`.
        c.byte(b' ')?;
        month = c.month()?;
        c.byte(b' ')?;
        day = if c.byte(b' ').is_some() {
            c.digits(1)?
        } else {
            c.digits(2)?
        };
        c.byte(b' ')?;
        seconds = c.time_of_day()?;
        c.byte(b' ')?;
        year = i64::from(c.digits(4)?);
    }
    c.at_end()?;
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + seconds) as f64 * 1000.0)
}

/// The year ≡ `yy` (mod 100) that is at most 50 years after `current_year`: a two-digit year that would
/// be more than 50 years in the future is the most recent past year with the same last two digits.
fn expand_two_digit_year(yy: i64, current_year: i64) -> i64 {
    let limit = current_year + 50;
    limit - (limit - yy).rem_euclid(100)
}

/// The (proleptic Gregorian, UTC) year containing `now_ms`. `now_ms` is finite here; it is clamped to
/// a few million years so that the day arithmetic cannot overflow.
fn current_year(now_ms: f64) -> i64 {
    // Floor without std: the cast truncates towards zero.
    let day = (now_ms / MS_PER_DAY).clamp(-1e9, 1e9);
    let whole = day as i64;
    let days = if (whole as f64) > day {
        whole - 1
    } else {
        whole
    };
    civil_from_days(days).0
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
/// `month` is 1..=12 and `day` 1..=31.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let month = i64::from(month);
    let day = i64::from(day);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian `(year, month, day)` of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`), the inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06T08:49:37Z, the RFC's example date.
    const RFC_EXAMPLE_MS: f64 = 784_111_777_000.0;

    fn err(code: ErrorCode, status: Option<u16>) -> Error {
        let e = Error::new(code, "test");
        match status {
            Some(s) => e.with_status(s),
            None => e,
        }
    }

    #[test]
    fn delta_seconds() {
        assert_eq!(parse_retry_after("0", 0.0), Some(0.0));
        assert_eq!(parse_retry_after("120", 0.0), Some(120.0));
        assert_eq!(parse_retry_after("007", 0.0), Some(7.0));
        assert_eq!(parse_retry_after("  42\t", 0.0), Some(42.0));
        assert_eq!(parse_retry_after("\t 3 \r\n", 0.0), Some(3.0));
        // delta-seconds do not depend on the clock.
        assert_eq!(parse_retry_after("5", f64::NAN), Some(5.0));
    }

    #[test]
    fn delta_seconds_rejects_garbage() {
        for bad in [
            "", "   ", "-5", "+5", "1.5", "1e3", "abc", "5s", "5 5", "0x10", "５", "1,000", "NaN",
            "inf",
        ] {
            assert_eq!(parse_retry_after(bad, RFC_EXAMPLE_MS), None, "{bad:?}");
        }
    }

    #[test]
    fn delta_seconds_saturate() {
        assert_eq!(
            parse_retry_after("99999999999999999999", 0.0),
            Some(MAX_RETRY_AFTER_SECONDS)
        );
        assert_eq!(
            parse_retry_after(&"9".repeat(500), 0.0),
            Some(MAX_RETRY_AFTER_SECONDS)
        );
        assert_eq!(parse_retry_after("1000000000", 0.0), Some(1e9));
        assert_eq!(parse_retry_after("1000000001", 0.0), Some(1e9));
        assert_eq!(parse_retry_after("999999999", 0.0), Some(999_999_999.0));
    }

    #[test]
    fn rfc_examples_all_three_forms() {
        let now = RFC_EXAMPLE_MS - 120_000.0;
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_retry_after(form, now), Some(120.0), "{form}");
            assert_eq!(parse_http_date(form, now), Some(RFC_EXAMPLE_MS), "{form}");
        }
    }

    #[test]
    fn date_120_seconds_ahead_and_in_the_past() {
        // 2025-01-15T12:00:00Z
        let now = 1_736_942_400_000.0;
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 12:02:00 GMT", now),
            Some(120.0)
        );
        assert_eq!(
            parse_retry_after(" Wed, 15 Jan 2025 12:02:00 GMT ", now),
            Some(120.0)
        );
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 12:00:00 GMT", now + 500.0),
            Some(0.0)
        );
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 12:00:01 GMT", now + 500.0),
            Some(1.0)
        );
        // Whole seconds, rounded up: 2.997 s ahead is 3, 120.001 s is 121.
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 12:00:03 GMT", now + 3.0),
            Some(3.0)
        );
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 12:02:00 GMT", now - 1.0),
            Some(121.0)
        );
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 11:59:00 GMT", now),
            Some(0.0)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(0.0)
        );
        // A date needs a clock.
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 12:02:00 GMT", f64::NAN),
            None
        );
        assert_eq!(
            parse_retry_after("Wed, 15 Jan 2025 12:02:00 GMT", f64::INFINITY),
            None
        );
    }

    #[test]
    fn far_future_dates_saturate() {
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 0.0),
            Some(MAX_RETRY_AFTER_SECONDS)
        );
    }

    #[test]
    fn leap_years() {
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT", 0.0),
            Some(951_782_400_000.0)
        );
        assert_eq!(
            parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT", 0.0),
            Some(1_709_208_000_000.0)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 00:00:00 GMT", 0.0),
            Some(1_835_395_200_000.0)
        );
        // 2100 is not a leap year (divisible by 100, not by 400); 1900 neither.
        assert_eq!(parse_http_date("Mon, 29 Feb 2100 00:00:00 GMT", 0.0), None);
        assert_eq!(parse_http_date("Thu, 29 Feb 1900 00:00:00 GMT", 0.0), None);
        assert_eq!(parse_http_date("Sun, 29 Feb 2023 00:00:00 GMT", 0.0), None);
        assert_eq!(
            parse_http_date("Mon, 01 Mar 2100 00:00:00 GMT", 0.0),
            Some(4_107_542_400_000.0)
        );
        assert_eq!(
            parse_http_date("Sun, 28 Feb 2100 00:00:00 GMT", 0.0),
            Some(4_107_456_000_000.0)
        );
        assert!(is_leap_year(2000) && is_leap_year(2400) && is_leap_year(2024));
        assert!(!is_leap_year(2100) && !is_leap_year(1900) && !is_leap_year(2023));
    }

    #[test]
    fn invalid_calendar_dates_and_times() {
        for bad in [
            "Sat, 30 Feb 2000 00:00:00 GMT",
            "Thu, 31 Apr 2025 00:00:00 GMT",
            "Thu, 31 Jun 2025 00:00:00 GMT",
            "Thu, 32 Jan 2025 00:00:00 GMT",
            "Thu, 00 Jan 2025 00:00:00 GMT",
            "Thu, 01 Jan 2025 24:00:00 GMT",
            "Thu, 01 Jan 2025 23:60:00 GMT",
            "Thu, 01 Jan 2025 23:59:61 GMT",
            "Thu, 01 Foo 2025 00:00:00 GMT",
            "Thu, 01 January 2025 00:00:00 GMT",
            "Sunday, 30-Feb-94 08:49:37 GMT",
            "Sun Feb 30 08:49:37 1994",
        ] {
            assert_eq!(parse_retry_after(bad, 0.0), None, "{bad}");
        }
        // A leap second is accepted.
        assert_eq!(
            parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT", 0.0),
            Some(1_483_228_800_000.0)
        );
    }

    #[test]
    fn malformed_dates() {
        for bad in [
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 GMT+1",
            "Sun, 06 Nov 1994 08:49:37 GMTX",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun,06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 19940 08:49:37 GMT",
            "Sun, 06-Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov-1994 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "06 Nov 1994 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov  6 08:49:37 1994 GMT",
            "Sun  Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 GMT trailing",
            "Sun",
            "Sun,",
            ",",
        ] {
            assert_eq!(parse_retry_after(bad, 0.0), None, "{bad}");
        }
    }

    #[test]
    fn two_digit_years() {
        // now = 2025-01-15: "94" is 1994, "75" is 2075 (50 years ahead), "76" is 1976.
        let now = 1_736_942_400_000.0;
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now),
            Some(RFC_EXAMPLE_MS)
        );
        assert_eq!(current_year(now), 2025);
        assert_eq!(expand_two_digit_year(75, 2025), 2075);
        assert_eq!(expand_two_digit_year(76, 2025), 1976);
        assert_eq!(expand_two_digit_year(25, 2025), 2025);
        assert_eq!(expand_two_digit_year(0, 2025), 2000);
        assert_eq!(expand_two_digit_year(0, 2099), 2100);
        assert_eq!(expand_two_digit_year(49, 2099), 2149);
        assert_eq!(expand_two_digit_year(50, 2099), 2050);
        assert_eq!(expand_two_digit_year(99, 1970), 1999);
        assert_eq!(expand_two_digit_year(21, 1970), 1921);
        assert_eq!(expand_two_digit_year(20, 1970), 2020);
        // 2-digit year 25 two minutes ahead of a 2025 clock.
        assert_eq!(
            parse_retry_after("Wednesday, 15-Jan-25 12:02:00 GMT", now),
            Some(120.0)
        );
        // The same 2-digit form in 1994 with a 1994 clock.
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", RFC_EXAMPLE_MS - 1000.0),
            Some(1.0)
        );
    }

    #[test]
    fn lenient_but_unambiguous_variants() {
        // Day names are not checked against the date; case of names is ignored; a 4-digit year in the
        // RFC 850 form and a 2-digit asctime day are accepted.
        for ok in [
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "sun, 06 nov 1994 08:49:37 gmt",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov 06 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(ok, 0.0), Some(RFC_EXAMPLE_MS), "{ok}");
        }
        assert_eq!(
            parse_http_date("Sun Nov 16 08:49:37 1994", 0.0),
            Some(RFC_EXAMPLE_MS + 10.0 * MS_PER_DAY)
        );
    }

    #[test]
    fn civil_conversions() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(9999, 12, 31), 2_932_896);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        // Walk day by day over several 400-year cycles against a naive calendar.
        let mut expected = (1600i64, 1u32, 1u32);
        let start = days_from_civil(1600, 1, 1);
        for z in start..start + 3 * 146_097 {
            assert_eq!(civil_from_days(z), expected);
            assert_eq!(days_from_civil(expected.0, expected.1, expected.2), z);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn backoff_examples() {
        assert_eq!(backoff_delay_ms(0, 0.0), 200.0);
        assert_eq!(backoff_delay_ms(0, 0.999), 249.875);
        assert_eq!(backoff_delay_ms(1, 0.0), 250.0);
        assert_eq!(backoff_delay_ms(1, 0.5), 375.0);
        assert_eq!(backoff_delay_ms(2, 0.0), 500.0);
        assert_eq!(backoff_delay_ms(5, 0.0), 4_000.0);
        assert_eq!(backoff_delay_ms(5, 1.0), 8_000.0);
        assert_eq!(backoff_delay_ms(6, 0.0), 4_000.0);
        assert_eq!(backoff_delay_ms(u32::MAX, 1.0), 8_000.0);
        assert_eq!(backoff_delay_ms(3, f64::NAN), 1_000.0);
        assert_eq!(backoff_delay_ms(3, -1.0), 1_000.0);
        assert_eq!(backoff_delay_ms(3, f64::INFINITY), 2_000.0);
        assert_eq!(backoff_delay_ms(3, f64::NEG_INFINITY), 1_000.0);
    }

    #[test]
    fn retryable_kinds() {
        assert!(is_retryable(&err(ErrorCode::NetworkError, None)));
        assert!(is_retryable(&err(ErrorCode::Timeout, None)));
        assert!(is_retryable(&err(ErrorCode::RateLimited, Some(429))));
        assert!(is_retryable(&err(ErrorCode::RateLimited, None)));
        for s in [500, 502, 503, 504, 599] {
            assert!(is_retryable(&err(ErrorCode::HttpError, Some(s))), "{s}");
        }
        for s in [301, 302, 400, 401, 403, 404, 409, 499, 600] {
            assert!(!is_retryable(&err(ErrorCode::HttpError, Some(s))), "{s}");
        }
        assert!(!is_retryable(&err(ErrorCode::HttpError, None)));
        assert!(!is_retryable(&err(
            ErrorCode::InvalidCredentials,
            Some(403)
        )));
        assert!(!is_retryable(&err(ErrorCode::InvalidResponse, Some(200))));
        assert!(!is_retryable(&err(ErrorCode::InvalidConfig, None)));
        assert!(!is_retryable(&err(ErrorCode::Aborted, None)));
    }

    #[test]
    fn next_delay_gives_up_and_honours_retry_after() {
        let net = err(ErrorCode::NetworkError, None);
        assert_eq!(next_delay_ms(&net, 0, 2, 0.0), Some(200.0));
        assert_eq!(next_delay_ms(&net, 1, 2, 0.0), Some(250.0));
        assert_eq!(next_delay_ms(&net, 2, 2, 0.0), None);
        assert_eq!(next_delay_ms(&net, 0, 0, 0.0), None);
        assert_eq!(
            next_delay_ms(&err(ErrorCode::InvalidCredentials, Some(403)), 0, 5, 0.0),
            None
        );
        assert_eq!(
            next_delay_ms(&err(ErrorCode::HttpError, Some(400)), 0, 5, 0.0),
            None
        );

        let limited = |s: f64| err(ErrorCode::RateLimited, Some(429)).with_retry_after(Some(s));
        assert_eq!(next_delay_ms(&limited(2.0), 0, 2, 0.9), Some(2_000.0));
        assert_eq!(
            next_delay_ms(&limited(0.0), 0, 2, 0.9),
            Some(MIN_SPACING_MS)
        );
        assert_eq!(
            next_delay_ms(&limited(0.05), 0, 2, 0.9),
            Some(MIN_SPACING_MS)
        );
        assert_eq!(
            next_delay_ms(&limited(-3.0), 0, 2, 0.9),
            Some(MIN_SPACING_MS)
        );
        assert_eq!(next_delay_ms(&limited(30.0), 0, 2, 0.9), Some(30_000.0));
        assert_eq!(next_delay_ms(&limited(30.001), 0, 2, 0.9), None);
        assert_eq!(next_delay_ms(&limited(f64::INFINITY), 0, 2, 0.9), None);
        assert_eq!(next_delay_ms(&limited(2.0), 2, 2, 0.9), None);
        // A NaN retry-after is ignored in favour of the backoff.
        assert_eq!(next_delay_ms(&limited(f64::NAN), 1, 2, 0.0), Some(250.0));
        // A 503 with Retry-After.
        let unavailable = err(ErrorCode::HttpError, Some(503)).with_retry_after(Some(1.0));
        assert_eq!(next_delay_ms(&unavailable, 0, 2, 0.0), Some(1_000.0));
        // Without Retry-After, a 429 backs off.
        let bare = err(ErrorCode::RateLimited, Some(429));
        assert_eq!(next_delay_ms(&bare, 2, 3, 0.0), Some(500.0));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Formats epoch seconds as an IMF-fixdate, independently of the parser.
    fn imf_fixdate(epoch_seconds: i64) -> String {
        let days = epoch_seconds.div_euclid(86_400);
        let secs = epoch_seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        // 1970-01-01 was a Thursday.
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
            .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
            .copied()
            .unwrap_or("Thu");
        let month = MONTHS
            .get(usize::try_from(m).unwrap_or(1).saturating_sub(1))
            .copied()
            .unwrap_or("Jan");
        format!(
            "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    /// Epoch seconds of 1970-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z.
    const LAST_SECOND: i64 = 253_402_300_799;

    fn date_like_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => prop::sample::select(vec![
                ' ', ',', '-', ':', '0', '1', '2', '3', '6', '9', 'G', 'M', 'T', 'S', 'u', 'n', 'N',
                'o', 'v', 'F', 'e', 'b', 'd', 'a', 'y', '\t',
            ]),
            1 => any::<char>(),
        ]
    }

    fn pads() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", " ", "\t", " \t ", "\r\n"])
    }

    proptest! {
        #[test]
        fn backoff_stays_within_bounds(attempt in any::<u32>(), random01 in any::<f64>()) {
            let ceiling = if attempt >= 6 {
                MAX_DELAY_MS
            } else {
                (BASE_DELAY_MS * 2f64.powi(i32::try_from(attempt).unwrap_or(0))).min(MAX_DELAY_MS)
            };
            let d = backoff_delay_ms(attempt, random01);
            prop_assert!(d.is_finite());
            prop_assert!(d >= (ceiling / 2.0).max(MIN_SPACING_MS), "{} < lower bound", d);
            prop_assert!(d <= ceiling.max(MIN_SPACING_MS), "{} > upper bound", d);
        }

        #[test]
        fn backoff_special_randoms(
            attempt in prop_oneof![0u32..64, any::<u32>()],
            random01 in prop::sample::select(vec![
                f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1.0, -1e300, 1e300,
                f64::MIN_POSITIVE, 1.0 - f64::EPSILON,
            ]),
        ) {
            let ceiling = (BASE_DELAY_MS * 2f64.powi(i32::try_from(attempt.min(64)).unwrap_or(64)))
                .min(MAX_DELAY_MS);
            let d = backoff_delay_ms(attempt, random01);
            prop_assert!(d >= (ceiling / 2.0).max(MIN_SPACING_MS));
            prop_assert!(d <= ceiling.max(MIN_SPACING_MS));
        }

        #[test]
        fn imf_fixdate_round_trip(
            ts in 0i64..=LAST_SECOND,
            ahead in 0i64..=1_000_000_000,
            now_fraction_ms in 0u32..1000,
        ) {
            let text = imf_fixdate(ts);
            let date_ms = ts as f64 * 1000.0;
            prop_assert_eq!(parse_http_date(&text, 0.0), Some(date_ms), "{}", text);
            // Exactly `ahead` whole seconds before the date.
            let now = (ts - ahead) as f64 * 1000.0;
            prop_assert_eq!(parse_retry_after(&text, now), Some(ahead as f64), "{}", text);
            // Any clock, with milliseconds: the difference, clamped.
            let now = (ts - ahead) as f64 * 1000.0 + f64::from(now_fraction_ms);
            let exact = ((date_ms - now) / 1000.0).clamp(0.0, MAX_RETRY_AFTER_SECONDS);
            let got = parse_retry_after(&text, now).unwrap_or(f64::NAN);
            // Whole seconds, rounded up: never shorter than asked, less than a second longer.
            prop_assert_eq!(got, (got as u64) as f64, "{}", text);
            prop_assert!(got >= exact && got < exact + 1.0, "{} for {}", got, exact);
            // After the date: zero.
            prop_assert_eq!(parse_retry_after(&text, date_ms + 1.0), Some(0.0));
        }

        #[test]
        fn imf_fixdate_against_arbitrary_clock(ts in 0i64..=LAST_SECOND, now_s in 0i64..=LAST_SECOND) {
            let text = imf_fixdate(ts);
            let expected = ((ts - now_s) as f64).clamp(0.0, MAX_RETRY_AFTER_SECONDS);
            prop_assert_eq!(parse_retry_after(&text, now_s as f64 * 1000.0), Some(expected));
        }

        #[test]
        fn delta_seconds_round_trip(n in any::<u64>(), pad_left in pads(), pad_right in pads()) {
            let text = format!("{pad_left}{n}{pad_right}");
            let expected = (n as f64).min(MAX_RETRY_AFTER_SECONDS);
            prop_assert_eq!(parse_retry_after(&text, 0.0), Some(expected));
        }

        #[test]
        fn arbitrary_strings_never_panic(
            chars in prop::collection::vec(any::<char>(), 0..64),
            now in any::<f64>(),
        ) {
            let s: String = chars.into_iter().collect();
            if let Some(v) = parse_retry_after(&s, now) {
                prop_assert!((0.0..=MAX_RETRY_AFTER_SECONDS).contains(&v));
            }
        }

        #[test]
        fn date_like_strings_never_panic(
            chars in prop::collection::vec(date_like_char(), 0..40),
            now in prop_oneof![any::<f64>(), Just(RFC_NOW)],
        ) {
            let s: String = chars.into_iter().collect();
            if let Some(v) = parse_retry_after(&s, now) {
                prop_assert!((0.0..=MAX_RETRY_AFTER_SECONDS).contains(&v));
            }
        }

        #[test]
        fn mutated_dates_never_panic(
            ts in 0i64..=LAST_SECOND,
            pos in any::<prop::sample::Index>(),
            replacement in date_like_char(),
            now in any::<f64>(),
        ) {
            let mut chars: Vec<char> = imf_fixdate(ts).chars().collect();
            let i = pos.index(chars.len());
            if let Some(c) = chars.get_mut(i) {
                *c = replacement;
            }
            let s: String = chars.into_iter().collect();
            if let Some(v) = parse_retry_after(&s, now) {
                prop_assert!((0.0..=MAX_RETRY_AFTER_SECONDS).contains(&v));
            }
        }

        #[test]
        fn next_delay_respects_policy(
            code in prop::sample::select(vec![
                ErrorCode::InvalidConfig, ErrorCode::InvalidCredentials, ErrorCode::HttpError,
                ErrorCode::RateLimited, ErrorCode::InvalidResponse, ErrorCode::NetworkError,
                ErrorCode::Timeout, ErrorCode::Aborted,
            ]),
            status in prop::option::of(100u16..700),
            retry_after in prop::option::of(prop_oneof![
                any::<f64>(), 0.0f64..60.0, Just(f64::NAN), Just(f64::INFINITY),
            ]),
            attempt in prop_oneof![0u32..10, any::<u32>()],
            retries in prop_oneof![0u32..10, any::<u32>()],
            random01 in any::<f64>(),
        ) {
            let mut error = Error::new(code, "x").with_retry_after(retry_after);
            error.status = status;
            let delay = next_delay_ms(&error, attempt, retries, random01);
            if !is_retryable(&error) || attempt >= retries {
                prop_assert_eq!(delay, None);
            }
            if let Some(d) = delay {
                prop_assert!(is_retryable(&error) && attempt < retries);
                prop_assert!(d >= MIN_SPACING_MS, "{} below spacing", d);
                prop_assert!(d <= MAX_RETRY_AFTER_WAIT_MS.max(MAX_DELAY_MS), "{} too long", d);
            }
            if let Some(s) = retry_after {
                if s * 1000.0 > MAX_RETRY_AFTER_WAIT_MS {
                    prop_assert_eq!(delay, None);
                }
            }
            if matches!(code, ErrorCode::InvalidCredentials | ErrorCode::InvalidResponse
                | ErrorCode::InvalidConfig | ErrorCode::Aborted)
                || (code == ErrorCode::HttpError && !matches!(status, Some(500..=599)))
            {
                prop_assert!(!is_retryable(&error));
            }
        }
    }

    /// A clock in 1994 for the fuzzing of two-digit years.
    const RFC_NOW: f64 = 784_111_777_000.0;
}
