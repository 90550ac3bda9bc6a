//! Small string helpers that keep `core::fmt` and the two-way substring searcher out of the `.wasm`.
//!
//! `format!` pulls in the formatting machinery (`fmt::write`, `Formatter::pad`, `pad_integral`, ...)
//! and `str::contains(&str)` / `replace(&str)` / `split_once(&str)` pull in `StrSearcher`. The strings
//! here are short (URLs, error messages, server fields), so plain concatenation and a naive byte
//! window search are both smaller and fast enough.

#[allow(unused_imports)]
use crate::prelude::*;

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
    }
}
