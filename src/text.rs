//! Small string helpers that keep `core::fmt` and the two-way substring searcher out of the `.wasm`.
//!
//! `format!` pulls in the formatting machinery (`fmt::write`, `Formatter::pad`, `pad_integral`, ...)
//! and `str::contains(&str)` / `replace(&str)` / `split_once(&str)` pull in `StrSearcher`. The strings
//! here are short (URLs, error messages, server fields), so plain concatenation and a naive byte
//! window search are both smaller and fast enough.

#[allow(unused_imports)]
use crate::prelude::*;

/// The concatenation of `parts`, allocated once.
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Append `n` in decimal.
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in digits.get(i..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

/// ASCII digits (1 to 19 of them) as a number; `None` for anything else.
pub fn parse_digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// Byte offset of the first `byte` (an ASCII byte, so the offset is a char boundary).
pub fn byte_pos(s: &str, byte: u8) -> Option<usize> {
    s.bytes().position(|b| b == byte)
}

/// Whether `s` contains `byte`.
pub fn has_byte(s: &str, byte: u8) -> bool {
    s.bytes().any(|b| b == byte)
}

/// Byte offset of the first occurrence of a non-empty `needle` in `haystack`.
/// The match is a whole UTF-8 sequence, so the offset and the offset after it are char boundaries.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    haystack.as_bytes().windows(n.len()).position(|w| w == n)
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// `haystack` split around the first `needle`.
pub fn split_once<'a>(haystack: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let i = find(haystack, needle)?;
    Some((haystack.get(..i)?, haystack.get(i + needle.len()..)?))
}

/// `haystack` with every non-overlapping occurrence of a non-empty `needle` replaced by `with`,
/// scanning left to right (as `str::replace`).
pub fn replace(haystack: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some((before, after)) = (!needle.is_empty())
        .then(|| split_once(rest, needle))
        .flatten()
    {
        out.push_str(before);
        out.push_str(with);
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        for n in [0, 1, 9, 10, 99, 100, 443, 65535, 1_000_000_007, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        let mut s = String::from("x");
        push_u64(&mut s, 42);
        assert_eq!(s, "x42");
    }

    #[test]
    fn digits() {
        assert_eq!(parse_digits(b"0"), Some(0));
        assert_eq!(parse_digits(b"8443"), Some(8443));
        assert_eq!(
            parse_digits(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        for bad in ["", "-1", "+1", "1 ", "١", "12345678901234567890"] {
            assert_eq!(parse_digits(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn search_and_replace() {
        assert_eq!(find("a..b", ".."), Some(1));
        assert_eq!(byte_pos("ab/c/", b'/'), Some(2));
        assert!(has_byte("a@b", b'@') && !has_byte("ab", b'@'));
        assert_eq!(find("ab", "abc"), None);
        assert_eq!(find("", "a"), None);
        assert!(contains("héllo wörld", "ö"));
        assert_eq!(split_once("https://x/y", "://"), Some(("https", "x/y")));
        assert_eq!(split_once("x", "://"), None);
        for (h, n, w) in [
            ("bad: hunter2", "hunter2", "[redacted]"),
            ("aaaa", "aa", "b"),
            ("aaa", "aa", "b"),
            ("xyz", "q", "[redacted]"),
            ("é€é€", "€", "e"),
            ("hunter2hunter2", "hunter2", ""),
        ] {
            assert_eq!(replace(h, n, w), h.replace(n, w), "{h} {n}");
        }
        assert_eq!(replace("abc", "", "x"), "abc");
        assert_eq!(cat(&["a", "", "bc"]), "abc");
    }
}
