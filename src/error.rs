//! Error codes and the error value of the core. An [`Error`] never holds the client secret or the
//! `Authorization` header: messages are built from fixed text, statuses and (redacted) server fields.

#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// What went wrong, as the fixed strings of the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Bad options; no request is sent.
    InvalidConfig,
    /// 403 from the token endpoint.
    InvalidCredentials,
    /// Any other non-2xx status, a redirect included.
    HttpError,
    /// 429 still returned after the retries.
    RateLimited,
    /// A 2xx whose body is not a valid token response.
    InvalidResponse,
    /// `fetch` itself failed.
    NetworkError,
    /// An attempt ran past `timeoutMs`.
    Timeout,
    /// The caller's signal fired.
    Aborted,
}

impl ErrorCode {
    /// The contract's string for this code, e.g. `"invalid_config"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::HttpError => "http_error",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::NetworkError => "network_error",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Aborted => "aborted",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure of the token request, as it crosses to JavaScript (`AltPayOAuthError`).
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    /// The contract's error code.
    pub code: ErrorCode,
    /// A sentence a person can act on. Never contains the secret or the Basic header.
    pub message: String,
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// The server's error object (string values only), already redacted.
    pub details: Option<Vec<(String, String)>>,
    /// Seconds from `Retry-After`, when the server sent a usable one.
    pub retry_after: Option<f64>,
}

impl Error {
    /// A new error with a code and a message, no status, details or retry-after.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            status: None,
            details: None,
            retry_after: None,
        }
    }

    /// Shorthand for an `invalid_config` error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidConfig, message)
    }

    /// Shorthand for an `invalid_response` error.
    pub fn response(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidResponse, message)
    }

    /// The same error with an HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The same error with the server's error fields.
    pub fn with_details(mut self, details: Vec<(String, String)>) -> Self {
        self.details = if details.is_empty() {
            None
        } else {
            Some(details)
        };
        self
    }

    /// The same error with a `Retry-After` value in seconds.
    pub fn with_retry_after(mut self, seconds: Option<f64>) -> Self {
        self.retry_after = seconds;
        self
    }

    /// Deprecated (issue 12): use [`crate::redact::Redactor`] on the external text before it goes
    /// into an error; this goes once the call sites are switched.
    ///
    /// Replace every occurrence of each non-empty `secret` in the message and details by `[redacted]`.
    /// Used as a last line of defence before an error leaves the core: a server that echoes the
    /// credentials back must not make us leak them.
    pub fn redact(mut self, secrets: &[&str]) -> Self {
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            redact_one(&mut self.message, s);
            if let Some(details) = self.details.as_mut() {
                for (k, v) in details.iter_mut() {
                    redact_one(k, s);
                    redact_one(v, s);
                }
            }
        }
        self
    }
}

/// Replace every occurrence of the non-empty `secret` in `text` by `[redacted]`, and also a
/// truncated head of it: server text is cut to a length (marked with `…`) before it reaches an
/// error, so a cut-off secret must not survive either.
fn redact_one(text: &mut String, secret: &str) {
    let original = text.clone();
    redact_with_marker(text, secret);
    // The marker next to the surrounding text can spell the secret again ("d]]" echoed as "d]]]"
    // becomes "[redacted]]"). Then mask with one character the secret does not contain: a
    // left-to-right pass with such a mask cannot create an occurrence.
    if crate::text::contains(text, secret) {
        let mask = ["*", "#", "~", "?", "."]
            .into_iter()
            .find(|m| !crate::text::contains(secret, m));
        *text = crate::text::replace(&original, secret, mask.unwrap_or("[redacted]"));
        if crate::text::contains(text, secret) {
            text.clear();
        }
    }
}

fn redact_with_marker(text: &mut String, secret: &str) {
    if crate::text::contains(text, secret) {
        *text = crate::text::replace(text, secret, "[redacted]");
    }
    let min = secret.len().min(4);
    // Longest prefix first, so the whole cut-off head goes.
    let mut cut = secret.len();
    while cut > min {
        cut -= 1;
        let Some(head) = secret.get(..cut) else {
            continue;
        };
        let mut marked = String::with_capacity(cut + 3);
        marked.push_str(head);
        marked.push('…');
        if crate::text::contains(text, &marked) {
            *text = crate::text::replace(text, &marked, "[redacted]…");
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_contract_strings() {
        let all = [
            (ErrorCode::InvalidConfig, "invalid_config"),
            (ErrorCode::InvalidCredentials, "invalid_credentials"),
            (ErrorCode::HttpError, "http_error"),
            (ErrorCode::RateLimited, "rate_limited"),
            (ErrorCode::InvalidResponse, "invalid_response"),
            (ErrorCode::NetworkError, "network_error"),
            (ErrorCode::Timeout, "timeout"),
            (ErrorCode::Aborted, "aborted"),
        ];
        for (code, s) in all {
            assert_eq!(code.as_str(), s);
            assert_eq!(code.to_string(), s);
        }
    }

    #[test]
    fn redact_removes_secrets_from_message_and_details() {
        let e = Error::new(ErrorCode::InvalidCredentials, "bad: hunter2")
            .with_details(vec![("message".into(), "secret hunter2 was wrong".into())])
            .redact(&["hunter2", ""]);
        assert!(!e.message.contains("hunter2"));
        assert!(!format!("{e:?}").contains("hunter2"));
        assert_eq!(e.details.unwrap()[0].1, "secret [redacted] was wrong");
    }

    #[test]
    fn redact_is_not_undone_by_the_marker() {
        for (secret, text) in [
            ("d]]", "x d]]] y"),
            ("[re", "[[re"),
            ("]x", "d]]xx"),
            ("*#~?.", "a*#~?.b"),
        ] {
            let e = Error::new(ErrorCode::HttpError, text)
                .with_details(vec![("k".into(), text.into())])
                .redact(&[secret]);
            assert!(!e.message.contains(secret), "{secret:?} in {:?}", e.message);
            assert!(!e.details.unwrap()[0].1.contains(secret));
        }
    }

    #[test]
    fn redact_removes_a_cut_off_head_of_a_secret() {
        let e = Error::new(
            ErrorCode::InvalidResponse,
            "got \"Basic dGVzdC1jbGllbnQ6…\"",
        )
        .with_details(vec![("m".into(), "x s3cr3t-DO-NOT…".into())])
        .redact(&["Basic dGVzdC1jbGllbnQ6c2VjcmV0", "s3cr3t-DO-NOT-LEAK"]);
        assert_eq!(e.message, "got \"[redacted]…\"");
        assert_eq!(e.details.unwrap()[0].1, "x [redacted]…");
    }
}
