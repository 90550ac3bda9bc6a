//! Judging a token-endpoint response: a 2xx body becomes a [`Token`] or an `invalid_response`
//! error; any other status becomes the matching [`Error`] with the server's error fields as details.
//!
//! Bodies arrive decoded ([`crate::body`]: the runtime's `JSON.parse` and serde in wasm). Messages
//! echo server values only when they help (a wrong `token_type`, an unparsable `expires_in` string,
//! the server's own error text), always truncated and cleaned by the [`Redactor`] (server text is
//! external: it may echo the credentials), and never the value of `access_token`.

use core::fmt;

use serde::Serialize;

use crate::body::{BodyError, ErrorBody, TokenBody, Value};
use crate::error::{Error, ErrorCode};
use crate::redact::Redactor;

/// The largest token response body we accept; the wasm layer stops reading past this.
pub const MAX_BODY_BYTES: usize = 1_048_576;

/// The largest time a JavaScript `Date` can hold, in epoch milliseconds.
pub const MAX_VALID_TIME_MS: f64 = 8.64e15;

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

/// A validated access token, as the token endpoint sent it. Serialized (serde-wasm-bindgen) into
/// the `AccessToken` object users get.
#[derive(Clone, PartialEq, Serialize)]
pub struct Token {
    /// The bearer token: non-empty, printable ASCII (RFC 6749 VSCHAR).
    pub access_token: String,
    /// As sent; equals `"bearer"` ignoring ASCII case.
    pub token_type: String,
    /// Lifetime in seconds, as sent (a numeric string converted); finite and `>= 0`.
    pub expires_in: f64,
    /// Epoch milliseconds: the time the request was sent plus `expires_in`.
    pub expires_at: f64,
    /// The granted scope, when the server sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
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

/// Check the raw bytes of a body and hand the text to `parse` (the runtime's JSON parser and serde
/// in wasm, serde_json natively): empty bodies, bodies past the cap, invalid UTF-8 and text the
/// parser refuses are told apart. A leading byte order mark is skipped, as `Response.json()` does.
pub fn decode<T>(
    body: Option<&[u8]>,
    parse: impl FnOnce(&str) -> Result<T, ()>,
) -> Result<T, BodyError> {
    let body = body.ok_or(BodyError::TooLarge)?;
    let text = core::str::from_utf8(body).map_err(|_| BodyError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
        return Err(BodyError::Empty);
    }
    parse(text).map_err(|()| BodyError::NotJson)
}

/// The `invalid_response` error for a 2xx body that could not be decoded.
pub fn body_error(problem: BodyError) -> Error {
    Error::response(match problem {
        BodyError::Empty => "token response body is empty",
        BodyError::TooLarge => "token response body is larger than 1 MiB",
        BodyError::NotUtf8 => "token response is not valid UTF-8",
        BodyError::NotJson => "token response is not valid JSON",
    })
}

/// Whether `s` is 1*VSCHAR (RFC 6749 Appendix A): printable ASCII, 0x20 to 0x7E.
fn is_vschar(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Validate a decoded 2xx token response; `sent_at_ms` is when the request was sent (epoch ms).
pub fn validate_token(
    body: TokenBody,
    sent_at_ms: f64,
    redactor: &Redactor,
) -> Result<Token, Error> {
    let fields = match body {
        TokenBody::Object(fields) => fields,
        TokenBody::Other(v) => return Err(got("token response must be a JSON object", &v)),
    };
    let missing = |name: &str| Error::response(format!("token response has no {name}"));

    let access_token = match fields.access_token {
        None => return Err(missing("access_token")),
        Some(Value::String(s)) if s.is_empty() => {
            return Err(Error::response("access_token in token response is empty"))
        }
        Some(Value::String(s)) if !is_vschar(&s) => {
            return Err(Error::response(
                "access_token in token response must be printable ASCII (RFC 6749 VSCHAR): it \
                 could not be sent in an Authorization header",
            ))
        }
        Some(Value::String(s)) => s,
        Some(other) => return Err(got("access_token must be a string", &other)),
    };

    const TOKEN_TYPE_RULE: &str = "token_type must be \"bearer\"";
    let token_type = match fields.token_type {
        None => return Err(missing("token_type")),
        // "bearer" in any ASCII case is VSCHAR by construction.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("bearer") => s,
        Some(Value::String(s)) => {
            return Err(Error::response(format!(
                "{TOKEN_TYPE_RULE}{}",
                echo(", got ", &s, &access_token, redactor)
            )))
        }
        Some(other) => return Err(got(TOKEN_TYPE_RULE, &other)),
    };

    const EXPIRES_IN_RULE: &str = "expires_in must be a finite number >= 0";
    let expires_in = match fields.expires_in {
        None => return Err(missing("expires_in")),
        Some(Value::Number(n)) => n,
        // A numeric string is plain decimal digits only (no sign, space, point or exponent);
        // past u64 it is out of range anyway.
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().map_or(f64::INFINITY, |n| n as f64)
        }
        Some(Value::String(s)) => {
            return Err(Error::response(format!(
                "{EXPIRES_IN_RULE}{}",
                echo(", got the string ", &s, &access_token, redactor)
            )))
        }
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
        return Err(Error::response(format!("{EXPIRES_IN_RULE}, got {wrong}")));
    }
    let expires_in = if expires_in == 0.0 { 0.0 } else { expires_in }; // no -0

    let scope = match fields.scope {
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
    Error::response(format!("{rule}, got {}", value.article()))
}

/// The error for a non-2xx `status`. `body` is the decoded error body (None if it was too large,
/// unreadable or not JSON); `retry_after` is the parsed `Retry-After` in seconds.
pub fn error_for_status(
    status: u16,
    body: Option<ErrorBody>,
    retry_after: Option<f64>,
    redactor: &Redactor,
) -> Error {
    let details = body.map(|b| details(b, redactor)).unwrap_or_default();
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
    let suffix = |text: Option<&str>| match text {
        Some(t) => format!(
            ": {}",
            one_line(&redactor.clean_truncated(t.trim(), MAX_SERVER_MESSAGE_CHARS))
        ),
        None => String::new(),
    };

    let (code, message) = match status {
        403 => (
            ErrorCode::InvalidCredentials,
            format!(
                "token endpoint rejected the client credentials (403){}",
                suffix(server_message)
            ),
        ),
        429 => {
            let wait = match retry_after.filter(|s| s.is_finite() && *s >= 0.0) {
                // Whole seconds (saturating cast: no float formatting is linked).
                Some(s) => format!("; retry after {} s", s.ceil() as u64),
                None => String::new(),
            };
            (
                ErrorCode::RateLimited,
                format!("token endpoint is rate limiting this client (429){wait}"),
            )
        }
        300..=399 => (
            ErrorCode::HttpError,
            format!(
                "token endpoint answered with a redirect ({status}); redirects are not followed \
                 so credentials never go to another URL"
            ),
        ),
        400..=499 => {
            // RFC 6749 section 5.2: "error" plus an optional "error_description".
            let description = field("error_description").or_else(|| field("message"));
            let server = match (field("error"), description) {
                (Some(e), Some(d)) => format!("{}{}", suffix(Some(e)), suffix(Some(d))),
                (e, d) => suffix(e.or(d)),
            };
            (
                ErrorCode::HttpError,
                format!("token endpoint refused the request ({status}){server}"),
            )
        }
        500..=599 => (
            ErrorCode::HttpError,
            format!("token endpoint failed ({status}){}", suffix(server_message)),
        ),
        _ => (
            ErrorCode::HttpError,
            format!(
                "token endpoint answered with status {status}{}",
                suffix(server_message)
            ),
        ),
    };
    Error::new(code, message)
        .with_status(status)
        .with_details(details)
        .with_retry_after(retry_after)
}

/// The details of an error body: its string members, keys cut to 128 chars and values to 1024
/// (with "…" when cut) and cleaned by the redactor, the first of each (cut) key.
pub fn details(body: ErrorBody, redactor: &Redactor) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in body.0 {
        let key = redactor.clean_truncated(&key, MAX_DETAIL_KEY_CHARS);
        if out.iter().any(|(k, _)| *k == key) {
            continue;
        }
        out.push((
            key,
            redactor.clean_truncated(&value, MAX_DETAIL_VALUE_CHARS),
        ));
    }
    out
}

/// Server text fit for one line of an error message: control characters as spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `prefix` and the quoted, truncated `value`, or nothing when the value could reveal the access
/// token (it contains its first 8 bytes, or all of a shorter one).
fn echo(prefix: &str, value: &str, access_token: &str, redactor: &Redactor) -> String {
    let shown = redactor.clean_truncated(value, MAX_ECHO_CHARS);
    let head = access_token
        .get(..access_token.len().min(MIN_SECRET_FRAGMENT_BYTES))
        .unwrap_or(access_token);
    if !head.is_empty() && value.contains(head) {
        return String::new();
    }
    let mut out = format!("{prefix}\"");
    for c in shown.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Test and fuzz helpers: a body decoded as the wasm layer does, with serde_json standing in for
/// the runtime's `JSON.parse` + serde-wasm-bindgen.
#[cfg(test)]
pub mod native {
    use super::*;

    /// The redactor of the test credentials (which no test body contains unless it means to).
    pub fn redactor() -> Redactor {
        Redactor::new("test-client", "test-secret-0123456789")
    }

    /// [`decode`] with serde_json.
    pub fn decode_json<T: serde::de::DeserializeOwned>(
        body: Option<&[u8]>,
    ) -> Result<T, BodyError> {
        decode(body, |text| serde_json::from_str::<T>(text).map_err(|_| ()))
    }

    /// A 2xx body judged end to end.
    pub fn parse_token(body: &[u8], sent_at_ms: f64) -> Result<Token, Error> {
        decode_json::<TokenBody>(Some(body))
            .map_err(body_error)
            .and_then(|b| validate_token(b, sent_at_ms, &redactor()))
    }

    /// A non-2xx body judged end to end.
    pub fn error_for(status: u16, body: Option<&[u8]>, retry_after: Option<f64>) -> Error {
        error_for_status(
            status,
            decode_json::<ErrorBody>(body).ok(),
            retry_after,
            &redactor(),
        )
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
    use super::native::{error_for, parse_token};
    use super::*;

    fn details_of(body: &[u8]) -> Vec<(String, String)> {
        details(
            super::native::decode_json::<ErrorBody>(Some(body)).unwrap_or_default(),
            &super::native::redactor(),
        )
    }

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
        assert_eq!(ok(&t("\"0\"")).expires_in, 0.0);
        assert_eq!(ok(&t("\"007\"")).expires_in, 7.0);
        assert_eq!(ok(&t("0")).expires_at, SENT);
        assert_eq!(ok(&t("-0")).expires_in.to_bits(), 0.0f64.to_bits());
        assert_eq!(ok(&t("0.5")).expires_at, SENT + 500.0);
        // A numeric string is plain decimal digits: nothing else a number parser would take.
        for wrong in [
            "\"NaN\"",
            "\"Infinity\"",
            "\"inf\"",
            "\"\"",
            "\"  \"",
            "\" 3600\"",
            "\"3600 \"",
            "\"3600.0\"",
            "\"1.5e3\"",
            "\"-0\"",
            "\"-5\"",
            "\"3600s\"",
            "\"+3600\"",
            "\"0x10\"",
            "\"1,000\"",
            "\"١\"",
            "\"3 600\"",
            "\"1e300\"",
        ] {
            let m = bad_str(&t(wrong));
            assert!(
                m.starts_with("expires_in must be a finite number >= 0, got the string \""),
                "{wrong}: {m}"
            );
        }
        assert_eq!(
            bad_str(&t("\"NaN\"")),
            "expires_in must be a finite number >= 0, got the string \"NaN\""
        );
        // Digits past what u64 holds are a number too large.
        assert_eq!(
            bad_str(&t(&format!("\"{}\"", "9".repeat(21)))),
            "expires_in must be a finite number >= 0, got a number too large to represent"
        );
        assert_eq!(
            bad_str(&t(&format!("\"{}\"", "9".repeat(19)))),
            "expires_in is out of range"
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
        // (1e400: JSON.parse gives Infinity, serde_json refuses the text; the wasm suites cover it.)
        let inf = validate_token(
            TokenBody::Object(crate::body::TokenFields {
                access_token: Some(Value::String("tok".into())),
                token_type: Some(Value::String("bearer".into())),
                expires_in: Some(Value::Number(f64::INFINITY)),
                scope: None,
            }),
            SENT,
            &super::native::redactor(),
        );
        assert_eq!(
            inf.unwrap_err().message,
            "expires_in must be a finite number >= 0, got a number too large to represent"
        );
        assert_eq!(bad_str(&t("1e300")), "expires_in is out of range");
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
    fn duplicated_members_last_one_wins() {
        // As with JSON.parse (the runtime's parser decodes bodies in wasm): the last one wins.
        let t = ok(
            r#"{"access_token":"first","token_type":"bearer","expires_in":1,"access_token":"last"}"#,
        );
        assert_eq!(t.access_token, "last");
        assert_eq!(
            bad_str(
                r#"{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":1,"scope":"s","scope":1}"#
            ),
            "scope must be a string, got a number"
        );
        ok(r#"{"x":1,"x":2,"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":1}"#);
    }

    #[test]
    fn access_token_is_vschar() {
        let t = |v: &str| format!(r#"{{"access_token":{v},"token_type":"bearer","expires_in":1}}"#);
        assert_eq!(ok(&t(r#"" !~a-Z09""#)).access_token, " !~a-Z09");
        for wrong in [
            r#""abc\r\nX-Injected: yes""#,
            r#""a\u0000b""#,
            r#""a\u007fb""#,
            r#""tok\u4e00""#,
            r#""tab\there""#,
            r#""é""#,
        ] {
            let m = bad_str(&t(wrong));
            assert_eq!(
                m,
                "access_token in token response must be printable ASCII (RFC 6749 VSCHAR): it could not be sent in an Authorization header"
            );
            assert!(!m.contains("Injected"));
        }
    }

    #[test]
    fn unknown_fields_whitespace_and_bom() {
        let t = ok("\u{feff} \r\n\t{ \"refresh_token\" : null , \"access_token\" :\n\"tok\",\"x\":{\"y\":[1,2]},\"token_type\":\"bearer\",\"expires_in\":\t3600 } \n");
        assert_eq!(t.access_token, "tok");
        assert_eq!(t.expires_in, 3600.0);
        let t = ok(r#"{"access_token":"t\u0041\/k","token_type":"bearer","expires_in":1}"#);
        assert_eq!(t.access_token, "tA/k");
    }

    #[test]
    fn not_json_or_not_object() {
        assert_eq!(bad(b""), "token response body is empty");
        assert_eq!(bad(b" \r\n\t"), "token response body is empty");
        assert_eq!(bad(b"\xef\xbb\xbf "), "token response body is empty");
        assert_eq!(
            bad(b"<html>nope</html>"),
            "token response is not valid JSON"
        );
        assert_eq!(
            bad(br#"{"access_token":x}"#),
            "token response is not valid JSON"
        );
        assert_eq!(
            bad(br#"{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":36"#),
            "token response is not valid JSON"
        );
        assert_eq!(
            bad(b"{\"access_token\":\"a\xff\"}"),
            "token response is not valid UTF-8"
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
        let full = br#"{"access_token":"tok-4f9a1c","token_type":"bearer","expires_in":3600}"#;
        for cut in 1..full.len() {
            bad(&full[..cut]);
        }
    }

    #[test]
    fn body_too_large_is_invalid_response() {
        let e = body_error(BodyError::TooLarge);
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
        let e = error_for(403, Some(br#"{"message":"Invalid credentials"}"#), None);
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

        let e = error_for(
            403,
            Some(br#"{"error":"invalid_client","error_description":"bad secret"}"#),
            None,
        );
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): bad secret"
        );
        let e = error_for(403, Some(br#"{"error":"invalid_client"}"#), None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): invalid_client"
        );
        let e = error_for(403, Some(b"Forbidden"), None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403)"
        );
        assert_eq!(e.details, None);
        let e = error_for(403, None, None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403)"
        );
        assert_eq!(e.code, ErrorCode::InvalidCredentials);

        let long = "y".repeat(300);
        let e = error_for(
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
        let e = error_for(403, Some(br#"{"message":"line1\nline2\u0000"}"#), None);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): line1 line2 "
        );
    }

    #[test]
    fn status_429() {
        let e = error_for(429, Some(br#"{"message":"slow down"}"#), Some(2.0));
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
        let e = error_for(429, None, None);
        assert_eq!(
            e.message,
            "token endpoint is rate limiting this client (429)"
        );
        assert_eq!(e.retry_after, None);
        assert_eq!(
            error_for(429, None, Some(0.2)).message,
            "token endpoint is rate limiting this client (429); retry after 1 s"
        );
        assert_eq!(
            error_for(429, None, Some(0.0)).message,
            "token endpoint is rate limiting this client (429); retry after 0 s"
        );
        assert_eq!(
            error_for(429, None, Some(f64::NAN)).message,
            "token endpoint is rate limiting this client (429)"
        );
    }

    #[test]
    fn status_3xx() {
        for status in [300u16, 301, 302, 303, 307, 308, 399] {
            let e = error_for(status, Some(b""), None);
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
        let e = error_for(
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
        let e = error_for(401, Some(br#"{"error":"invalid_client"}"#), None);
        assert_eq!(e.code, ErrorCode::HttpError);
        assert_eq!(
            e.message,
            "token endpoint refused the request (401): invalid_client"
        );
        let e = error_for(404, Some(br#"{"message":"Not found"}"#), None);
        assert_eq!(
            e.message,
            "token endpoint refused the request (404): Not found"
        );
        let e = error_for(400, Some(b"bad"), None);
        assert_eq!(e.message, "token endpoint refused the request (400)");
        assert_eq!(e.details, None);
        let e = error_for(418, None, Some(3.0));
        assert_eq!(e.message, "token endpoint refused the request (418)");
        assert_eq!(e.retry_after, Some(3.0));
        assert_eq!(e.status, Some(418));
    }

    #[test]
    fn status_5xx_and_others() {
        let e = error_for(503, None, Some(5.0));
        assert_eq!(e.code, ErrorCode::HttpError);
        assert_eq!(e.message, "token endpoint failed (503)");
        assert_eq!(e.retry_after, Some(5.0));
        let e = error_for(
            500,
            Some(br#"{"error":"server_error","message":"boom"}"#),
            None,
        );
        assert_eq!(e.message, "token endpoint failed (500): boom");
        let e = error_for(502, Some(b"<html>Bad Gateway</html>"), None);
        assert_eq!(e.message, "token endpoint failed (502)");
        for status in [0u16, 100, 101, 199, 200, 204, 600, 999, u16::MAX] {
            let e = error_for(status, Some(br#"{"message":"m"}"#), None);
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
        assert!(details_of(b"").is_empty());
        assert!(details_of(b"[]").is_empty());
        assert!(details_of(b"\"message\"").is_empty());
        assert!(details_of(b"{\"a\":\"b\"").is_empty());
        assert!(details_of(b"{\"a\":\"\xff\"}").is_empty());
        assert_eq!(
            details_of(br#"{"n":1,"b":true,"z":null,"o":{"m":"x"},"a":["x"],"s":"v","e":""}"#),
            vec![
                ("s".to_string(), "v".to_string()),
                ("e".to_string(), String::new())
            ]
        );
        // First of duplicate keys wins.
        assert_eq!(
            details_of(br#"{"k":"1","k":"2"}"#),
            vec![("k".to_string(), "1".to_string())]
        );
        // At most 32 entries (non-string members do not count).
        let members: Vec<String> = (0..40)
            .map(|i| format!(r#""n{i}":{i},"k{i}":"v{i}""#))
            .collect();
        let d = details_of(format!("{{{}}}", members.join(",")).as_bytes());
        assert_eq!(d.len(), 32);
        assert_eq!(d[0], ("k0".into(), "v0".into()));
        assert_eq!(d[31], ("k31".into(), "v31".into()));
        // Keys to 128 chars, values to 1024 chars, on char boundaries, "…" when cut.
        let d =
            details_of(format!(r#"{{"{}":"{}"}}"#, "é".repeat(200), "😀".repeat(2000)).as_bytes());
        assert_eq!(d[0].0, format!("{}…", "é".repeat(128)));
        assert_eq!(d[0].1, format!("{}…", "😀".repeat(1024)));
        let d =
            details_of(format!(r#"{{"{}":"{}"}}"#, "k".repeat(128), "v".repeat(1024)).as_bytes());
        assert_eq!(d[0].0, "k".repeat(128));
        assert_eq!(d[0].1, "v".repeat(1024));
    }

    #[test]
    fn server_text_is_cleaned_of_the_credentials_but_our_sentences_are_not() {
        let redactor = Redactor::new("client", "hunter2-secret");
        let body = super::native::decode_json::<ErrorBody>(Some(
            br#"{"message":"client secret hunter2-secret is wrong","hunter2-secret":"x"}"#,
        ))
        .ok();
        let e = error_for_status(403, body, None, &redactor);
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403): client secret [redacted] is wrong"
        );
        assert!(!format!("{e:?}").contains("hunter2-secret"));
        assert_eq!(
            e.details,
            Some(vec![
                ("message".into(), "client secret [redacted] is wrong".into()),
                ("[redacted]".into(), "x".into())
            ])
        );
        // A secret that is a word of our own sentences does not touch them.
        let e = error_for_status(403, None, None, &Redactor::new("c", "token"));
        assert_eq!(
            e.message,
            "token endpoint rejected the client credentials (403)"
        );
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
    use super::native::parse_token;
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
                // A numeric string is plain digits only (white space, points and exponents are
                // refused: see expires_in_numeric_strings).
                let _ = (&lead, &trail);
                if as_string {
                    (quote(&digits, false), digits.parse().unwrap())
                } else {
                    let value: f64 = text.parse().unwrap();
                    (text, value)
                }
            })
    }

    /// A valid token response body, the token it must parse to, and the send time.
    fn token_body() -> impl Strategy<Value = (Vec<u8>, Token, f64)> {
        (
            "[ -~]{1,64}",
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
            let e = super::native::error_for(status, Some(&bytes), retry);
            prop_assert_eq!(e.status, Some(status));
            let _ = super::native::error_for(status, None, retry);
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
            let d = details(super::native::decode_json::<ErrorBody>(Some(format!("{{{}}}", parts.join(",")).as_bytes())).unwrap_or_default(), &super::native::redactor());
            prop_assert!(d.len() <= 32);
            for (k, v) in &d {
                prop_assert!(k.chars().count() <= 129);
                prop_assert!(v.chars().count() <= 1025);
            }
        }
    }
}
