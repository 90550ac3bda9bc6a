//! `Redactor::clean` and `Redactor::clean_truncated` on arbitrary text around planted copies of the
//! credentials (as is, base64, Basic credentials, percent/form encoded in either hex case, cut).
//!
//! Invariants:
//! 1. no panic, for any credentials, text and cut length;
//! 2. the output never contains the secret, the base64 of the secret, or the Basic credentials
//!    (unpadded), the marker included; for secrets of `MIN_SECRET_CHARS` or more, also none of the
//!    planted encodings;
//! 3. text without any byte of the patterns, `%` or `+` comes back unchanged (cut and marked with
//!    `…` by `clean_truncated`);
//! 4. the search is linear: the text is at most 64 KiB (`-max_len`), the credentials at most 4 KiB,
//!    and libFuzzer's `-timeout` catches anything slower.
#![no_main]

use altpay_oauth::redact::{Redactor, MIN_SECRET_CHARS};
use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn percent(secret: &str, upper: bool, plus: bool) -> String {
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
        .collect()
}

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let id: String = u.arbitrary()?;
    let secret: String = u.arbitrary()?;
    if secret.is_empty() || id.contains(':') || id.len() > 4096 || secret.len() > 4096 {
        return Ok(());
    }
    let max_chars = usize::from(u8::arbitrary(&mut u)?) * 4;
    let basic = b64(format!("{id}:{secret}").as_bytes());
    let encodings = [
        secret.clone(),
        b64(secret.as_bytes()),
        basic.clone(),
        format!("Basic {basic}"),
        percent(&secret, true, false),
        percent(&secret, false, true),
    ];
    let mut text = String::new();
    while !u.is_empty() && text.len() < 65_536 {
        let filler: String = u.arbitrary()?;
        // A literal '%' right before an encoded copy would merge with it into an escape (see the
        // module doc of redact.rs): keep fillers free of it.
        text.push_str(&filler.replace('%', " "));
        if let Some(e) = encodings.get(usize::from(u8::arbitrary(&mut u)?) % 8) {
            text.push_str(e);
        }
    }
    let r = Redactor::new(&id, &secret);
    let cleaned = r.clean(&text);
    let cut = r.clean_truncated(&text, max_chars);
    let secret_b64 = b64(secret.as_bytes());
    // The base64 patterns unpadded (an unpadded copy is found too).
    let forbidden = [
        secret.as_str(),
        basic.trim_end_matches('='),
        secret_b64.trim_end_matches('='),
    ];
    for out in [&cleaned, &cut] {
        for f in forbidden {
            assert!(
                f.is_empty() || !out.contains(f),
                "credential survived: id {id:?} secret {secret:?} text {text:?} -> {out:?}"
            );
        }
        if secret.chars().count() >= MIN_SECRET_CHARS {
            for e in &encodings {
                assert!(!out.contains(e.as_str()), "encoded credential survived");
            }
        }
    }
    // 3: nothing to find, nothing changed.
    let pattern_bytes: Vec<u8> = forbidden
        .iter()
        .flat_map(|f| f.bytes())
        .chain(*b"%+")
        .collect();
    if !text.bytes().any(|b| pattern_bytes.contains(&b)) {
        assert_eq!(cleaned, text);
        let expected = match text.char_indices().nth(max_chars) {
            Some((i, _)) => format!("{}…", &text[..i]),
            None => text.clone(),
        };
        assert_eq!(cut, expected);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
