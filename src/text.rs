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

/// Append `n` as exactly four lower-case hex digits (the low 16 bits).
pub fn push_hex4(out: &mut String, n: u32) {
    for shift in [12, 8, 4, 0] {
        let d = ((n >> shift) & 0xf) as u8;
        out.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
    }
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
    fn hex() {
        for n in [0u32, 0xa, 0x1f, 0x7f, 0x9f, 0xabcd, 0xffff] {
            let mut s = String::new();
            push_hex4(&mut s, n);
            assert_eq!(s, format!("{n:04x}"));
        }
    }

    #[test]
    fn search_and_replace() {
        assert_eq!(find("a..b", ".."), Some(1));
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
