//! Error codes and the error value of the core. An [`Error`] never holds the client secret or the
//! `Authorization` header: messages are built from fixed text, statuses and (redacted) server fields.

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
}
