//! One attempt of the token request, as data: what the wasm layer observed ([`Outcome`]) and what it
//! amounts to ([`judge`]): the token, or the error that [`crate::retry::next_delay_ms`] then decides
//! to retry or return.

use crate::body::{BodyError, ErrorBody, TokenBody};
use crate::error::{Error, ErrorCode};
use crate::redact::Redactor;
use crate::response::{self, Token};

/// Why an attempt ended without a complete response.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The attempt ran past `timeoutMs`.
    Timeout,
    /// The caller's signal fired.
    Aborted,
    /// `fetch` or the body read failed; the runtime's description, already cleaned by the
    /// [`Redactor`] (it is external text).
    Network(String),
}

/// What one attempt observed.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A 2xx response, its body decoded (or why not).
    Success {
        /// HTTP status (200..=299).
        status: u16,
        /// The decoded body.
        body: Result<TokenBody, BodyError>,
        /// When the request was sent (epoch ms).
        sent_at_ms: f64,
    },
    /// Any other status; the error body decoded when it could be.
    Status {
        /// HTTP status.
        status: u16,
        /// The decoded error body, if it was JSON.
        body: Option<ErrorBody>,
        /// `Retry-After`, in seconds, when sent and valid.
        retry_after: Option<f64>,
    },
    /// A response whose body could not be read (for a non-2xx only a timeout or an abort: a
    /// failed read of an error body is just [`Outcome::Status`] without a body).
    BodyFailed {
        /// HTTP status.
        status: u16,
        /// Why.
        failure: Failure,
    },
    /// No response at all.
    NoResponse(Failure),
    /// A browser's `redirect: "manual"` answer: an opaque redirect (no status, no headers).
    OpaqueRedirect,
    /// A custom `fetch` resolved to something that is not a `Response`.
    NotAResponse,
}

/// What an attempt's outcome amounts to: the token, or the error (server text in it cleaned by
/// `redactor`).
pub fn judge(outcome: Outcome, timeout_ms: u32, redactor: &Redactor) -> Result<Token, Error> {
    match outcome {
        Outcome::Success {
            status,
            body,
            sent_at_ms,
        } => body
            .map_err(response::body_error)
            .and_then(|b| response::validate_token(b, sent_at_ms, redactor))
            .map_err(|e| e.with_status(status)),
        Outcome::Status {
            status,
            body,
            retry_after,
        } => Err(response::error_for_status(
            status,
            body,
            retry_after,
            redactor,
        )),
        Outcome::BodyFailed { status, failure } => {
            let what = if (200..300).contains(&status) {
                "reading the token response failed"
            } else {
                "reading the error response failed"
            };
            Err(failed(failure, timeout_ms, what).with_status(status))
        }
        Outcome::NoResponse(failure) => Err(failed(
            failure,
            timeout_ms,
            "could not reach the token endpoint",
        )),
        Outcome::OpaqueRedirect => {
            let mut e = response::error_for_status(302, None, None, redactor);
            e.status = None;
            Err(e)
        }
        Outcome::NotAResponse => Err(Error::response("fetch did not resolve to a Response")),
    }
}

/// The error for an attempt that ended early: `timeout`, `aborted` or `network_error`.
fn failed(failure: Failure, timeout_ms: u32, what: &str) -> Error {
    match failure {
        Failure::Timeout => Error::new(
            ErrorCode::Timeout,
            format!("token request timed out after {timeout_ms} ms ({what})"),
        ),
        Failure::Aborted => Error::new(
            ErrorCode::Aborted,
            "token request was aborted by the caller's signal",
        ),
        Failure::Network(described) => {
            Error::new(ErrorCode::NetworkError, format!("{what}: {described}"))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::body::Value;

    fn judge(outcome: Outcome, timeout_ms: u32) -> Result<Token, Error> {
        super::judge(
            outcome,
            timeout_ms,
            &Redactor::new("id", "secret-0123456789"),
        )
    }

    #[test]
    fn outcomes_to_results() {
        let e = judge(Outcome::NoResponse(Failure::Timeout), 250).unwrap_err();
        assert_eq!(e.code, ErrorCode::Timeout);
        assert_eq!(
            e.message,
            "token request timed out after 250 ms (could not reach the token endpoint)"
        );
        let e = judge(
            Outcome::BodyFailed {
                status: 200,
                failure: Failure::Network("terminated".into()),
            },
            1,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::NetworkError);
        assert_eq!(e.status, Some(200));
        assert_eq!(e.message, "reading the token response failed: terminated");
        let e = judge(Outcome::OpaqueRedirect, 1).unwrap_err();
        assert_eq!((e.code, e.status), (ErrorCode::HttpError, None));
        let e = judge(
            Outcome::Success {
                status: 201,
                body: Ok(TokenBody::Other(Value::Array)),
                sent_at_ms: 0.0,
            },
            1,
        )
        .unwrap_err();
        assert_eq!((e.code, e.status), (ErrorCode::InvalidResponse, Some(201)));
        let e = judge(
            Outcome::Status {
                status: 429,
                body: None,
                retry_after: Some(2.0),
            },
            1,
        )
        .unwrap_err();
        assert_eq!((e.code, e.retry_after), (ErrorCode::RateLimited, Some(2.0)));
    }
}
