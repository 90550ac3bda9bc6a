//! The response validator on arbitrary bytes: decoded as the wasm layer does (`response::decode`, with
//! serde_json standing in for the runtime's `JSON.parse` + serde-wasm-bindgen), then
//! `validate_token`, `error_for_status`, `details`, and the redaction the wasm layer applies before an
//! error leaves the core.
//!
//! Invariants checked (any violation panics, which libFuzzer reports as a crash):
//! - no panic, whatever the bytes, status, clock or credentials;
//! - `parse_token` Ok => access_token non-empty printable ASCII (VSCHAR), token_type "bearer" ignoring case, expires_in finite
//!   and >= 0 (never -0), expires_at = sent + expires_in * 1000, finite and <= the largest JS date;
//! - `parse_token` Err => code invalid_response, no details, and the message does not echo the first
//!   8 bytes of the access token (any 8-byte fragment with ALTPAY_FUZZ_STRICT_ECHO=1), for tokens with
//!   characters the fixed texts never use;
//! - `error_for_status`: 403 => invalid_credentials, 429 => rate_limited, anything else http_error;
//!   status and retry_after kept; details = `details_from_body` (None when empty), at most 32 unique
//!   keys of at most 128 (+ "…") chars and values of at most 1024 (+ "…") chars; a one-line message;
//! - with the config's `Redactor` cleaning the server text, neither the secret, the Basic header nor
//!   its base64 appear in the message or details (unless the secret overlaps the "[redacted]" marker itself: see
//!   docs/interop.md / the report; that case is checked by tests/hardening instead).
#![no_main]

use altpay_oauth::config::{validate, Options};
use altpay_oauth::body::{ErrorBody, TokenBody};
use altpay_oauth::redact::Redactor;
use altpay_oauth::response::{self, decode, Token, MAX_VALID_TIME_MS};
use altpay_oauth::{Error, ErrorCode};
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Characters that none of the fixed message texts contain: a token fragment with one of them in an
/// error message can only have been echoed from the body.
const ECHO_MARKERS: &[u8] = b"#%&|~^`";

/// A redactor for credentials no body contains (the redaction check below uses real ones).
fn no_redactor() -> Redactor {
    Redactor::new("fuzz-client", "fuzz-secret-not-in-any-body-0123456789")
}

/// A 2xx body judged as the wasm layer judges it.
fn parse_token_with(body: &[u8], sent_at: f64, redactor: &Redactor) -> Result<Token, Error> {
    decode(Some(body), |t| serde_json::from_str::<TokenBody>(t).map_err(|_| ()))
        .map_err(response::body_error)
        .and_then(|b| response::validate_token(b, sent_at, redactor))
}

fn parse_token(body: &[u8], sent_at: f64) -> Result<Token, Error> {
    parse_token_with(body, sent_at, &no_redactor())
}

/// A non-2xx body decoded as the wasm layer decodes it.
fn error_body(body: Option<&[u8]>) -> Option<ErrorBody> {
    decode(body, |t| serde_json::from_str::<ErrorBody>(t).map_err(|_| ())).ok()
}

fn details_from_body(body: &[u8]) -> Vec<(String, String)> {
    response::details(error_body(Some(body)).unwrap_or_default(), &no_redactor())
}

fn error_for_status_with(
    status: u16,
    body: Option<&[u8]>,
    retry_after: Option<f64>,
    redactor: &Redactor,
) -> Error {
    response::error_for_status(status, body.and_then(|b| error_body(Some(b))), retry_after, redactor)
}

fn error_for_status(status: u16, body: Option<&[u8]>, retry_after: Option<f64>) -> Error {
    error_for_status_with(status, body, retry_after, &no_redactor())
}

fn check_token_not_echoed(body: &[u8], message: &str) {
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    let Some(serde_json::Value::String(token)) = doc.get("access_token") else {
        return;
    };
    let token = token.as_bytes();
    if token.len() < 8 {
        return;
    }
    // The guarantee: the first 8 bytes of the token are never echoed. With
    // ALTPAY_FUZZ_STRICT_ECHO=1, any 8-byte fragment of it (the rule before the working-tree change
    // of `echo` in src/response.rs; see the hardening report).
    let strict = std::env::var_os("ALTPAY_FUZZ_STRICT_ECHO").is_some();
    let windows: Vec<&[u8]> = if strict {
        token.windows(8).collect()
    } else {
        token.get(..8).into_iter().collect()
    };
    for window in windows {
        if !window.iter().any(|b| ECHO_MARKERS.contains(b)) {
            continue;
        }
        assert!(
            !message.as_bytes().windows(8).any(|w| w == window),
            "error message echoes a fragment of the access token: {message:?}"
        );
    }
}

fn marker_overlap(secret: &str) -> bool {
    // The secret shares characters with the marker's edges: a replacement can recreate it.
    const MARKER: &str = "[redacted]";
    (1..=secret.len().min(MARKER.len())).any(|n| {
        secret.get(..n).is_some_and(|p| MARKER.ends_with(p))
            || secret
                .get(secret.len() - n..)
                .is_some_and(|s| MARKER.starts_with(s))
    }) || MARKER.contains(secret)
}

fn check_one_line(message: &str) {
    assert!(
        !message.chars().any(|c| c == '\n' || c == '\r'),
        "multi-line message {message:?}"
    );
}

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let status = 100 + u16::arbitrary(&mut u)? % 900;
    let retry_after = Option::<f64>::arbitrary(&mut u)?;
    let sent_at = match u8::arbitrary(&mut u)? % 4 {
        0 => f64::arbitrary(&mut u)?,
        1 => 0.0,
        _ => 1_700_000_000_000.0,
    };
    // Credentials: the secret is taken from the body itself (start, length) so that the fuzzer easily
    // makes servers that echo it back.
    let secret_at = usize::from(u16::arbitrary(&mut u)?);
    let secret_len = 1 + usize::from(u8::arbitrary(&mut u)? % 48);
    let client_id = if bool::arbitrary(&mut u)? {
        "test-client"
    } else {
        "x"
    };
    let body = u.take_rest();

    // --- parse_token ----------------------------------------------------------------------------
    match parse_token(body, sent_at) {
        Ok(t) => {
            assert!(!t.access_token.is_empty());
            assert!(t.access_token.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            assert!(t.token_type.eq_ignore_ascii_case("bearer"));
            assert!(t.expires_in.is_finite() && t.expires_in >= 0.0);
            assert!(t.expires_in.is_sign_positive(), "-0 expires_in");
            assert!(t.expires_at.is_finite() && t.expires_at <= MAX_VALID_TIME_MS);
            assert_eq!(t.expires_at, sent_at + t.expires_in * 1000.0);
            // Debug never shows the token.
            let dbg = format!("{t:?}");
            if t.access_token.len() >= 12 {
                assert!(!dbg.contains(&t.access_token));
            }
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidResponse, "{}", e.message);
            assert_eq!(e.status, None);
            assert!(e.details.is_none());
            assert!(!e.message.is_empty());
            check_one_line(&e.message);
            check_token_not_echoed(body, &e.message);
        }
    }

    // --- error_for_status / details_from_body ---------------------------------------------------
    let details = details_from_body(body);
    assert!(details.len() <= 32);
    for (i, (k, v)) in details.iter().enumerate() {
        assert!(k.chars().count() <= 129 && v.chars().count() <= 1025);
        if k.chars().count() == 129 {
            assert!(k.ends_with('…'));
        }
        if v.chars().count() == 1025 {
            assert!(v.ends_with('…'));
        }
        assert!(
            details.iter().skip(i + 1).all(|(k2, _)| k2 != k),
            "duplicate detail key"
        );
    }
    for body_opt in [Some(body), None] {
        let e = error_for_status(status, body_opt, retry_after);
        let want = match status {
            403 => ErrorCode::InvalidCredentials,
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::HttpError,
        };
        assert_eq!(e.code, want);
        assert_eq!(e.status, Some(status));
        assert_eq!(
            e.retry_after.map(f64::to_bits),
            retry_after.map(f64::to_bits)
        );
        match body_opt {
            Some(_) => assert_eq!(e.details.clone().unwrap_or_default(), details),
            None => assert!(e.details.is_none()),
        }
        check_one_line(&e.message);
        assert!(
            !e.message.chars().any(char::is_control),
            "control character in {:?}",
            e.message
        );
    }

    // --- redaction ------------------------------------------------------------------------------
    let text = String::from_utf8_lossy(body);
    let start = text
        .char_indices()
        .map(|(i, _)| i)
        .nth(secret_at % text.chars().count().max(1))
        .unwrap_or(0);
    let secret: String = text
        .get(start..)
        .unwrap_or("")
        .chars()
        .take(secret_len)
        .collect();
    let options = Options {
        client_id: client_id.into(),
        client_secret: secret.clone(),
        environment: None,
        base_url: None,
        timeout_ms: None,
        retries: None,
    };
    if let Ok(config) = validate(&options) {
        let header = config.authorization.expose();
        let secrets = [
            config.client_secret.expose(),
            header,
            header.strip_prefix("Basic ").unwrap_or(header),
        ];
        let redactor = config.redactor();
        let errors = [
            error_for_status_with(status, Some(body), retry_after, &redactor),
            parse_token_with(body, sent_at, &redactor)
                .err()
                .unwrap_or_else(|| error_for_status_with(status, None, None, &redactor)),
        ];
        for e in errors {
            for s in secrets
                .iter()
                .filter(|s| !s.is_empty() && !marker_overlap(s))
            {
                // Only server text is redacted, never the package's own sentences: a secret that
                // is a word of them ("status") may appear there. A secret with a character those
                // sentences never use can only appear if it was echoed.
                if s.bytes().any(|b| ECHO_MARKERS.contains(&b)) {
                    assert!(!e.message.contains(s), "secret in message {:?}", e.message);
                }
                for (k, v) in e.details.iter().flatten() {
                    assert!(!k.contains(s) && !v.contains(s), "secret in details");
                }
                // A cut-off head of the secret (server text is truncated with "…") is redacted too,
                // checked from 5 characters (src/redact.rs redacts heads of 4 bytes or more).
                let marked = s.bytes().any(|b| ECHO_MARKERS.contains(&b));
                let texts: Vec<&str> = std::iter::once(e.message.as_str())
                    .filter(|_| marked)
                    .chain(
                        e.details
                            .iter()
                            .flatten()
                            .flat_map(|(k, v)| [k.as_str(), v.as_str()]),
                    )
                    .collect();
                // For the Authorization header the head is measured on its base64 part: "Basic " is
                // fixed text, and "Basic dGV…" shows 3 characters of the pattern, under that limit.
                let pattern = if *s == header {
                    header.strip_prefix("Basic ").unwrap_or(header)
                } else {
                    s
                };
                for cut in 5..pattern.len() {
                    let Some(head) = pattern.get(..cut) else { continue };
                    let marked = format!("{head}…");
                    for t in &texts {
                        assert!(!t.contains(&marked), "cut-off head of a secret in {t:?}");
                    }
                }
                // (Debug and Display only wrap these fields in fixed text.)
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
