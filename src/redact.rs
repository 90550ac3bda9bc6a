//! Redaction of text that came from outside (a server's error fields, the message of an error thrown
//! by `fetch`) before it is put into an [`Error`](crate::Error). Never applied to the package's own
//! sentences: those are fixed text and cannot hold the credentials, and redacting them would both
//! damage them and reveal a short secret ("t[redacted] endpoint" for the secret `oken`).
//!
//! A [`Redactor`] is built once per configuration from the client id and the client secret. It
//! looks for these patterns:
//! - the secret;
//! - the Basic credentials `base64(clientId ":" clientSecret)` (so also the whole `Basic ...` header);
//! - the secret's base64 alone;
//!
//! (both base64 patterns without their `=` padding, so an unpadded copy matches too) in three views
//! of the text: as is, percent-decoded (`%2F` and `%2f` alike, so the URL and form encodings of the
//! secret in any mix of upper- and lower-case hex are found), and percent-decoded with `+` read as a
//! space (the form encoding of a space). A match in a decoded view redacts the encoded bytes it came
//! from. (An encoded copy is recognised as a decoder would read it: a stray literal `%` right before
//! it that swallows its first characters into an escape hides it, as it would from any decoder.)
//!
//! **Cut secrets.** External text is cut to a length and the cut marked with `…`
//! ([`Redactor::clean_truncated`]), and a runtime or a server may have cut it already (`…`, `...`,
//! or the end of the text). A head of a pattern of [`MIN_CUT_PREFIX`] bytes or more right before
//! such a cut is redacted too; a secret straddling the cut made here is redacted whatever the
//! length of its head.
//!
//! **Short secrets.** A secret under [`MIN_SECRET_CHARS`] characters cannot be starred out without
//! revealing it (the starred places spell it). With such a secret, text in which any pattern is
//! found is withheld entirely: [`WITHHELD`].
//!
//! **Never recreated.** The result is checked again: if the marker next to the surrounding text
//! spells a pattern (a secret such as `d]]x`), the text is withheld, and if even [`WITHHELD`] would
//! contain a pattern the result is empty.
//!
//! **Cost.** Each pattern is searched with Knuth-Morris-Pratt: one pass per view and pattern, at
//! most `2 * text length` steps each, after tables built once in [`Redactor::new`]. So a clean costs
//! `O(text length)` (3 patterns x 3 views, twice with the check), independent of the secret's length
//! (which `config` bounds anyway, [`MAX_CREDENTIAL_BYTES`](crate::config::MAX_CREDENTIAL_BYTES)).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use core::fmt;
use std::cell::OnceCell;

/// What a redacted run of external text is replaced with.
pub const MARKER: &str = "[redacted]";
/// What external text is replaced with when it cannot be redacted without revealing a secret.
pub const WITHHELD: &str = "[withheld: may contain credentials]";
/// Secrets shorter than this (in characters) are never starred out in place: text containing one is
/// withheld instead.
pub const MIN_SECRET_CHARS: usize = 8;
/// Shortest head of a pattern (in bytes) that is redacted right before a cut (`…`, `...`, end of
/// text). Shorter heads are too common in ordinary text to mean anything and reveal at most 3
/// characters of a secret of [`MIN_SECRET_CHARS`] or more.
pub const MIN_CUT_PREFIX: usize = 4;
/// The mark of a cut made by [`Redactor::clean_truncated`].
pub const ELLIPSIS: &str = "…";

/// One pattern and its Knuth-Morris-Pratt failure table.
#[derive(Clone)]
struct Pattern {
    bytes: Vec<u8>,
    /// A base64 pattern: up to two `=` of padding right after a match go with it.
    padded: bool,
    /// `fail[i]`: length of the longest proper prefix of `bytes[..=i]` that is also its suffix.
    fail: Vec<usize>,
}

impl Pattern {
    fn new(bytes: Vec<u8>, padded: bool) -> Self {
        let mut fail = vec![0usize; bytes.len()];
        let mut k = 0usize;
        for i in 1..bytes.len() {
            let c = bytes.get(i).copied();
            while k > 0 && bytes.get(k).copied() != c {
                k = fail.get(k - 1).copied().unwrap_or(0);
            }
            if bytes.get(k).copied() == c {
                k += 1;
            }
            if let Some(slot) = fail.get_mut(i) {
                *slot = k;
            }
        }
        Pattern {
            bytes,
            padded,
            fail,
        }
    }
}

/// A view of the text: its bytes, and for each byte where it starts in the original text
/// (`origin[len]` is the original length). `origin` is `None` for the text as is.
struct View {
    bytes: Vec<u8>,
    origin: Option<Vec<usize>>,
}

impl View {
    fn origin(&self, j: usize) -> usize {
        match &self.origin {
            None => j,
            Some(o) => o.get(j).copied().unwrap_or(usize::MAX),
        }
    }

    /// Percent-decode `text` (`%XX`, either case), and `+` to a space when `plus` is set.
    fn decoded(text: &str, plus: bool) -> View {
        let src = text.as_bytes();
        let mut bytes = Vec::with_capacity(src.len());
        let mut origin = Vec::with_capacity(src.len() + 1);
        let mut i = 0;
        while let Some(&b) = src.get(i) {
            origin.push(i);
            let hex = |k: usize| src.get(k).and_then(|h| char::from(*h).to_digit(16));
            match (b, hex(i + 1), hex(i + 2)) {
                (b'%', Some(hi), Some(lo)) => {
                    bytes.push((hi * 16 + lo) as u8);
                    i += 3;
                }
                (b'+', _, _) if plus => {
                    bytes.push(b' ');
                    i += 1;
                }
                _ => {
                    bytes.push(b);
                    i += 1;
                }
            }
        }
        origin.push(src.len());
        View {
            bytes,
            origin: Some(origin),
        }
    }

    /// Whether a cut mark (`…` or `...`) starts at `j`.
    fn cut_mark_at(&self, j: usize) -> bool {
        let rest = self.bytes.get(j..).unwrap_or_default();
        rest.starts_with(ELLIPSIS.as_bytes()) || rest.starts_with(b"...")
    }
}

/// Finds and redacts the credentials in external text. Made once per configuration, cheaply: the
/// patterns and their tables are built on first use (only a failure has external text to clean).
/// Never shows what it holds (`Debug` prints `Redactor([redacted])`).
#[derive(Clone)]
pub struct Redactor {
    client_id: String,
    client_secret: String,
    built: OnceCell<Patterns>,
}

/// The patterns of a [`Redactor`].
#[derive(Clone)]
struct Patterns {
    patterns: Vec<Pattern>,
    /// The secret is under [`MIN_SECRET_CHARS`]: withhold instead of starring out.
    short: bool,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor([redacted])")
    }
}

impl Patterns {
    /// The patterns for these credentials (the Basic header's standard base64, its `=` padding
    /// dropped from the patterns and absorbed after a match).
    fn new(client_id: &str, client_secret: &str) -> Patterns {
        let b64 = |bytes: &[u8]| {
            BASE64
                .encode(bytes)
                .trim_end_matches('=')
                .as_bytes()
                .to_vec()
        };
        let pair = format!("{client_id}:{client_secret}");
        let patterns = [
            (client_secret.as_bytes().to_vec(), false),
            (b64(pair.as_bytes()), true),
            (b64(client_secret.as_bytes()), true),
        ]
        .into_iter()
        .filter(|(p, _)| !p.is_empty())
        .map(|(p, padded)| Pattern::new(p, padded))
        .collect();
        Patterns {
            patterns,
            short: client_secret.chars().count() < MIN_SECRET_CHARS,
        }
    }
}

impl Redactor {
    /// A redactor for these credentials.
    pub fn new(client_id: &str, client_secret: &str) -> Redactor {
        Redactor {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            built: OnceCell::new(),
        }
    }

    /// The patterns, built on first use.
    fn patterns(&self) -> &Patterns {
        self.built
            .get_or_init(|| Patterns::new(&self.client_id, &self.client_secret))
    }

    /// `external` with every occurrence of the credentials (see the module doc) replaced by
    /// [`MARKER`], or [`WITHHELD`] when that cannot be done without revealing them. Text without
    /// credential material is returned unchanged.
    pub fn clean(&self, external: &str) -> String {
        self.render(external, external.len(), false)
    }

    /// `external` cut to at most `max_chars` characters (with [`ELLIPSIS`] appended when cut), then
    /// cleaned as by [`Redactor::clean`]. A secret straddling the cut is redacted whatever the
    /// length of its head; the decision is made on the whole text, so the cost stays linear in it.
    pub fn clean_truncated(&self, external: &str, max_chars: usize) -> String {
        match external.char_indices().nth(max_chars) {
            Some((cut, _)) => self.render(external, cut, true),
            None => self.clean(external),
        }
    }

    /// Redact `text[..cut]` (`+ …` when `mark`), judging matches on the whole of `text`.
    fn render(&self, text: &str, cut: usize, mark: bool) -> String {
        let runs = self.runs(text, Some(cut), &mut 0);
        let head = text.get(..cut).unwrap_or_default();
        let ellipsis = if mark { ELLIPSIS } else { "" };
        if runs.is_empty() {
            let out = format!("{head}{ellipsis}");
            // The cut mark next to the text could spell a pattern (a secret with `…` in it).
            return if !mark || self.runs(&out, None, &mut 0).is_empty() {
                out
            } else {
                self.withheld()
            };
        }
        if self.patterns().short {
            return self.withheld();
        }
        let mut out = String::with_capacity(head.len() + ellipsis.len());
        let mut at = 0;
        for (a, b) in runs {
            out.push_str(head.get(at..a).unwrap_or_default());
            out.push_str(MARKER);
            at = b;
        }
        out.push_str(head.get(at..).unwrap_or_default());
        out.push_str(ellipsis);
        if self.runs(&out, None, &mut 0).is_empty() {
            out
        } else {
            self.withheld()
        }
    }

    /// [`WITHHELD`], or the empty string if even that would contain a pattern.
    fn withheld(&self) -> String {
        if self.runs(WITHHELD, None, &mut 0).is_empty() {
            WITHHELD.into()
        } else {
            String::new()
        }
    }

    /// The byte ranges of `text` to redact, merged, sorted, on char boundaries and clipped to `cut`
    /// (a cut point itself when given). `steps` counts the search steps (for the linearity test).
    fn runs(&self, text: &str, cut: Option<usize>, steps: &mut u64) -> Vec<(usize, usize)> {
        let end = cut.unwrap_or(text.len()).min(text.len());
        // Coverage as a difference array over the original bytes: linear, no sorting.
        let mut diff = vec![0i32; end + 1];
        let mut views = vec![View {
            bytes: text.as_bytes().to_vec(),
            origin: None,
        }];
        if text.contains('%') {
            views.push(View::decoded(text, false));
        }
        if text.contains('%') || text.contains('+') {
            views.push(View::decoded(text, true));
        }
        let mut mark = |a: usize, b: usize| {
            let (a, b) = (a.min(end), b.min(end));
            if a < b {
                if let Some(d) = diff.get_mut(a) {
                    *d += 1;
                }
                if let Some(d) = diff.get_mut(b) {
                    *d -= 1;
                }
            }
        };
        for view in &views {
            for p in &self.patterns().patterns {
                scan(view, p, cut, steps, &mut mark);
            }
        }
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut depth = 0i32;
        let mut start = 0usize;
        for (i, d) in diff.iter().enumerate() {
            let before = depth;
            depth += d;
            if before == 0 && depth > 0 {
                start = i;
            } else if before > 0 && depth == 0 {
                let mut a = start;
                while a > 0 && !text.is_char_boundary(a) {
                    a -= 1;
                }
                let mut b = i;
                while b < end && !text.is_char_boundary(b) {
                    b += 1;
                }
                match runs.last_mut() {
                    Some(last) if last.1 >= a => last.1 = last.1.max(b),
                    _ => runs.push((a, b)),
                }
            }
        }
        runs
    }
}

/// One Knuth-Morris-Pratt pass of `p` over `view`, calling `mark(a, b)` with the original byte
/// range of every full match and of every head of at least [`MIN_CUT_PREFIX`] bytes right before a
/// cut (a cut mark, the end of the view, or the first byte at or after original offset `cut`).
fn scan(
    view: &View,
    p: &Pattern,
    cut: Option<usize>,
    steps: &mut u64,
    mark: &mut impl FnMut(usize, usize),
) {
    let m = p.bytes.len();
    if m == 0 {
        return;
    }
    let min_head = MIN_CUT_PREFIX;
    let mut cut_pending = cut;
    let mut q = 0usize;
    for (j, &c) in view.bytes.iter().enumerate() {
        let mut at_cut = view.cut_mark_at(j);
        if let Some(k) = cut_pending {
            if view.origin(j) >= k {
                at_cut = true;
                cut_pending = None;
            }
        }
        if at_cut && q >= min_head {
            mark(view.origin(j - q), view.origin(j));
        }
        while q > 0 && p.bytes.get(q).copied() != Some(c) {
            q = p.fail.get(q - 1).copied().unwrap_or(0);
            *steps += 1;
        }
        if p.bytes.get(q).copied() == Some(c) {
            q += 1;
        }
        *steps += 1;
        if q == m {
            let mut end = j + 1;
            while p.padded && end < j + 3 && view.bytes.get(end) == Some(&b'=') {
                end += 1;
            }
            mark(view.origin(j + 1 - m), view.origin(end));
            q = p.fail.get(m - 1).copied().unwrap_or(0);
        }
    }
    let len = view.bytes.len();
    if q >= min_head {
        mark(view.origin(len - q), view.origin(len));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Standard padded base64, as in the Basic header.
    pub(super) fn b64(bytes: &[u8]) -> String {
        BASE64.encode(bytes)
    }

    fn r(id: &str, secret: &str) -> Redactor {
        Redactor::new(id, secret)
    }

    const SECRET: &str = "s3cr3t-DO-NOT-LEAK";

    #[test]
    fn secret_and_basic_credentials() {
        let x = r("test-client", SECRET);
        let basic = b64(format!("test-client:{SECRET}").as_bytes());
        assert_eq!(x.clean(&format!("bad {SECRET}!")), "bad [redacted]!");
        assert_eq!(
            x.clean(&format!("got Basic {basic} back")),
            "got Basic [redacted] back"
        );
        assert_eq!(
            x.clean(&format!("b64 {} alone", b64(SECRET.as_bytes()))),
            "b64 [redacted] alone"
        );
        // the padding goes with the match, percent-encoded too
        let padded = r("id", "s3cr3t-DO-NOT-LEAK!");
        let enc = b64(b"s3cr3t-DO-NOT-LEAK!");
        assert!(enc.ends_with('='));
        assert_eq!(padded.clean(&format!("{enc}=x")), "[redacted]=x");
        let pct = enc.replace('=', "%3D");
        assert_eq!(padded.clean(&format!("<{pct}>")), "<[redacted]>");
        let unpadded = b64(SECRET.as_bytes()).trim_end_matches('=').to_string();
        assert_eq!(
            x.clean(&format!("{unpadded} unpadded")),
            "[redacted] unpadded"
        );
        assert!(!format!("{x:?}").contains("s3cr"));
    }

    #[test]
    fn percent_and_form_encodings() {
        let secret = "p@ss w/rd+x=y&z";
        let x = r("id", secret);
        for enc in [
            "p%40ss%20w%2Frd%2Bx%3Dy%26z",
            "p%40ss%20w%2frd%2bx%3dy%26z",
            "p%40ss+w%2Frd%2Bx%3Dy%26z",
            "p%40ss+w/rd%2bx=y%26z",
            "p@ss%20w/rd+x=y&z",
        ] {
            let out = x.clean(&format!("echo: {enc} end"));
            assert_eq!(out, "echo: [redacted] end", "{enc}");
        }
    }

    #[test]
    fn text_without_secret_material_is_unchanged() {
        let x = r("id", SECRET);
        for t in [
            "",
            "invalid_client",
            "Client authentication failed… 100% sure + more",
            "%zz %4 % +",
            "token endpoint",
        ] {
            assert_eq!(x.clean(t), t);
        }
    }

    #[test]
    fn a_head_before_a_cut_is_redacted() {
        let x = r("test-client", SECRET);
        assert_eq!(x.clean("x s3cr3t-DO-NOT…"), "x [redacted]…");
        assert_eq!(x.clean("x s3cr3t-D... more"), "x [redacted]... more");
        assert_eq!(x.clean("ends with s3cr"), "ends with [redacted]");
        // shorter than MIN_CUT_PREFIX: ordinary text
        assert_eq!(x.clean("ends with s3c"), "ends with s3c");
        // the head of the Basic credentials
        assert_eq!(
            x.clean("got \"Basic dGVzdC1jbGllbnQ6…\""),
            "got \"Basic [redacted]…\""
        );
        // percent-encoded head
        assert_eq!(x.clean("s3cr3t%2DDO…"), "[redacted]…");
    }

    #[test]
    fn truncation_redacts_a_secret_straddling_the_cut() {
        let x = r("id", SECRET);
        for keep in 0..SECRET.len() + 2 {
            let text = format!("ab{SECRET}cd");
            let out = x.clean_truncated(&text, 2 + keep);
            assert!(out.ends_with('…'), "{out}");
            assert!(!out.contains("s3c"), "{keep}: {out}");
            if keep == 0 {
                assert_eq!(out, "ab…");
            } else if keep <= SECRET.len() {
                assert_eq!(out, "ab[redacted]…");
            }
        }
        assert_eq!(x.clean_truncated("short", 5), "short");
        assert_eq!(x.clean_truncated("longer", 5), "longe…");
        assert_eq!(x.clean_truncated("éééé", 2), "éé…");
    }

    #[test]
    fn short_secrets_withhold_the_text() {
        let x = r("id", "oken");
        assert_eq!(x.clean("token endpoint down"), WITHHELD);
        assert_eq!(x.clean("nothing here"), "nothing here");
        assert_eq!(x.clean("b2tlbg"), WITHHELD);
        let one = r("id", "z");
        assert_eq!(one.clean("zebra"), WITHHELD);
        assert_eq!(one.clean("abc"), "abc");
        assert_eq!(one.clean_truncated("abcdzzzz", 3), "abc…");
        assert_eq!(one.clean_truncated("abcdzzzz", 5), WITHHELD);
        // a secret that WITHHELD itself contains: nothing is left
        assert_eq!(r("id", "e").clean("every letter"), "");
    }

    #[test]
    fn the_marker_never_recreates_the_secret() {
        for (secret, text) in [
            ("d]]xxxxxx", "x d]]xxxxxx]]xxxxxx y"),
            ("[redacted]x", "[[redacted]xx"),
            ("]xxxxxxxx", "d]]xxxxxxxxxx"),
            ("ed][redac", "ed][redaced][redac"),
            ("[withheld: may", "[withheld: may[withheld: may"),
        ] {
            let out = r("id", secret).clean(text);
            assert!(!out.contains(secret), "{secret:?} in {out:?}");
        }
        // a secret inside WITHHELD itself: nothing is left
        assert_eq!(
            r("id", "withheld: ").clean("[withheld: x]"),
            "[[redacted]x]"
        );
        assert_eq!(r("id", "held").clean("held"), "");
        // nor the cut mark
        assert_eq!(r("id", "…").clean_truncated("ab", 0), WITHHELD);
        assert_eq!(r("id", "xx…yyyyy").clean_truncated("xxz", 2), WITHHELD);
    }

    #[test]
    fn cost_is_linear_in_the_text() {
        // Worst cases for naive search: long runs of one byte, a secret of the same byte.
        let secret = "a".repeat(4_096);
        let x = r("id", &secret);
        for text in [
            "a".repeat(100_000),
            "a".repeat(4_095) + "b",
            "ab".repeat(50_000),
            "%61".repeat(30_000),
        ] {
            let mut steps = 0;
            x.runs(&text, None, &mut steps);
            // 3 views x 3 patterns x 2 steps per byte, at most.
            assert!(
                steps <= 18 * text.len() as u64,
                "{steps} steps for {} bytes",
                text.len()
            );
        }
        assert_eq!(x.clean(&"a".repeat(10_000)), "[redacted]");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod proptests {
    use super::tests::b64;
    use super::*;
    use proptest::prelude::*;

    fn encodings(secret: &str) -> Vec<String> {
        let pct = |upper: bool, plus: bool| {
            secret
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        char::from(b).to_string()
                    }
                    b' ' if plus => "+".into(),
                    _ if upper => format!("%{b:02X}"),
                    _ => format!("%{b:02x}"),
                })
                .collect::<String>()
        };
        vec![
            secret.to_string(),
            b64(secret.as_bytes()),
            pct(true, false),
            pct(false, true),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever surrounds them, no copy of the secret, of its base64 or of the Basic credentials
        /// survives, also not through the marker, and also not at a truncation.
        #[test]
        fn no_secret_survives(
            secret in "[ -~]{1,24}",
            // No '%' in the filler: a literal '%' right before an encoded secret makes the two read
            // as one escape (`%` + `0a...`), which no decoder would read as the secret either.
            pieces in prop::collection::vec(("[ -$&-~…]{0,6}", 0usize..4), 0..6),
            max in 0usize..80,
        ) {
            let x = Redactor::new("client", &secret);
            let encs = encodings(&secret);
            let basic = b64(format!("client:{secret}").as_bytes());
            let mut text = String::new();
            for (filler, k) in &pieces {
                text.push_str(filler);
                text.push_str(&encs[*k]);
            }
            for out in [x.clean(&text), x.clean_truncated(&text, max)] {
                prop_assert!(!out.contains(&secret), "{:?} -> {:?}", text, out);
                prop_assert!(!out.contains(basic.trim_end_matches('=')), "{:?}", out);
                prop_assert!(!out.contains(b64(secret.as_bytes()).trim_end_matches('=')));
                if secret.len() >= MIN_SECRET_CHARS {
                    for e in &encs {
                        prop_assert!(!out.contains(e.as_str()), "{:?} in {:?}", e, out);
                    }
                }
            }
        }

        /// Text made of characters that occur in no pattern comes back unchanged.
        #[test]
        fn clean_text_is_unchanged(
            secret in "[a-z0-9]{1,24}",
            text in "[ ,;:!?()\\[\\]…_~\\-\"'#*]{0,200}",
            max in 0usize..300,
        ) {
            let x = Redactor::new("client", &secret);
            prop_assert_eq!(x.clean(&text), text.clone());
            let expected = match text.char_indices().nth(max) {
                Some((i, _)) => format!("{}…", &text[..i]),
                None => text.clone(),
            };
            prop_assert_eq!(x.clean_truncated(&text, max), expected);
        }
    }
}
