//! One token request, judged attempt by attempt: `drive` in js/glue.js runs each attempt (it owns the
//! abort guard and reads the body) and hands the outcome to the [`Judge`], which judges it with the
//! sans-IO core: a token, the delay before the next attempt, or the final error. No futures run in
//! wasm.

#[allow(unused_imports)]
use crate::prelude::*;

use super::convert::{error_to_js, token_to_js};
use crate::error::{Error, ErrorCode};
use crate::response::{self, Token};
use crate::retry;
use crate::text::{cat, push_u64};
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The judge of token-request attempts. One per module instance, handed once to js/glue.js (whose
/// `drive` loop calls it): a stateless object, so no wasm-bindgen wrapper is made per request. What a
/// judgement needs of the request (attempts failed so far, retries, timeout, the strings to redact)
/// comes with each call.
#[wasm_bindgen(skip_typescript)]
pub struct Judge;

#[wasm_bindgen]
impl Judge {
    /// The `AccessToken` object for the body of a 2xx response sent at `sentAt` (epoch ms), or
    /// `undefined` when the body is not a valid token response (then `judge` says why).
    pub fn token(&self, body: &[u8], #[wasm_bindgen(js_name = sentAt)] sent_at: f64) -> JsValue {
        match response::parse_token(body, sent_at) {
            Ok(token) => token_to_js(&token),
            Err(_) => JsValue::UNDEFINED,
        }
    }

    /// Judge an attempt's outcome (one of the tagged arrays of `attempt` in js/glue.js, with the
    /// body bytes of a `[0, ...]` outcome passed separately as `body`: copied in by wasm-bindgen) after
    /// `failed` failed attempts: the `AccessToken` object, a number (milliseconds to wait before
    /// the next attempt), or the final `AltPayOAuthError`, redacted of `secret` and
    /// `authorization`. `[2, "aborted"]` (a backoff sleep cut short by the caller's signal) gives
    /// the `aborted` error.
    // Everything a judgement needs comes with the call (the Judge keeps no state per request).
    #[allow(clippy::too_many_arguments)]
    pub fn judge(
        &self,
        outcome: JsValue,
        body: Option<Vec<u8>>,
        failed: u32,
        retries: u32,
        #[wasm_bindgen(js_name = timeoutMs)] timeout_ms: u32,
        secret: &str,
        authorization: &str,
    ) -> JsValue {
        let error = match outcome_result(&outcome.unchecked_into(), body, timeout_ms) {
            Ok(token) => return token_to_js(&token),
            Err(e) => e.redact(&[
                secret,
                authorization,
                authorization
                    .strip_prefix("Basic ")
                    .unwrap_or(authorization),
            ]),
        };
        match retry::next_delay_ms(&error, failed, retries, js_sys::Math::random()) {
            Some(delay) => JsValue::from(delay),
            None => error_to_js(&error),
        }
    }
}

/// What an attempt's outcome amounts to: a token, or the error (not yet redacted).
fn outcome_result(outcome: &Array, body: Option<Vec<u8>>, timeout_ms: u32) -> Result<Token, Error> {
    let timeout_ms = f64::from(timeout_ms);
    let number = |i: u32| outcome.get(i).as_f64().unwrap_or(-1.0);
    let status = || number(1).clamp(0.0, 999.0) as u16;
    let retry_after = || {
        outcome
            .get(2)
            .as_string()
            .and_then(|v| retry::parse_retry_after(&v, js_sys::Date::now()))
    };
    match number(0) as i32 {
        // A response with its body read (or refused past the cap: null).
        0 => {
            let status = status();
            let bytes = body;
            if (200..300).contains(&status) {
                match bytes {
                    Some(b) => {
                        response::parse_token(&b, number(4)).map_err(|e| e.with_status(status))
                    }
                    None => Err(response::body_too_large().with_status(status)),
                }
            } else {
                Err(response::error_for_status(
                    status,
                    bytes.as_deref(),
                    retry_after(),
                ))
            }
        }
        // A response whose body could not be read.
        1 => {
            let status = status();
            let cause = outcome.get(3).as_string().unwrap_or_default();
            if cause == "network" && !(200..300).contains(&status) {
                // The status says enough; the error body was only for details.
                return Err(response::error_for_status(status, None, retry_after()));
            }
            let what = if (200..300).contains(&status) {
                "reading the token response failed"
            } else {
                "reading the error response failed"
            };
            Err(classify(&cause, timeout_ms, what, &outcome.get(4)).with_status(status))
        }
        // No response at all.
        2 => {
            let cause = outcome.get(1).as_string().unwrap_or_default();
            Err(classify(
                &cause,
                timeout_ms,
                "could not reach the token endpoint",
                &outcome.get(2),
            ))
        }
        // A browser's `redirect: "manual"` gives an opaque redirect (status 0, no headers).
        3 if number(1) == 0.0 => {
            let mut e = response::error_for_status(302, None, None);
            e.status = None;
            Err(e)
        }
        _ => Err(Error::response("fetch did not resolve to a Response")),
    }
}

/// The error for an attempt that ended early: `timeout`, `aborted` or `network_error` (described by
/// `described`, the one-line text `attempt` made of the JavaScript error).
fn classify(cause: &str, timeout_ms: f64, what: &str, described: &JsValue) -> Error {
    match cause {
        "timeout" => {
            let mut message = String::from("token request timed out after ");
            push_u64(&mut message, timeout_ms as u64);
            message.push_str(" ms (");
            message.push_str(what);
            message.push(')');
            Error::new(ErrorCode::Timeout, message)
        }
        "aborted" => Error::new(
            ErrorCode::Aborted,
            "token request was aborted by the caller's signal",
        ),
        _ => Error::new(
            ErrorCode::NetworkError,
            cat(&[what, ": ", &described.as_string().unwrap_or_default()]),
        ),
    }
}
