//! One token request: attempts (each one crossing into `attempt` of js/glue.js, which owns the
//! abort guard), the answer judged by the sans-IO core, retries with backoff between attempts.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::{attempt, sleep};
use crate::config::Config;
use crate::error::{Error, ErrorCode};
use crate::request::{token_request, ACCEPT, BODY, CONTENT_TYPE, METHOD};
use crate::response::{self, Token, MAX_BODY_BYTES};
use crate::retry;
use crate::text::{cat, push_u64};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Get a token: up to `1 + config.retries` attempts, with backoff between them. `fetch` is the
/// caller's fetch function or `undefined` (the global one); `signal` the caller's `AbortSignal` or
/// `undefined`: it aborts at once, including during a backoff sleep.
pub async fn fetch_token(
    config: &Config,
    fetch: &JsValue,
    signal: &JsValue,
) -> Result<Token, Error> {
    let mut attempts: u32 = 0;
    loop {
        let error = match attempt_once(config, fetch, signal).await {
            Ok(token) => return Ok(token),
            Err(e) => e.redact(&config.secrets()),
        };
        match retry::next_delay_ms(&error, attempts, config.retries, js_sys::Math::random()) {
            None => return Err(error),
            Some(delay) => {
                let slept = JsFuture::from(sleep(delay, signal)).await;
                if !slept.map(|v| v.is_truthy()).unwrap_or(false) {
                    return Err(aborted());
                }
                attempts = attempts.saturating_add(1);
            }
        }
    }
}

/// The `aborted` error.
pub fn aborted() -> Error {
    Error::new(
        ErrorCode::Aborted,
        "token request was aborted by the caller's signal",
    )
}

async fn attempt_once(config: &Config, fetch: &JsValue, signal: &JsValue) -> Result<Token, Error> {
    let request = token_request(config);
    let timeout_ms = f64::from(config.timeout_ms);
    let outcome = JsFuture::from(attempt(
        fetch,
        request.url,
        METHOD,
        request.authorization,
        CONTENT_TYPE,
        ACCEPT,
        BODY,
        timeout_ms,
        signal,
        MAX_BODY_BYTES as f64,
    ))
    .await
    .map(|v| v.unchecked_into::<Array>())
    .unwrap_or_else(|_| Array::of1(&JsValue::from(-1)));
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
        "aborted" => aborted(),
        _ => Error::new(
            ErrorCode::NetworkError,
            cat(&[what, ": ", &described.as_string().unwrap_or_default()]),
        ),
    }
}
