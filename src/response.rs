//! Judging a token-endpoint response: a 2xx body becomes a [`Token`] or an `invalid_response`
//! error; any other status becomes the matching [`Error`] with the server's error fields as details.
//!
//! Messages echo server values only when they help (a wrong `token_type`, an unparsable
//! `expires_in` string, the server's own error text), always truncated, and never the value of
//! `access_token`. The caller still runs [`Error::redact`] with the credentials before an error
//! leaves the core.

#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

use crate::error::{Error, ErrorCode};
use crate::json::{self, Value};
use crate::text::{self, cat};

/// The largest token response body we accept; the wasm layer stops reading past this.
pub const MAX_BODY_BYTES: usize = 1_048_576;

/// The largest time a JavaScript `Date` can hold, in epoch milliseconds.
pub const MAX_VALID_TIME_MS: f64 = 8.64e15;

/// At most this many members of a server error object become [`Error::details`].
const MAX_DETAILS: usize = 32;
/// Detail keys are cut to this many chars.
const MAX_DETAIL_KEY_CHARS: usize = 128;
/// Detail values are cut to this many chars.
const MAX_DETAIL_VALUE_CHARS: usize = 1024;
/// The server's message quoted in an error message is cut to this many chars.
const MAX_SERVER_MESSAGE_CHARS: usize = 200;
/// Other server values quoted in an error message are cut to this many chars.
const MAX_ECHO_CHARS: usize = 40;
/// Echoed values that share this many consecutive bytes with the access token are withheld.
const MIN_SECRET_FRAGMENT_BYTES: usize = 8;

/// A validated access token, as the token endpoint sent it.
#[derive(Clone, PartialEq)]
pub struct Token {
    /// The bearer token (non-empty).
    pub access_token: String,
    /// As sent; equals `"bearer"` ignoring ASCII case.
    pub token_type: String,
    /// Lifetime in seconds, as sent (a numeric string converted); finite and `>= 0`.
    pub expires_in: f64,
    /// Epoch milliseconds: the time the request was sent plus `expires_in`.
    pub expires_at: f64,
    /// The granted scope, when the server sent one.
    pub scope: Option<String>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

/// The `invalid_response` error for a body larger than [`MAX_BODY_BYTES`].
pub fn body_too_large() -> Error {
    Error::response("token response body is larger than 1 MiB")
}

/// The members of a token response that [`parse_token`] reads, in the order it checks them.
const TOKEN_FIELDS: [&str; 4] = ["access_token", "token_type", "expires_in", "scope"];

/// Validate a 2xx token response `body`; `sent_at_ms` is when the request was sent (epoch ms).
pub fn parse_token(body: &[u8], sent_at_ms: f64) -> Result<Token, Error> {
    if body
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        return Err(Error::response("token response body is empty"));
    }
    let doc = json::parse(body).map_err(|e| {
        let mut m = cat(&["token response is not valid JSON (", e.message, " at byte "]);
        text::push_u64(&mut m, e.offset as u64);
        m.push(')');
        Error::response(m)
    })?;
    if doc.root != Value::Object {
        return Err(got("token response must be a JSON object", &doc.root));
    }

    let mut fields: [Option<Value>; 4] = Default::default();
    for (key, value) in doc.members {
        let Some(slot) = TOKEN_FIELDS
            .iter()
            .position(|f| *f == key)
            .and_then(|i| fields.get_mut(i))
        else {
            continue;
        };
        if slot.is_some() {
            return Err(Error::response(cat(&[
                "duplicate \"",
                &key,
                "\" in token response",
            ])));
        }
        *slot = Some(value);
    }
    let [access_token, token_type, expires_in, scope] = fields;
    let missing = |name: &str| Error::response(cat(&["token response has no ", name]));

    let access_token = match access_token {
        None => return Err(missing("access_token")),
        Some(Value::String(s)) if s.is_empty() => {
            return Err(Error::response("access_token in token response is empty"))
        }
        Some(Value::String(s)) => s,
        Some(other) => return Err(got("access_token must be a string", &other)),
    };

    const TOKEN_TYPE_RULE: &str = "token_type must be \"bearer\"";
    let token_type = match token_type {
        None => return Err(missing("token_type")),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("bearer") => s,
        Some(Value::String(s)) => {
            return Err(Error::response(cat(&[
                TOKEN_TYPE_RULE,
                &echo(", got ", &s, &access_token),
            ])))
        }
        Some(other) => return Err(got(TOKEN_TYPE_RULE, &other)),
    };

    const EXPIRES_IN_RULE: &str = "expires_in must be a finite number >= 0";
    let expires_in = match expires_in {
        None => return Err(missing("expires_in")),
        Some(Value::Number(n)) => n,
        Some(Value::String(s)) => match json::parse_number(s.trim_ascii()) {
            Some(n) => n,
            None => {
                return Err(Error::response(cat(&[
                    EXPIRES_IN_RULE,
                    &echo(", got the string ", &s, &access_token),
                ])))
            }
        },
        Some(other) => return Err(got(EXPIRES_IN_RULE, &other)),
    };
    let wrong = if expires_in.is_infinite() {
        "a number too large to represent"
    } else if expires_in.is_nan() || expires_in < 0.0 {
        "a negative number"
    } else {
        ""
    };
    if !wrong.is_empty() {
        return Err(Error::response(cat(&[EXPIRES_IN_RULE, ", got ", wrong])));
    }
    let expires_in = if expires_in == 0.0 { 0.0 } else { expires_in }; // no -0

    let scope = match scope {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => return Err(got("scope must be a string", &other)),
    };

    let expires_at = sent_at_ms + expires_in * 1000.0;
    if !expires_at.is_finite() || expires_at > MAX_VALID_TIME_MS {
        return Err(Error::response("expires_in is out of range"));
    }

    Ok(Token {
        access_token,
        token_type,
        expires_in,
        expires_at,
        scope,
    })
}

/// The `invalid_response` error "`rule`, got a(n) <JSON type of `value`>".
fn got(rule: &str, value: &Value) -> Error {
    Error::response(cat(&[rule, ", got ", article(value)]))
}

/// The error for a non-2xx `status`. `body` is what was read (None if it was too large or
/// unreadable); `retry_after` is the parsed `Retry-After` in seconds.
pub fn error_for_status(status: u16, body: Option<&[u8]>, retry_after: Option<f64>) -> Error {
    let details = body.map(details_from_body).unwrap_or_default();
    let field = |name: &str| {
        details
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    };
    let server_message = field("message")
        .or_else(|| field("error_description"))
        .or_else(|| field("error"));
    // ": <server text>", cleaned, when there is one.
    let push_suffix = |out: &mut String, text: Option<&str>| {
        if let Some(t) = text {
            out.push_str(": ");
            out.push_str(&clean(t, MAX_SERVER_MESSAGE_CHARS));
        }
    };
    // "<prefix><status><close>".
    let with_status = |prefix: &str, close: &str| {
        let mut m = String::from(prefix);
        text::push_u64(&mut m, u64::from(status));
        m.push_str(close);
        m
    };

    let (code, message) = match status {
        403 => {
            let mut m = String::from("token endpoint rejected the client credentials (403)");
            push_suffix(&mut m, server_message);
            (ErrorCode::InvalidCredentials, m)
        }
        429 => {
            let mut m = String::from("token endpoint is rate limiting this client (429)");
            if let Some(s) = retry_after.filter(|s| s.is_finite() && *s >= 0.0) {
                m.push_str("; retry after ");
                text::push_u64(&mut m, ceil_u64(s));
                m.push_str(" s");
            }
            (ErrorCode::RateLimited, m)
        }
        300..=399 => (
            ErrorCode::HttpError,
            with_status(
                "token endpoint answered with a redirect (",
                "); redirects are not followed so credentials never go to another URL",
            ),
        ),
        400..=499 => {
            // RFC 6749 section 5.2: "error" plus an optional "error_description".
            let description = field("error_description").or_else(|| field("message"));
            let mut m = with_status("token endpoint refused the request (", ")");
            match (field("error"), description) {
                (Some(e), Some(d)) => {
                    push_suffix(&mut m, Some(e));
                    push_suffix(&mut m, Some(d));
                }
                (e, d) => push_suffix(&mut m, e.or(d)),
            }
            (ErrorCode::HttpError, m)
        }
        500..=599 => {
            let mut m = with_status("token endpoint failed (", ")");
            push_suffix(&mut m, server_message);
            (ErrorCode::HttpError, m)
        }
        _ => {
            let mut m = with_status("token endpoint answered with status ", "");
            push_suffix(&mut m, server_message);
            (ErrorCode::HttpError, m)
        }
    };
    Error::new(code, message)
        .with_status(status)
        .with_details(details)
        .with_retry_after(retry_after)
}

/// The string-valued members of a JSON-object `body` (other values skipped), in order, first of
/// each key only, at most 32, keys cut to 128 chars and values to 1024 (with "…" when cut).
/// Anything that is not a JSON object gives no details.
pub fn details_from_body(body: &[u8]) -> Vec<(String, String)> {
    let members = json::parse(body).map(|doc| doc.members).unwrap_or_default();
    let mut details: Vec<(String, String)> = Vec::new();
    for (key, value) in members {
        if details.len() >= MAX_DETAILS {
            break;
        }
        let Value::String(value) = value else {
            continue;
        };
        let key = truncate(&key, MAX_DETAIL_KEY_CHARS);
        if details.iter().any(|(k, _)| *k == key) {
            continue;
        }
        details.push((key, truncate(&value, MAX_DETAIL_VALUE_CHARS)));
    }
    details
}

/// `s` cut to at most `max_chars` chars on a char boundary, with "…" appended when cut.
fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => cat(&[s.get(..cut).unwrap_or_default(), "…"]),
        None => String::from(s),
    }
}

/// A server text fit for one line of an error message: truncated, control characters as spaces.
fn clean(s: &str, max_chars: usize) -> String {
    truncate(s.trim(), max_chars)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `prefix` and the quoted, truncated `value`, or nothing when the value could reveal the access
/// token (it contains its first 8 bytes, or all of a shorter one).
fn echo(prefix: &str, value: &str, access_token: &str) -> String {
    let shown = truncate(value, MAX_ECHO_CHARS);
    let head = access_token
        .get(..access_token.len().min(MIN_SECRET_FRAGMENT_BYTES))
        .unwrap_or(access_token);
    if !head.is_empty() && text::contains(value, head) {
        return String::new();
    }
    let mut out = String::from(prefix);
    out.push('"');
    for c in shown.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                out.push_str("\\u");
                text::push_hex4(&mut out, u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The JSON type of `value` with its article: "a null", "an array", ...
fn article(value: &Value) -> &'static str {
    match value {
        Value::Null => "a null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array => "an array",
        Value::Object => "an object",
    }
}

/// Seconds rounded up, for messages (saturates).
fn ceil_u64(seconds: f64) -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = seconds as u64; // saturating, truncates toward zero
    #[allow(clippy::cast_precision_loss)]
    let rest = seconds - whole as f64;
    if rest > 0.0 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;

    const SENT: f64 = 1_700_000_000_000.0;

    fn ok(body: &str) -> Token {
        parse_token(body.as_bytes(), SENT).unwrap()
    }

    fn bad(body: &[u8]) -> String {
        let e = parse_token(body, SENT).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidResponse, "{}", e.message);
        assert_eq!(e.status, None);
        e.message
    }

    fn bad_str(body: &str) -> String {
        bad(body.as_bytes())
    }

    #[test]
    fn contract_shapes() {
        let t = ok(r#"{"access_token":"580defdb...","expires_in":3600,"token_type":"bearer"}"#);
        assert_eq!(
            t,
            Token {
                access_token: "580defdb...".into(),
                token_type: "bearer".into(),
                expires_in: 3600.0,
                expires_at: SENT + 3_600_000.0,
                scope: None,
            }
        );
        let t = ok(r#"{"access_token":"eyJ0eXAi...","token_type":"Bearer","expires_in":3600}"#);
        assert_eq!(t.access_token, "eyJ0eXAi...");
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_in, 3600.0);
        assert_eq!(t.expires_at, SENT + 3_600_000.0);
    }

    #[test]
    fn scope_present_null_and_wrong() {
        let base = r#""access_token":"tok-4f9a1c","token_type":"BEARER","expires_in":60"#;
        assert_eq!(
            ok(&format!(r#"{{{base},"scope":"read write"}}"#))
                .scope
                .as_deref(),
            Some("read write")
        );
        assert_eq!(
            ok(&format!(r#"{{{base},"scope":""}}"#)).scope.as_deref(),
            Some("")
        );
        assert_eq!(ok(&format!(r#"{{{base},"scope":null}}"#)).scope, None);
        for wrong in ["1", "true", "[\"a\"]", "{}"] {
            let m = bad_str(&format!(r#"{{{base},"scope":{wrong}}}"#));
            assert!(m.starts_with("scope must be a string, got "), "{m}");
        }
        assert_eq!(
            bad_str(&format!(r#"{{{base},"scope":["read"]}}"#)),
            "scope must be a string, got an array"
        );
    }

    #[test]
    fn expires_in_numeric_strings() {
        let t = |v: &str| {
            format!(r#"{{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":{v}}}"#)
        };
        assert_eq!(ok(&t("\"3600\"")).expires_in, 3600.0);
        assert_eq!(ok(&t("\" 3600\\n\"")).expires_in, 3600.0);
        assert_eq!(ok(&t("\"\\t1.5e3 \"")).expires_in, 1500.0);
        assert_eq!(ok(&t("\"0\"")).expires_in, 0.0);
        assert_eq!(ok(&t("0")).expires_at, SENT);
        assert_eq!(ok(&t("-0")).expires_in.to_bits(), 0.0f64.to_bits());
        assert_eq!(ok(&t("\"-0\"")).expires_in.to_bits(), 0.0f64.to_bits());
        assert_eq!(ok(&t("0.5")).expires_at, SENT + 500.0);
        for nan_ish in [
            "\"NaN\"",
            "\"Infinity\"",
            "\"-Infinity\"",
            "\"inf\"",
            "\"\"",
            "\"  \"",
            "\"3600s\"",
            "\"+3600\"",
            "\"0x10\"",
            "\"1,000\"",
            "\"١\"",
            "\"3 600\"",
        ] {
            let m = bad_str(&t(nan_ish));
            assert!(
                m.starts_with("expires_in must be a finite number >= 0, got the string \""),
                "{nan_ish}: {m}"
            );
        }
        assert_eq!(
            bad_str(&t("\"NaN\"")),
            "expires_in must be a finite number >= 0, got the string \"NaN\""
        );
        assert_eq!(
            bad_str(&t("\"-5\"")),
            "expires_in must be a finite number >= 0, got a negative number"
        );
        assert_eq!(
            bad_str(&t("\"1e400\"")),
            "expires_in must be a finite number >= 0, got a number too large to represent"
        );
    }

    #[test]
    fn expires_in_numbers_out_of_range() {
        let t = |v: &str| {
            format!(r#"{{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":{v}}}"#)
        };
        assert_eq!(
            bad_str(&t("-1")),
            "expires_in must be a finite number >= 0, got a negative number"
        );
        assert_eq!(
            bad_str(&t("-0.001")),
            "expires_in must be a finite number >= 0, got a negative number"
        );
        assert_eq!(
            bad_str(&t("1e400")),
            "expires_in must be a finite number >= 0, got a number too large to represent"
        );
        assert_eq!(
            bad_str(&t("-1e400")),
            "expires_in must be a finite number >= 0, got a number too large to represent"
        );
        assert_eq!(bad_str(&t("1e300")), "expires_in is out of range");
        assert_eq!(bad_str(&t("\"1e300\"")), "expires_in is out of range");
        // The largest JS Date is the limit for expires_at.
        let max_in = (MAX_VALID_TIME_MS - SENT) / 1000.0;
        assert_eq!(ok(&t(&format!("{max_in}"))).expires_at, MAX_VALID_TIME_MS);
        assert_eq!(
            bad_str(&t(&format!("{}", max_in + 1.0))),
            "expires_in is out of range"
        );
        assert_eq!(
            parse_token(
                br#"{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":1}"#,
                f64::NAN
            )
            .unwrap_err()
            .message,
            "expires_in is out of range"
        );
        for wrong in ["null", "true", "[3600]", "{}"] {
            let m = bad_str(&t(wrong));
            assert!(
                m.starts_with("expires_in must be a finite number >= 0, got a"),
                "{m}"
            );
        }
        assert_eq!(
            bad_str(&t("null")),
            "expires_in must be a finite number >= 0, got a null"
        );
    }

    #[test]
    fn missing_fields() {
        assert_eq!(
            bad_str(r#"{"token_type":"bearer","expires_in":1}"#),
            "token response has no access_token"
        );
        assert_eq!(
            bad_str(r#"{"access_token":"tok-4f9a1c","expires_in":1}"#),
            "token response has no token_type"
        );
        assert_eq!(
            bad_str(r#"{"access_token":"tok-4f9a1c","token_type":"bearer"}"#),
            "token response has no expires_in"
        );
        assert_eq!(bad_str("{}"), "token response has no access_token");
        // Keys are case-sensitive.
        assert_eq!(
            bad_str(r#"{"Access_Token":"a","token_type":"bearer","expires_in":1}"#),
            "token response has no access_token"
        );
    }

    #[test]
    fn wrong_types() {
        assert_eq!(
            bad_str(r#"{"access_token":"","token_type":"bearer","expires_in":1}"#),
            "access_token in token response is empty"
        );
        assert_eq!(
            bad_str(r#"{"access_token":123,"token_type":"bearer","expires_in":1}"#),
            "access_token must be a string, got a number"
        );
        assert_eq!(
            bad_str(r#"{"access_token":null,"token_type":"bearer","expires_in":1}"#),
            "access_token must be a string, got a null"
        );
        assert_eq!(
            bad_str(r#"{"access_token":{"v":"x"},"token_type":"bearer","expires_in":1}"#),
            "access_token must be a string, got an object"
        );
        assert_eq!(
            bad_str(r#"{"access_token":"tok-4f9a1c","token_type":true,"expires_in":1}"#),
            "token_type must be \"bearer\", got a boolean"
        );
        assert_eq!(
            bad_str(r#"{"access_token":"tok-4f9a1c","token_type":"mac","expires_in":1}"#),
            "token_type must be \"bearer\", got \"mac\""
        );
        assert_eq!(
            bad_str(r#"{"access_token":"tok-4f9a1c","token_type":"bearer ","expires_in":1}"#),
            "token_type must be \"bearer\", got \"bearer \""
        );
        assert_eq!(
            bad_str(r#"{"access_token":"tok-4f9a1c","token_type":"","expires_in":1}"#),
            "token_type must be \"bearer\", got \"\""
        );
        // Unicode case folding does not count: only ASCII case is ignored.
        assert!(parse_token(
            r#"{"access_token":"tok-4f9a1c","token_type":"BEARER","expires_in":1}"#.as_bytes(),
            SENT
        )
        .is_ok());
        bad_str(r#"{"access_token":"tok-4f9a1c","token_type":"bearer\u0131","expires_in":1}"#);
    }

    #[test]
    fn echoed_values_are_truncated_escaped_and_never_the_token() {
        let long = "x".repeat(100);
        let m = bad_str(&format!(
            r#"{{"access_token":"tok-4f9a1c","token_type":"{long}","expires_in":1}}"#
        ));
        assert_eq!(
            m,
            format!("token_type must be \"bearer\", got \"{}…\"", "x".repeat(40))
        );
        let m = bad_str(r#"{"access_token":"tok-4f9a1c","token_type":"a\"b\n","expires_in":1}"#);
        assert_eq!(m, "token_type must be \"bearer\", got \"a\\\"b\\u000a\"");
        let m = bad_str(&format!(
            r#"{{"access_token":"tok-4f9a1c","token_type":"{}","expires_in":1}}"#,
            "é".repeat(50)
        ));
        assert!(m.ends_with(&format!("\"{}…\"", "é".repeat(40))), "{m}");

        let secret = "s3cr3t-token-value-0123456789-abcdefghijklmnopqrstuvwxyz";
        for tt in [secret, &secret[..20], &format!("x{secret}y")] {
            let m = bad_str(&format!(
                r#"{{"access_token":"{secret}","token_type":"{tt}","expires_in":1}}"#
            ));
            assert_eq!(m, "token_type must be \"bearer\"");
            let m = bad_str(&format!(
                r#"{{"access_token":"{secret}","token_type":"bearer","expires_in":"{tt}"}}"#
            ));
            assert_eq!(m, "expires_in must be a finite number >= 0");
        }
        // Every message about a token whose value is known never contains it.
        for body in [
            format!(r#"{{"access_token":"{secret}","token_type":"mac","expires_in":1}}"#),
            format!(r#"{{"access_token":"{secret}","token_type":"bearer","expires_in":-1}}"#),
            format!(
                r#"{{"access_token":"{secret}","token_type":"bearer","expires_in":1,"scope":1}}"#
            ),
            format!(r#"{{"access_token":"{secret}","access_token":"{secret}"}}"#),
            format!(r#"{{"access_token":"{secret}","token_type":"bearer","expires_in":1e300}}"#),
            format!(r#"{{"access_token":"{secret}"}} trailing"#),
            format!(r#"{{"access_token":"{secret}\x"}}"#),
        ] {
            let m = bad(body.as_bytes());
            assert!(!m.contains(&secret[..8]), "{m}");
        }
        // A short token_type is still shown even when the token happens to contain it.
        let m = bad_str(r#"{"access_token":"xxmacxx","token_type":"mac","expires_in":1}"#);
        assert_eq!(m, "token_type must be \"bearer\", got \"mac\"");
    }

    #[test]
    fn duplicates_of_known_keys_are_rejected() {
        for key in ["access_token", "token_type", "expires_in", "scope"] {
            let body = format!(
                r#"{{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":1,"scope":"s","{key}":"a"}}"#
            );
            assert_eq!(
                bad_str(&body),
                format!("duplicate \"{key}\" in token response")
            );
        }
        // Even when both say the same thing, and before any other check.
        assert_eq!(
            bad_str(r#"{"access_token":"tok-4f9a1c","access_token":"tok-4f9a1c"}"#),
            "duplicate \"access_token\" in token response"
        );
        assert_eq!(
            bad_str(
                r#"{"scope":null,"scope":null,"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":1}"#
            ),
            "duplicate \"scope\" in token response"
        );
        // Unknown duplicates are fine.
        ok(r#"{"x":1,"x":2,"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":1}"#);
    }

    #[test]
    fn unknown_fields_whitespace_and_bom() {
        let t = ok("\u{feff} \r\n\t{ \"refresh_token\" : null , \"access_token\" :\n\"tok\",\"x\":{\"y\":[1,2]},\"token_type\":\"bearer\",\"expires_in\":\t3600 } \n");
        assert_eq!(t.access_token, "tok");
        assert_eq!(t.expires_in, 3600.0);
        let t = ok(r#"{"access_token":"t\u00e9\/k","token_type":"bearer","expires_in":1}"#);
        assert_eq!(t.access_token, "té/k");
    }

    #[test]
    fn not_json_or_not_object() {
        assert_eq!(bad(b""), "token response body is empty");
        assert_eq!(bad(b" \r\n\t"), "token response body is empty");
        assert_eq!(
            bad(b"<html>nope</html>"),
            "token response is not valid JSON (unexpected character at byte 0)"
        );
        assert_eq!(
            bad(br#"{"access_token":x}"#),
            "token response is not valid JSON (unexpected character at byte 16)"
        );
        assert_eq!(
            bad(br#"{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":36"#),
            "token response is not valid JSON (unexpected end of input at byte 66)"
        );
        assert_eq!(
            bad(b"{\"access_token\":\"a\xff\"}"),
            "token response is not valid JSON (invalid UTF-8 at byte 18)"
        );
        assert_eq!(
            bad(b"[]"),
            "token response must be a JSON object, got an array"
        );
        assert_eq!(
            bad(b"\"x\""),
            "token response must be a JSON object, got a string"
        );
        assert_eq!(
            bad(b"null"),
            "token response must be a JSON object, got a null"
        );
        assert_eq!(
            bad(b"3600"),
            "token response must be a JSON object, got a number"
        );
        let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
        assert_eq!(
            bad(deep.as_bytes()),
            "token response is not valid JSON (nesting too deep at byte 32)"
        );
        let huge = vec![b'['; 10 * 1024 * 1024];
        assert!(bad(&huge).contains("nesting too deep"));
        let full = br#"{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":3600}"#;
        for cut in 1..full.len() {
            bad(&full[..cut]);
        }
    }

    #[test]
    fn body_too_large_is_invalid_response() {
        let e = body_too_large();
        assert_eq!(e.code, ErrorCode::InvalidResponse);
        assert_eq!(e.message, "token response body is larger than 1 MiB");
        assert_eq!(MAX_BODY_BYTES, 1 << 20);
    }

    #[test]
    fn token_debug_redacts_the_access_token() {
        let t = ok(
            r#"{"access_token":"very-secret","token_type":"bearer","expires_in":1,"scope":"s"}"#,
        );
        let d = format!("{t:?}");
        assert!(!d.contains("very-secret"), "{d}");
        assert!(
            d.contains("[redacted]") && d.contains("bearer") && d.contains("\"s\""),
            "{d}"
        );
        assert_eq!(t.clone(), t);
    }

    #[test]
    fn status_403() {
        let e = error_for_status(403, Some(br#"{"message":"Invalid credentials"}"#), None);
        assert_eq!(e.code, ErrorCode::InvalidCredentials);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): Invalid credentials"
        );
        assert_eq!(e.status, Some(403));
        assert_eq!(
            e.details,
            Some(vec![("message".into(), "Invalid credentials".into())])
        );
        assert_eq!(e.retry_after, None);

        let e = error_for_status(
            403,
            Some(br#"{"error":"invalid_client","error_description":"bad secret"}"#),
            None,
        );
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): bad secret"
        );
        let e = error_for_status(403, Some(br#"{"error":"invalid_client"}"#), None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): invalid_client"
        );
        let e = error_for_status(403, Some(b"Forbidden"), None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403)"
        );
        assert_eq!(e.details, None);
        let e = error_for_status(403, None, None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403)"
        );
        assert_eq!(e.code, ErrorCode::InvalidCredentials);

        let long = "y".repeat(300);
        let e = error_for_status(
            403,
            Some(format!(r#"{{"message":"{long}"}}"#).as_bytes()),
            None,
        );
        assert_eq!(
            e.message,
            format!(
                "token endpoint rejected the client credentials (403): {}…",
                "y".repeat(200)
            )
        );
        let e = error_for_status(403, Some(br#"{"message":"line1\nline2\u0000"}"#), None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): line1 line2 "
        );
    }

    #[test]
    fn status_429() {
        let e = error_for_status(429, Some(br#"{"message":"slow down"}"#), Some(2.0));
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert_eq!(
            e.message,
            "token endpoint is rate limiting this client (429); retry after 2 s"
        );
        assert_eq!(e.retry_after, Some(2.0));
        assert_eq!(e.status, Some(429));
        assert_eq!(
            e.details,
            Some(vec![("message".into(), "slow down".into())])
        );
        let e = error_for_status(429, None, None);
        assert_eq!(
            e.message,
            "token endpoint is rate limiting this client (429)"
        );
        assert_eq!(e.retry_after, None);
        assert_eq!(
            error_for_status(429, None, Some(0.2)).message,
            "token endpoint is rate limiting this client (429); retry after 1 s"
        );
        assert_eq!(
            error_for_status(429, None, Some(0.0)).message,
            "token endpoint is rate limiting this client (429); retry after 0 s"
        );
        assert_eq!(
            error_for_status(429, None, Some(f64::NAN)).message,
            "token endpoint is rate limiting this client (429)"
        );
    }

    #[test]
    fn status_3xx() {
        for status in [300u16, 301, 302, 303, 307, 308, 399] {
            let e = error_for_status(status, Some(b""), None);
            assert_eq!(e.code, ErrorCode::HttpError);
            assert_eq!(e.status, Some(status));
            assert_eq!(
                e.message,
                format!(
                    "token endpoint answered with a redirect ({status}); redirects are not followed so credentials never go to another URL"
                )
            );
        }
    }

    #[test]
    fn status_other_4xx() {
        let e = error_for_status(
            400,
            Some(br#"{"error":"invalid_request","error_description":"grant_type missing","error_uri":"https://x"}"#),
            None,
        );
        assert_eq!(e.code, ErrorCode::HttpError);
        assert_eq!(
            e.message,
            "token endpoint refused the request (400): invalid_request: grant_type missing"
        );
        assert_eq!(
            e.details,
            Some(vec![
                ("error".into(), "invalid_request".into()),
                ("error_description".into(), "grant_type missing".into()),
                ("error_uri".into(), "https://x".into()),
            ])
        );
        let e = error_for_status(401, Some(br#"{"error":"invalid_client"}"#), None);
        assert_eq!(e.code, ErrorCode::HttpError);
        assert_eq!(
            e.message,
            "token endpoint refused the request (401): invalid_client"
        );
        let e = error_for_status(404, Some(br#"{"message":"Not found"}"#), None);
        assert_eq!(
            e.message,
            "token endpoint refused the request (404): Not found"
        );
        let e = error_for_status(400, Some(b"bad"), None);
        assert_eq!(e.message, "token endpoint refused the request (400)");
        assert_eq!(e.details, None);
        let e = error_for_status(418, None, Some(3.0));
        assert_eq!(e.message, "token endpoint refused the request (418)");
        assert_eq!(e.retry_after, Some(3.0));
        assert_eq!(e.status, Some(418));
    }

    #[test]
    fn status_5xx_and_others() {
        let e = error_for_status(503, None, Some(5.0));
        assert_eq!(e.code, ErrorCode::HttpError);
        assert_eq!(e.message, "token endpoint failed (503)");
        assert_eq!(e.retry_after, Some(5.0));
        let e = error_for_status(
            500,
            Some(br#"{"error":"server_error","message":"boom"}"#),
            None,
        );
        assert_eq!(e.message, "token endpoint failed (500): boom");
        let e = error_for_status(502, Some(b"<html>Bad Gateway</html>"), None);
        assert_eq!(e.message, "token endpoint failed (502)");
        for status in [0u16, 100, 101, 199, 200, 204, 600, 999, u16::MAX] {
            let e = error_for_status(status, Some(br#"{"message":"m"}"#), None);
            assert_eq!(e.code, ErrorCode::HttpError);
            assert_eq!(e.status, Some(status));
            assert_eq!(
                e.message,
                format!("token endpoint answered with status {status}: m")
            );
        }
    }

    #[test]
    fn details_rules() {
        assert!(details_from_body(b"").is_empty());
        assert!(details_from_body(b"[]").is_empty());
        assert!(details_from_body(b"\"message\"").is_empty());
        assert!(details_from_body(b"{\"a\":\"b\"").is_empty());
        assert!(details_from_body(b"{\"a\":\"\xff\"}").is_empty());
        assert_eq!(
            details_from_body(
                br#"{"n":1,"b":true,"z":null,"o":{"m":"x"},"a":["x"],"s":"v","e":""}"#
            ),
            vec![
                ("s".to_string(), "v".to_string()),
                ("e".to_string(), String::new())
            ]
        );
        // First of duplicate keys wins.
        assert_eq!(
            details_from_body(br#"{"k":"1","k":"2"}"#),
            vec![("k".to_string(), "1".to_string())]
        );
        // At most 32 entries (non-string members do not count).
        let members: Vec<String> = (0..40)
            .map(|i| format!(r#""n{i}":{i},"k{i}":"v{i}""#))
            .collect();
        let d = details_from_body(format!("{{{}}}", members.join(",")).as_bytes());
        assert_eq!(d.len(), 32);
        assert_eq!(d[0], ("k0".into(), "v0".into()));
        assert_eq!(d[31], ("k31".into(), "v31".into()));
        // Keys to 128 chars, values to 1024 chars, on char boundaries, "…" when cut.
        let d = details_from_body(
            format!(r#"{{"{}":"{}"}}"#, "é".repeat(200), "😀".repeat(2000)).as_bytes(),
        );
        assert_eq!(d[0].0, format!("{}…", "é".repeat(128)));
        assert_eq!(d[0].1, format!("{}…", "😀".repeat(1024)));
        let d = details_from_body(
            format!(r#"{{"{}":"{}"}}"#, "k".repeat(128), "v".repeat(1024)).as_bytes(),
        );
        assert_eq!(d[0].0, "k".repeat(128));
        assert_eq!(d[0].1, "v".repeat(1024));
    }

    #[test]
    fn details_are_redactable_by_the_caller() {
        let e = error_for_status(
            403,
            Some(br#"{"message":"client secret hunter2 is wrong"}"#),
            None,
        )
        .redact(&["hunter2"]);
        assert!(!e.message.contains("hunter2"));
        assert!(!format!("{e:?}").contains("hunter2"));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// A JSON string literal for `s` (minimal escaping, or `\u` for everything non-ASCII).
    fn quote(s: &str, unicode_escapes: bool) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || (unicode_escapes && !c.is_ascii()) => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04X}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn bearer_case() -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<bool>(), 6).prop_map(|upper| {
            "bearer"
                .chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()
        })
    }

    fn ws() -> impl Strategy<Value = String> {
        "[ \t\r\n]{0,2}"
    }

    /// An arbitrary JSON value for extra fields (shallow).
    fn extra_value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<i32>().prop_map(|n| n.to_string()),
            any::<String>().prop_map(|s| quote(&s, false)),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec(("[a-z_]{0,8}", inner), 0..4).prop_map(|v| {
                    let members: Vec<String> = v
                        .into_iter()
                        .map(|(k, v)| format!("{}:{v}", quote(&k, false)))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        })
    }

    /// (text, value) for an expires_in on the exact fast path, written several ways.
    fn expires_in() -> impl Strategy<Value = (String, f64)> {
        (
            0u64..1_000_000_000_000,
            0u32..4,
            0u8..3,
            any::<bool>(),
            ws(),
            ws(),
        )
            .prop_map(|(mantissa, scale, form, as_string, lead, trail)| {
                let digits = mantissa.to_string();
                let text = match form {
                    0 if scale == 0 => digits.clone(),
                    0 | 1 => format!("{digits}e-{scale}"),
                    _ => {
                        // Decimal point inserted `scale` digits from the end.
                        let padded = format!("{digits:0>width$}", width = scale as usize + 1);
                        let (int, frac) = padded.split_at(padded.len() - scale as usize);
                        if frac.is_empty() {
                            int.to_string()
                        } else {
                            format!("{int}.{frac}")
                        }
                    }
                };
                let value: f64 = text.parse().unwrap();
                let json = if as_string {
                    quote(&format!("{lead}{text}{trail}"), false)
                } else {
                    text
                };
                (json, value)
            })
    }

    /// A valid token response body, the token it must parse to, and the send time.
    fn token_body() -> impl Strategy<Value = (Vec<u8>, Token, f64)> {
        (
            any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
            bearer_case(),
            expires_in(),
            proptest::option::of(any::<String>()),
            any::<bool>(),
            proptest::collection::vec(("[a-z_]{0,12}", extra_value()), 0..5),
            any::<bool>(),
            proptest::collection::vec(ws(), 40),
            any::<u64>(),
            0u64..2_000_000_000_000,
        )
            .prop_map(
                |(
                    access_token,
                    token_type,
                    (expires_json, expires_in),
                    scope,
                    scope_null,
                    extras,
                    escapes,
                    spaces,
                    order,
                    sent,
                )| {
                    let mut members = vec![
                        ("access_token".to_string(), quote(&access_token, escapes)),
                        ("token_type".to_string(), quote(&token_type, escapes)),
                        ("expires_in".to_string(), expires_json),
                    ];
                    match &scope {
                        Some(s) => members.push(("scope".into(), quote(s, escapes))),
                        None if scope_null => members.push(("scope".into(), "null".into())),
                        None => {}
                    }
                    for (k, v) in extras {
                        if !["access_token", "token_type", "expires_in", "scope"]
                            .contains(&k.as_str())
                        {
                            members.push((k, v));
                        }
                    }
                    // Deterministic shuffle driven by `order`.
                    let mut state = order;
                    for i in (1..members.len()).rev() {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        let j = (state >> 33) as usize % (i + 1);
                        members.swap(i, j);
                    }
                    let mut sp = spaces.into_iter().cycle();
                    let mut next = || sp.next().unwrap_or_default();
                    let mut body = format!("{}{{", next());
                    for (i, (k, v)) in members.iter().enumerate() {
                        if i > 0 {
                            body.push(',');
                        }
                        body.push_str(&format!(
                            "{}{}{}:{}{v}{}",
                            next(),
                            quote(k, false),
                            next(),
                            next(),
                            next()
                        ));
                    }
                    body.push_str(&format!("}}{}", next()));
                    let sent = sent as f64;
                    let token = Token {
                        access_token,
                        token_type,
                        expires_in,
                        expires_at: sent + expires_in * 1000.0,
                        scope,
                    };
                    (body.into_bytes(), token, sent)
                },
            )
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            status in any::<u16>(),
            retry in proptest::option::of(any::<f64>()),
            sent in any::<f64>(),
        ) {
            let _ = parse_token(&bytes, sent);
            let _ = details_from_body(&bytes);
            let e = error_for_status(status, Some(&bytes), retry);
            prop_assert_eq!(e.status, Some(status));
            let _ = error_for_status(status, None, retry);
        }

        #[test]
        fn valid_tokens_parse_to_exactly_their_fields((body, want, sent) in token_body()) {
            let got = parse_token(&body, sent);
            prop_assert_eq!(got, Ok(want), "{}", String::from_utf8_lossy(&body));
        }

        #[test]
        fn ok_tokens_satisfy_the_invariants(
            access_token in prop_oneof![Just("\"\"".to_string()), Just("\"t\"".to_string()), Just("1".to_string()), "\"[ -~]{0,5}\""],
            token_type in prop_oneof![Just("\"bearer\"".to_string()), Just("\"BeArEr\"".to_string()), Just("\"mac\"".to_string()), Just("null".to_string()), "\"[bBeEaArR]{5,7}\""],
            expires_in in prop_oneof![
                "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?([eE][-+]?[0-9]{1,3})?",
                "\"[ ]?-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?([eE][-+]?[0-9]{1,3})?[ ]?\"",
                Just("\"NaN\"".to_string()),
                Just("null".to_string()),
            ],
            scope in prop_oneof![Just(None), Just(Some("null".to_string())), Just(Some("\"s\"".to_string())), Just(Some("7".to_string()))],
            sent in prop_oneof![0.0..9e15f64, Just(f64::NAN), Just(-1e12)],
        ) {
            let mut body = format!(r#"{{"access_token":{access_token},"token_type":{token_type},"expires_in":{expires_in}"#);
            if let Some(s) = scope { body.push_str(&format!(r#","scope":{s}"#)); }
            body.push('}');
            if let Ok(t) = parse_token(body.as_bytes(), sent) {
                prop_assert!(!t.access_token.is_empty());
                prop_assert!(t.token_type.eq_ignore_ascii_case("bearer"));
                prop_assert!(t.expires_in.is_finite() && t.expires_in >= 0.0);
                prop_assert_eq!(t.expires_at, sent + 1000.0 * t.expires_in);
                prop_assert!(t.expires_at <= MAX_VALID_TIME_MS);
            }
        }

        #[test]
        fn details_respect_the_limits(
            members in proptest::collection::vec((any::<String>(), prop_oneof![any::<String>().prop_map(Some), Just(None)]), 0..50),
        ) {
            let parts: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k, false), v.as_deref().map_or("1".to_string(), |v| quote(v, true))))
                .collect();
            let d = details_from_body(format!("{{{}}}", parts.join(",")).as_bytes());
            prop_assert!(d.len() <= 32);
            for (k, v) in &d {
                prop_assert!(k.chars().count() <= 129);
                prop_assert!(v.chars().count() <= 1025);
            }
        }
    }
}
