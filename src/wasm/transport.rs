//! One token request as a small synchronous machine that JavaScript drives: [`TokenRun`] sends each
//! attempt (one crossing into `attempt` of js/glue.js, which owns the abort guard and reads the body)
//! and judges its outcome with the sans-IO core: a token, the delay before the next attempt, or the
//! final error. `drive` in js/glue.js only loops: attempt, judge, sleep. No futures run in wasm.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::attempt;
use super::convert::{error_to_js, token_to_js};
use crate::config::Config;
use crate::error::{Error, ErrorCode};
use crate::request::{token_request, ACCEPT, BODY, CONTENT_TYPE, METHOD};
use crate::response::{self, Token, MAX_BODY_BYTES};
use crate::retry;
use crate::text::{cat, push_u64};
use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// One `createOAuthToken()` in progress: the config and how many attempts have failed.
#[wasm_bindgen(skip_typescript)]
pub struct TokenRun {
    config: Config,
    failed: u32,
}

impl TokenRun {
    /// A run for a validated config.
    pub fn new(config: Config) -> TokenRun {
        TokenRun { config, failed: 0 }
    }
}

#[wasm_bindgen]
impl TokenRun {
    /// Send one attempt with `fetch` (or the global one when `undefined`) under the caller's
    /// `signal`; resolves to the tagged outcome `judge` takes (never rejects).
    pub fn send(&self, fetch: &JsValue, signal: &JsValue) -> Promise {
        let request = token_request(&self.config);
        attempt(
            fetch,
            request.url,
            METHOD,
            request.authorization,
            CONTENT_TYPE,
            ACCEPT,
            BODY,
            f64::from(self.config.timeout_ms),
            signal,
            MAX_BODY_BYTES as f64,
        )
    }

    /// Judge an attempt's outcome: the `AccessToken` object, a number (milliseconds to wait before
    /// the next attempt), or the final `AltPayOAuthError`. `[2, "aborted"]` (a backoff sleep cut
    /// short by the caller's signal) gives the `aborted` error.
    pub fn judge(&mut self, outcome: JsValue) -> JsValue {
        let outcome: Array = outcome.unchecked_into();
        let error = match self.outcome(&outcome) {
            Ok(token) => return token_to_js(&token),
            Err(e) => e.redact(&self.config.secrets()),
        };
        match retry::next_delay_ms(
            &error,
            self.failed,
            self.config.retries,
            js_sys::Math::random(),
        ) {
            Some(delay) => {
                self.failed = self.failed.saturating_add(1);
                JsValue::from(delay)
            }
            None => error_to_js(&error),
        }
    }
}

impl TokenRun {
    fn outcome(&self, outcome: &Array) -> Result<Token, Error> {
        let timeout_ms = f64::from(self.config.timeout_ms);
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
                let body = outcome.get(3);
                let bytes = if body.is_null() {
                    None
                } else {
                    Some(Uint8Array::new(&body).to_vec())
                };
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
